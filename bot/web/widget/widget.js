/*
 * Support chat widget. Embed with one tag:
 *   <script src="https://gateway.example/widget/widget.js" data-gateway="https://gateway.example"
 *           data-language="es" data-color="#1f6feb" data-title="Help"></script>
 * Speaks Rasa's socket.io contract with the gateway (session_request/session_confirm,
 * user_uttered/bot_uttered). Text is only ever rendered with textContent, never as HTML.
 * The session id (issued by the gateway) lives in localStorage, so the conversation survives a
 * reload; after a dropped connection the widget fetches what it missed (`sync` after the last
 * seq it saw) and drops duplicates by message id. Messages typed while offline are kept in
 * localStorage and sent (with the same id) once the connection is back.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__supportWidgetLoaded) return;
  window.__supportWidgetLoaded = true;

  var gateway = (script.getAttribute("data-gateway") || new URL(script.src, location.href).origin).replace(/\/$/, "");
  var STORE = "support-widget:" + gateway;
  var LANGUAGES = { en: "English", es: "Español", de: "Deutsch", fr: "Français" };
  var TEXT = {
    en: { open: "Chat with us", title: "Customer support", close: "Close chat", input: "Your message", send: "Send",
          language: "Language", typing: "The assistant is typing…", offline: "Reconnecting…", failed: "Not sent. It will be retried.", agent: "Agent" },
    es: { open: "Chatea con nosotros", title: "Atención al cliente", close: "Cerrar chat", input: "Su mensaje", send: "Enviar",
          language: "Idioma", typing: "El asistente está escribiendo…", offline: "Reconectando…", failed: "No enviado. Se reintentará.", agent: "Agente" },
    de: { open: "Chatten Sie mit uns", title: "Kundenservice", close: "Chat schließen", input: "Ihre Nachricht", send: "Senden",
          language: "Sprache", typing: "Der Assistent schreibt…", offline: "Verbindung wird wiederhergestellt…", failed: "Nicht gesendet. Wird erneut versucht.", agent: "Mitarbeiter" },
    fr: { open: "Discutez avec nous", title: "Service client", close: "Fermer le chat", input: "Votre message", send: "Envoyer",
          language: "Langue", typing: "L'assistant écrit…", offline: "Reconnexion…", failed: "Non envoyé. Nouvel essai bientôt.", agent: "Conseiller" }
  };

  function load() { try { return JSON.parse(localStorage.getItem(STORE)) || {}; } catch (e) { return {}; } }
  var saved = load();
  var state = {
    sessionId: saved.sessionId || null,
    lastSeq: 0,                       // the highest seq shown (reset on a page load: history is fetched again)
    language: saved.language || script.getAttribute("data-language") || null,
    languageChosen: Boolean(saved.language || script.getAttribute("data-language")),
    pending: saved.pending || [],     // messages not yet acknowledged as stored
    open: Boolean(saved.open)
  };
  var seen = {};                      // message ids already rendered
  function persist() {
    try {
      localStorage.setItem(STORE, JSON.stringify({ sessionId: state.sessionId, language: state.languageChosen ? state.language : null,
                                                   pending: state.pending, open: state.open }));
    } catch (e) { /* private mode: the widget still works for this page view */ }
  }
  function t(key) { return (TEXT[state.language] || TEXT.en)[key]; }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text != null) node.textContent = text;
    return node;
  }
  function newId() {
    var bytes = new Uint8Array(12);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // --- DOM ----------------------------------------------------------------------------
  var css = el("link", { rel: "stylesheet", href: gateway + "/widget/widget.css" });
  document.head.appendChild(css);
  var root = el("div", { "class": "saw-root", id: "support-widget" });
  var color = script.getAttribute("data-color");
  if (color && /^#[0-9a-fA-F]{3,8}$|^[a-z]+$/.test(color)) root.style.setProperty("--saw-color", color);
  var panel = el("section", { "class": "saw-panel", role: "dialog", "aria-labelledby": "saw-title", id: "saw-panel" });
  panel.hidden = true;
  var header = el("div", { "class": "saw-header" });
  var title = el("h2", { "class": "saw-title", id: "saw-title" }, script.getAttribute("data-title") || t("title"));
  var langLabel = el("label", { "for": "saw-language", "class": "saw-visually-hidden" }, t("language"));
  var langSelect = el("select", { id: "saw-language", name: "language" });
  Object.keys(LANGUAGES).forEach(function (code) {
    var option = el("option", { value: code, lang: code }, LANGUAGES[code]);
    langSelect.appendChild(option);
  });
  langSelect.value = state.language || "en";
  var close = el("button", { type: "button", "class": "saw-close", "aria-label": t("close") }, "×");
  header.append(title, langLabel, langSelect, close);
  var log = el("div", { "class": "saw-log", role: "log", "aria-live": "polite", "aria-relevant": "additions", tabindex: "0",
                        "aria-label": t("title") });
  var status = el("div", { "class": "saw-status", role: "status" });
  var typing = el("div", { "class": "saw-typing", "aria-live": "polite" });
  var replies = el("div", { "class": "saw-replies", role: "group", "aria-label": "Suggested replies" });
  var form = el("form", { "class": "saw-form" });
  var inputLabel = el("label", { "for": "saw-input", "class": "saw-visually-hidden" }, t("input"));
  var input = el("input", { id: "saw-input", type: "text", autocomplete: "off", maxlength: "5000", placeholder: t("input") });
  var send = el("button", { type: "submit" }, t("send"));
  form.append(inputLabel, input, send);
  panel.append(header, status, log, typing, replies, form);
  var launcher = el("button", { type: "button", "class": "saw-launcher", "aria-expanded": "false", "aria-controls": "saw-panel" },
                    t("open"));
  root.append(panel, launcher);

  function relabel() {
    launcher.textContent = t("open");
    close.setAttribute("aria-label", t("close"));
    inputLabel.textContent = t("input");
    input.placeholder = t("input");
    send.textContent = t("send");
    langLabel.textContent = t("language");
    if (!script.getAttribute("data-title")) title.textContent = t("title");
  }
  function setOpen(open) {
    state.open = open;
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    persist();
    if (open) { input.focus(); log.scrollTop = log.scrollHeight; } else { launcher.focus(); }
  }
  launcher.addEventListener("click", function () { setOpen(panel.hidden); });
  close.addEventListener("click", function () { setOpen(false); });
  panel.addEventListener("keydown", function (event) { if (event.key === "Escape") setOpen(false); });
  langSelect.addEventListener("change", function () {
    state.language = langSelect.value;
    state.languageChosen = true;
    relabel();
    persist();
  });

  // --- messages -------------------------------------------------------------------------
  var KIND = { customer: "saw-customer", bot: "saw-bot", agent: "saw-agent", system: "saw-system" };
  function render(message) {
    if (message.message_id && seen[message.message_id]) {
      var existing = seen[message.message_id];
      existing.classList.remove("saw-pending", "saw-failed");
      return existing;
    }
    var bubble = el("div", { "class": "saw-msg " + (KIND[message.sender_type] || "saw-bot") });
    bubble.dataset.sender = message.sender_type || "bot";
    if (message.message_id) bubble.dataset.messageId = message.message_id;
    if (message.sender_type === "agent") bubble.appendChild(el("span", { "class": "saw-who" }, message.agent_name || t("agent")));
    bubble.appendChild(document.createTextNode(message.text || ""));
    log.appendChild(bubble);
    if (message.message_id) seen[message.message_id] = bubble;
    if (typeof message.seq === "number" && message.seq > state.lastSeq) state.lastSeq = message.seq;
    if (message.sender_type !== "customer") showReplies(message.quick_replies || message.buttons || []);
    log.scrollTop = log.scrollHeight;
    return bubble;
  }
  function showReplies(list) {
    replies.textContent = "";
    list.forEach(function (reply) {
      var button = el("button", { type: "button" }, reply.title);
      button.addEventListener("click", function () { say(reply.payload || reply.title, reply.title); });
      replies.appendChild(button);
    });
  }

  // --- connection ------------------------------------------------------------------------
  var socket = null;
  var confirmed = false;
  function say(payload, shown) {
    var text = (payload || "").trim();
    if (!text) return;
    var id = newId();
    var item = { id: id, text: text, shown: shown || text, language: state.languageChosen ? state.language : null };
    state.pending.push(item);
    persist();
    var bubble = render({ message_id: "w-" + id, sender_type: "customer", text: item.shown });
    bubble.classList.add("saw-pending");
    showReplies([]);
    deliver(item);
  }
  function deliver(item) {
    if (!socket || !confirmed) return;  // flushed after the next session_confirm
    var metadata = { message_id: item.id };
    if (item.language) metadata.language = item.language;
    if (item.shown !== item.text) metadata.title = item.shown;  // a quick reply: shown by its title after a reload
    var token = script.getAttribute("data-customer-token");
    if (token) metadata.customer_token = token;
    socket.emit("user_uttered", { message: item.text, session_id: state.sessionId, metadata: metadata },
      function (ack) {
        var bubble = seen["w-" + item.id];
        if (!ack || ack.error) {
          if (bubble) bubble.classList.add("saw-failed");
          status.textContent = t("failed");
          return;  // stays pending: resent on the next connection
        }
        state.pending = state.pending.filter(function (p) { return p.id !== item.id; });
        persist();
        if (bubble) bubble.classList.remove("saw-pending", "saw-failed");
        if (typeof ack.seq === "number" && ack.seq > state.lastSeq) state.lastSeq = ack.seq;
      });
  }
  function catchUp() {
    socket.emit("sync", { session_id: state.sessionId, after_seq: state.lastSeq }, function (answer) {
      if (answer && answer.messages) answer.messages.forEach(render);
      state.pending.forEach(deliver);  // after the history, so the order on screen stays right
    });
  }
  function connect() {
    socket = window.io(gateway, { path: "/socket.io", transports: ["websocket", "polling"] });
    socket.on("connect", function () {
      confirmed = false;
      socket.emit("session_request", { session_id: state.sessionId, client: "support-widget" });
    });
    socket.on("session_confirm", function (data) {
      var id = data && data.session_id ? data.session_id : data;
      if (id !== state.sessionId) { state.sessionId = id; state.lastSeq = 0; }
      confirmed = true;
      status.textContent = "";
      persist();
      catchUp();
    });
    socket.on("bot_uttered", function (message) { typing.textContent = ""; render(message); });
    socket.on("typing", function (data) { typing.textContent = data && data.on ? t("typing") : ""; });
    socket.on("disconnect", function () { confirmed = false; status.textContent = t("offline"); });
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    say(input.value);
    input.value = "";
    input.focus();
  });

  function start() {
    document.body.appendChild(root);
    relabel();
    state.pending.forEach(function (item) {
      render({ message_id: "w-" + item.id, sender_type: "customer", text: item.shown }).classList.add("saw-pending");
    });
    if (state.open) setOpen(true);
    connect();
  }
  function withSocketIO(then) {
    if (window.io) return then();
    var loader = el("script", { src: gateway + "/widget/vendor/socket.io.min.js" });
    loader.onload = then;
    document.head.appendChild(loader);
  }
  var ready = function () { withSocketIO(start); };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready); else ready();
  window.SupportWidget = { open: function () { setOpen(true); }, close: function () { setOpen(false); },
                           state: function () { return { sessionId: state.sessionId, lastSeq: state.lastSeq, pending: state.pending.length }; } };
})();
