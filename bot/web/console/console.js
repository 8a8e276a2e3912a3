/* Agent console. All text goes into the page with textContent (never HTML); the staff
 * session is the httpOnly cookie set by /auth/login, so fetch() needs no token. */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var me = null;
  var current = null;          // the open conversation (CRM view)
  var shown = {};              // message ids in the open transcript
  var socket = null;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text != null) node.textContent = text;
    return node;
  }
  async function call(method, path, body) {
    var response = await fetch(path, {
      method: method, credentials: "same-origin",
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined
    });
    if (response.status === 401) { location.assign("/login?next=/console"); throw new Error("signed out"); }
    var data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (!response.ok) {
      var detail = data && data.detail;
      var error = new Error((detail && detail.message) || ("HTTP " + response.status));
      error.status = response.status;
      error.detail = detail;
      throw error;
    }
    return data;
  }
  function say(text) { $("alert").textContent = text || ""; }

  // --- lists ----------------------------------------------------------------------------
  function waiting(seconds) {
    if (seconds < 60) return seconds + " s";
    return Math.floor(seconds / 60) + " min";
  }
  function listItem(sessionId, lines, extraClass) {
    var li = el("li");
    var button = el("button", { type: "button", "data-session": sessionId });
    lines.forEach(function (line, i) {
      var span = el("span", i === 0 && extraClass ? { "class": extraClass } : {}, line);
      button.appendChild(span);
      button.appendChild(el("br"));
    });
    if (current && current.session_id === sessionId) button.setAttribute("aria-current", "true");
    button.addEventListener("click", function () { openConversation(sessionId); });
    li.appendChild(button);
    return li;
  }
  async function refreshLists() {
    try {
      var queue = await call("GET", "/console/api/queue");
      var list = $("queue");
      list.textContent = "";
      queue.forEach(function (q) {
        var who = q.customer ? q.customer.name + " (" + q.customer.tier + ")" : "Visitor";
        list.appendChild(listItem(q.session_id, [
          "#" + q.position + " · " + q.priority + " · " + q.language.toUpperCase(),
          who + " · waiting " + waiting(q.waiting_s),
          q.handoff_reason || ""
        ], "prio-" + q.priority));
      });
      $("queue-empty").hidden = queue.length > 0;
      var mine = await call("GET", "/console/api/mine");
      var mineList = $("mine");
      mineList.textContent = "";
      mine.forEach(function (c) {
        mineList.appendChild(listItem(c.session_id, [c.language.toUpperCase() + " · " + (c.ticket_number || c.session_id.slice(0, 12))]));
      });
    } catch (e) { say(e.message); }
  }
  var refreshTimer = null;
  function refreshSoon() { clearTimeout(refreshTimer); refreshTimer = setTimeout(refreshLists, 150); }

  // --- conversation -----------------------------------------------------------------------
  var LABEL = { customer: "Customer", bot: "Bot", agent: "Agent", system: "System", note: "Internal note" };
  function addMessage(m) {
    var key = m.client_message_id || m.id;
    if (shown[key]) return;
    shown[key] = true;
    var li = el("li", { "class": m.sender_type, "data-sender": m.sender_type });
    var who = LABEL[m.sender_type] || m.sender_type;
    if (m.sender_type === "agent" && m.metadata && m.metadata.agent_name) who = m.metadata.agent_name;
    li.appendChild(el("span", { "class": "who" }, who));
    var main = m.display_text != null ? m.display_text : m.text;
    li.appendChild(el("span", { "class": "text", lang: m.display_language || m.language }, main));
    if (main !== m.text) {  // the original beside the translation; for agents, what the customer read
      var label = m.sender_type === "agent" ? "Customer reads (" : "Original (";
      li.appendChild(el("span", { "class": "original", lang: m.language }, label + m.language + "): " + m.text));
    }
    $("transcript").appendChild(li);
    $("transcript").scrollTop = $("transcript").scrollHeight;
  }
  function showState(conv) {
    current = conv;
    $("conv-title").textContent = (conv.ticket_number ? conv.ticket_number + " · " : "") + conv.session_id.slice(0, 16);
    $("conv-state").textContent = conv.state + (conv.assignee ? " · " + conv.assignee.name : "") + " · " + conv.language;
    var mineNow = conv.assignee && me && conv.assignee.id === me.id;
    $("take").hidden = conv.state !== "queued";
    $("transfer").disabled = $("handback").disabled = $("resolve").disabled = !mineNow && me.role !== "admin";
    $("send").disabled = false;
    $("summary").textContent = conv.summary || "—";
  }
  function showCustomer(customer) {
    var box = $("customer");
    box.textContent = "";
    if (!customer) { box.appendChild(el("p", { "class": "muted" }, "Not verified.")); return; }
    var name = [customer.first_name, customer.last_name].filter(Boolean).join(" ");
    box.appendChild(el("p", {}, name + " · " + (customer.tier || "") + " · " + (customer.email || "")));
    var orders = customer.recent_orders || customer.orders || [];
    if (orders.length) {
      box.appendChild(el("h4", {}, "Recent orders"));
      var ul = el("ul");
      orders.slice(0, 5).forEach(function (o) {
        ul.appendChild(el("li", {}, o.number + " · " + o.status + (o.total ? " · " + o.total.amount + " " + o.total.currency : "")));
      });
      box.appendChild(ul);
    }
    var tickets = customer.recent_tickets || customer.tickets || [];
    if (tickets.length) {
      box.appendChild(el("h4", {}, "Recent tickets"));
      var tl = el("ul");
      tickets.slice(0, 5).forEach(function (t) { tl.appendChild(el("li", {}, t.number + " · " + t.status + " · " + t.subject)); });
      box.appendChild(tl);
    }
  }
  function showSuggestions(list) {
    var ul = $("suggestions");
    ul.textContent = "";
    if (!list.length) { ul.appendChild(el("li", { "class": "muted" }, "No suggestion.")); return; }
    list.forEach(function (s) {
      var li = el("li");
      var button = el("button", { type: "button" }, s.text);
      button.addEventListener("click", function () { $("reply").value = s.text; $("reply").focus(); });
      li.appendChild(button);
      ul.appendChild(li);
    });
  }
  async function openConversation(sessionId) {
    say("");
    try {
      var view = await call("GET", "/console/api/conversations/" + encodeURIComponent(sessionId));
      shown = {};
      $("transcript").textContent = "";
      $("placeholder").hidden = true;
      $("conv").hidden = false;
      showState(view.conversation);
      view.messages.forEach(addMessage);
      showCustomer(view.customer);
      showSuggestions(view.suggestions || []);
      refreshSoon();
    } catch (e) { say(e.message); }
  }
  async function act(path, body) {
    if (!current) return null;
    say("");
    try {
      var conv = await call("POST", "/console/api/conversations/" + encodeURIComponent(current.session_id) + path, body);
      if (conv && conv.session_id) showState(conv);
      refreshSoon();
      return conv;
    } catch (e) {
      if (e.detail && e.detail.code === "already_taken") {
        var who = (e.detail.assignee && e.detail.assignee.name) || e.detail.message;
        say("Already taken: " + who);
      } else { say(e.message); }
      return null;
    }
  }
  $("take").addEventListener("click", async function () {
    var conv = await act("/take");
    if (conv) openConversation(conv.session_id);
  });
  $("handback").addEventListener("click", function () { act("/handback"); });
  $("resolve").addEventListener("click", function () { act("/resolve"); });
  $("transfer").addEventListener("click", function () {
    var to = parseInt($("transfer-to").value, 10);
    if (to) act("/transfer", { to_staff_id: to });
  });
  $("composer").addEventListener("submit", async function (event) {
    event.preventDefault();
    var text = $("reply").value.trim();
    if (!text || !current) return;
    var internal = $("internal").checked;
    try {
      var message = await call("POST", "/console/api/conversations/" + encodeURIComponent(current.session_id) + "/messages",
                               { text: text, internal: internal });
      addMessage(message);
      $("reply").value = "";
      $("internal").checked = false;
    } catch (e) { say(e.message); }
  });
  $("reply").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) $("composer").requestSubmit();
  });
  $("signout").addEventListener("click", async function () {
    await fetch("/auth/logout", { method: "POST", credentials: "same-origin" });
    location.assign("/login");
  });

  // --- live updates -----------------------------------------------------------------------
  function connectLive() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/console/ws");
    socket.onopen = function () { $("live").textContent = "live"; };
    socket.onclose = function () {
      $("live").textContent = "reconnecting…";
      setTimeout(function () { connectLive(); refreshLists(); if (current) openConversation(current.session_id); }, 1500);
    };
    socket.onmessage = function (event) {
      var data = JSON.parse(event.data);
      if (data.type === "message" && current && data.session_id === current.session_id) addMessage(data.message);
      if (data.type === "conversation_changed" && current && data.session_id === current.session_id) showState(data.conversation);
      if (data.type === "queue_changed" || data.type === "conversation_changed" ||
          (data.type === "message" && data.message.sender_type === "customer")) refreshSoon();
    };
    setInterval(function () { if (socket.readyState === 1) socket.send("ping"); }, 20000);
  }

  (async function start() {
    try { me = await call("GET", "/console/api/me"); } catch (e) { return; }
    $("me").textContent = me.name + " (" + me.role + ", " + me.language + ")";
    try {
      var staff = await call("GET", "/console/api/staff");
      staff.filter(function (s) { return s.id !== me.id; }).forEach(function (s) {
        $("transfer-to").appendChild(el("option", { value: String(s.id) }, s.name + " (" + s.languages.join(", ") + ")"));
      });
    } catch (e) { say(e.message); }
    connectLive();
    refreshLists();
    setInterval(refreshLists, 15000);  // waiting times move on
  })();
})();
