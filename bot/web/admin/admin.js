// Admin workbench page: plain JS over /api/admin (signed in with the httpOnly session cookie).
"use strict";

const $ = (selector) => document.querySelector(selector);
const state = { overview: null, nlu: [], intent: null, vocab: null, responses: [], kb: [], kbEntry: null,
                stories: [], story: null, storyYaml: false, job: null, jobOffset: 0, models: null };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value);
  }
  for (const child of children.flat()) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function flash(message, ok = true) {
  const box = $("#flash");
  box.textContent = message;
  box.className = ok ? "ok" : "bad";
}

class ApiError extends Error {
  constructor(status, detail) {
    super(typeof detail === "object" && detail ? detail.message || JSON.stringify(detail) : String(detail));
    this.status = status;
    this.detail = detail;
  }
}

async function api(method, path, body) {
  const answer = await fetch(`/api/admin${path}`, {
    method, headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" });
  if (answer.status === 401) { location.href = "/login?next=/admin"; throw new ApiError(401, "signed out"); }
  const data = answer.headers.get("content-type")?.includes("json") ? await answer.json() : null;
  if (!answer.ok) {
    const detail = data?.detail;
    // FastAPI's 422 for a malformed body is a list of {loc, msg}
    if (Array.isArray(detail)) throw new ApiError(answer.status, { message: detail.map((d) => `${d.loc.join(".")}: ${d.msg}`).join("; ") });
    throw new ApiError(answer.status, detail || answer.statusText);
  }
  return data;
}

function showErrors(listSelector, error) {
  const list = $(listSelector);
  list.replaceChildren();
  if (!error) return;
  const detail = error.detail || {};
  const items = detail.errors ? detail.errors.map((e) => e.message) : [error.message];
  if (detail.code === "version_conflict") items.push("Reload the item (pick it again) and redo your edit.");
  for (const item of items) list.append(el("li", {}, item));
  flash(error.message, false);
}

// --- tabs ---------------------------------------------------------------------------
const loaders = {};
function showTab(name) {
  for (const tab of document.querySelectorAll("[role=tab]")) tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
  for (const section of document.querySelectorAll(".tab")) section.hidden = section.id !== `tab-${name}`;
  loaders[name]?.().catch((error) => flash(error.message, false));
}
for (const tab of document.querySelectorAll("[role=tab]")) tab.addEventListener("click", () => showTab(tab.dataset.tab));

// --- intents ---------------------------------------------------------------------------
loaders.nlu = async () => {
  state.overview = await api("GET", "/overview");
  const select = $("#nlu-language");
  const current = select.value || state.overview.languages[0] || "en";
  select.replaceChildren(...state.overview.languages.map((l) => el("option", { value: l, selected: l === current }, l)));
  $("#intent-names").replaceChildren(...state.overview.intents.map((i) => el("option", { value: i.intent })));
  $("#action-names").replaceChildren(...state.overview.actions.map((a) => el("option", { value: a })));
  await loadIntents();
};

async function loadIntents() {
  const language = $("#nlu-language").value;
  state.nlu = await api("GET", `/nlu?language=${encodeURIComponent(language)}&kind=intent`);
  const list = $("#intent-list");
  list.replaceChildren(...state.overview.intents.map((item) => el("li", {},
    el("button", { "aria-current": String(item.intent === state.intent), "data-intent": item.intent,
                   onclick: () => pickIntent(item.intent) },
       item.intent, " ", el("small", {}, `(${item.examples[language] || 0})`)))));
  if (state.intent) pickIntent(state.intent);
}
$("#nlu-language").addEventListener("change", () => loadIntents().catch((e) => flash(e.message, false)));

function pickIntent(intent) {
  state.intent = intent;
  const language = $("#nlu-language").value;
  for (const b of document.querySelectorAll("#intent-list button")) b.setAttribute("aria-current", String(b.dataset.intent === intent));
  const blocks = state.nlu.filter((b) => b.name === intent);
  $("#nlu-title").textContent = `${intent} (${language})`;
  const files = state.overview.nlu_files.filter((f) => f.startsWith(`nlu/${language}/`));
  const fileSelect = $("#nlu-file");
  fileSelect.replaceChildren(...blocks.map((b) => el("option", { value: b.file, "data-version": b.version }, `${b.file} (has ${intent})`)),
    ...files.filter((f) => !blocks.some((b) => b.file === f)).map((f) => el("option", { value: f, "data-version": "" }, `${f} (new block)`)));
  $("#nlu-new-file").value = "";
  showBlock();
  showErrors("#nlu-errors", null);
}

function showBlock() {
  const file = $("#nlu-file").value;
  const block = state.nlu.find((b) => b.name === state.intent && b.file === file);
  $("#nlu-examples").value = block ? block.examples.join("\n") : "";
}
$("#nlu-file").addEventListener("change", showBlock);

$("#nlu-save").addEventListener("click", async () => {
  if (!state.intent) return flash("Pick an intent first.", false);
  const newFile = $("#nlu-new-file").value.trim();
  const file = newFile || $("#nlu-file").value || `nlu/${$("#nlu-language").value}/admin.yml`;
  const block = state.nlu.find((b) => b.name === state.intent && b.file === file);
  const examples = $("#nlu-examples").value.split("\n").map((l) => l.replace(/^\s*-\s+/, "").trim()).filter(Boolean);
  try {
    const saved = await api("PUT", "/nlu", { file, kind: "intent", name: state.intent, examples, version: block ? block.version : null });
    showErrors("#nlu-errors", null);
    flash(`Saved ${saved.examples.length} examples of ${state.intent} in ${saved.file}.`);
    await loaders.nlu();
  } catch (error) { showErrors("#nlu-errors", error); }
});

// --- synonyms, lookups, regexes --------------------------------------------------------------
loaders.vocab = async () => {
  const blocks = await api("GET", "/nlu");
  state.vocabBlocks = blocks.filter((b) => b.kind !== "intent");
  $("#vocab-list").replaceChildren(...state.vocabBlocks.map((b, i) => el("li", {},
    el("button", { onclick: () => pickVocab(i) }, `${b.kind}: ${b.name} `, el("small", {}, b.file)))));
};
function pickVocab(index) {
  state.vocab = state.vocabBlocks[index];
  $("#vocab-title").textContent = `${state.vocab.kind} ${state.vocab.name} (${state.vocab.file})`;
  $("#vocab-examples").value = state.vocab.examples.join("\n");
  showErrors("#vocab-errors", null);
}
$("#vocab-new").addEventListener("click", () => {
  state.vocab = { kind: $("#vocab-kind").value, name: $("#vocab-name").value.trim(), file: $("#vocab-file").value.trim(), version: null, examples: [] };
  $("#vocab-title").textContent = `new ${state.vocab.kind} ${state.vocab.name} (${state.vocab.file})`;
  $("#vocab-examples").value = "";
});
$("#vocab-save").addEventListener("click", async () => {
  const v = state.vocab;
  if (!v) return flash("Pick or create an item first.", false);
  const examples = $("#vocab-examples").value.split("\n").map((l) => l.replace(/^\s*-\s+/, "").trim()).filter(Boolean);
  try {
    await api("PUT", "/nlu", { file: v.file, kind: v.kind, name: v.name, examples, version: v.version });
    flash(`Saved ${v.kind} ${v.name}.`);
    showErrors("#vocab-errors", null);
    await loaders.vocab();
  } catch (error) { showErrors("#vocab-errors", error); }
});

// --- responses and translations -------------------------------------------------------------------
loaders.responses = async () => {
  state.responses = await api("GET", "/responses");
  state.overview = state.overview || await api("GET", "/overview");
  $("#response-list").replaceChildren(...state.responses.map((r) => el("li", {},
    el("button", { onclick: () => pickResponse(r.name) }, r.name))));
};

function pickResponse(name) {
  const response = state.responses.find((r) => r.name === name);
  $("#response-title").textContent = name;
  showErrors("#response-errors", null);
  const languages = ["en", ...new Set([...Object.keys(response.translations), ...state.overview.languages.filter((l) => l !== "en")])];
  const editor = $("#response-editor");
  editor.replaceChildren();
  for (const language of languages) {
    const translation = language === "en" ? response : response.translations[language];
    const variations = language === "en" ? response.variations
      : (translation?.variations || response.variations.map((v) => ({ text: "", buttons: (v.buttons || []).map(() => "") })));
    const fields = variations.map((v, i) => {
      const source = response.variations[i] || {};
      const buttons = (v.buttons || []).map((b, j) => el("input", { "data-button": j, value: typeof b === "string" ? b : b.title || "",
        "aria-label": `button ${j + 1}`, disabled: language === "en" }));
      return el("div", { class: "variation" }, el("textarea", { rows: 3, "aria-label": `${language} variation ${i + 1}` }, v.text || ""),
        language === "en" ? "" : el("small", { class: "hint" }, `English: ${source.text || ""}`), ...buttons);
    });
    const save = el("button", { class: "primary", onclick: async () => {
      const edited = fields.map((field, i) => {
        const text = field.querySelector("textarea").value;
        if (language === "en") return { ...response.variations[i], text };
        const titles = [...field.querySelectorAll("input[data-button]")].map((input) => input.value);
        return titles.length ? { text, buttons: titles } : { text };
      });
      try {
        const path = language === "en" ? `/responses/${name}` : `/translations/${language}/${name}`;
        await api("PUT", path, { variations: edited, version: translation ? translation.version : null });
        flash(`Saved ${name} (${language}).`);
        await loaders.responses();
        pickResponse(name);
      } catch (error) { showErrors("#response-errors", error); }
    } }, `Save ${language}`);
    editor.append(el("h3", {}, language === "en" ? "English (source)" : `Translation: ${language}`), ...fields, save);
  }
}

// --- knowledge base ----------------------------------------------------------------------------
loaders.knowledge = async () => {
  state.kb = await api("GET", "/knowledge");
  $("#kb-list").replaceChildren(...state.kb.map((k) => el("li", {},
    el("button", { onclick: () => pickKb(k.id) }, k.id, " ", el("small", {}, k.file)))));
};
function pickKb(id) {
  state.kbEntry = state.kb.find((k) => k.id === id);
  $("#kb-title").textContent = `${id} (${state.kbEntry.file})`;
  $("#kb-yaml").value = state.kbEntry.yaml;
  showErrors("#kb-errors", null);
}
$("#kb-new").addEventListener("click", () => {
  state.kbEntry = null;
  $("#kb-title").textContent = "New entry (saved to knowledge_base/admin.yml)";
  $("#kb-yaml").value = "id: new_entry\ntitle: {en: Title}\nquestions:\n  en:\n    - a question customers ask\nanswer:\n  en: The answer.\n";
});
$("#kb-save").addEventListener("click", async () => {
  const text = $("#kb-yaml").value;
  const id = (text.match(/^id:\s*([\w-]+)/m) || [])[1] || state.kbEntry?.id;
  if (!id) return flash("The entry needs an `id:` line.", false);
  try {
    await api("PUT", `/knowledge/${encodeURIComponent(id)}`, { entry: text, version: state.kbEntry?.id === id ? state.kbEntry.version : null });
    flash(`Saved knowledge entry ${id}.`);
    showErrors("#kb-errors", null);
    await loaders.knowledge();
    pickKb(id);
  } catch (error) { showErrors("#kb-errors", error); }
});

// --- stories and rules ---------------------------------------------------------------------------
loaders.stories = async () => {
  state.overview = state.overview || await api("GET", "/overview");
  $("#intent-names").replaceChildren(...state.overview.intents.map((i) => el("option", { value: i.intent })));
  $("#action-names").replaceChildren(...state.overview.actions.map((a) => el("option", { value: a })));
  const kind = $("#story-kind").value;
  state.stories = await api("GET", `/stories/${kind}`);
  $("#story-list").replaceChildren(...state.stories.map((s) => el("li", {},
    el("button", { onclick: () => pickStory(s.name) }, s.name, " ", el("small", {}, s.file)))));
};
$("#story-kind").addEventListener("change", () => { state.story = null; loaders.stories(); });

function stepRow(step) {
  const isIntent = "intent" in step;
  const entities = (step.entities || []).map((e) => typeof e === "string" ? e : Object.entries(e).map(([k, v]) => `${k}=${v}`).join("")).join(", ");
  const row = el("li", { "data-type": isIntent ? "intent" : "action", "data-extra": JSON.stringify(
    Object.fromEntries(Object.entries(step).filter(([k]) => !["intent", "action", "entities"].includes(k)))) },
    isIntent ? "customer: " : "bot: ",
    el("input", { list: isIntent ? "intent-names" : "action-names", value: step.intent || step.action || "",
                  "aria-label": isIntent ? "intent" : "action", class: "step-name" }),
    isIntent ? el("input", { placeholder: "entities: order_number=482913", value: entities, class: "step-entities", "aria-label": "entities" }) : "",
    el("button", { onclick: (e) => e.target.closest("li").remove(), "aria-label": "remove step" }, "✕"));
  return row;
}

function formToItem() {
  const kind = $("#story-kind").value;
  const steps = [...document.querySelectorAll("#story-steps li")].map((li) => {
    const name = li.querySelector(".step-name").value.trim();
    const step = { ...JSON.parse(li.dataset.extra || "{}") };
    if (li.dataset.type === "intent") {
      step.intent = name;
      const entities = (li.querySelector(".step-entities").value || "").split(",").map((s) => s.trim()).filter(Boolean)
        .map((pair) => { const [k, ...v] = pair.split("="); return v.length ? { [k.trim()]: v.join("=").trim() } : k.trim(); });
      if (entities.length) step.entities = entities;
      return { intent: step.intent, ...(step.entities ? { entities: step.entities } : {}), ...step };
    }
    return { action: name, ...step };
  });
  return { [kind]: $("#story-name").value.trim(), steps };
}

function pickStory(name) {
  storyView(false);
  state.story = state.stories.find((s) => s.name === name) || null;
  $("#story-name").value = name || "";
  $("#story-yaml").value = state.story ? state.story.yaml : "";
  $("#story-steps").replaceChildren(...(state.story ? state.story.item.steps : []).map(stepRow));
  showErrors("#story-errors", null);
}
$("#story-new").addEventListener("click", () => { state.story = null; $("#story-name").value = ""; $("#story-steps").replaceChildren(); $("#story-yaml").value = ""; });
$("#story-add-intent").addEventListener("click", () => $("#story-steps").append(stepRow({ intent: "" })));
$("#story-add-action").addEventListener("click", () => $("#story-steps").append(stepRow({ action: "" })));
function storyView(yaml) {
  state.storyYaml = yaml;
  $("#story-form").hidden = yaml;
  $("#story-yaml").hidden = !yaml;
  $("#story-form-view").setAttribute("aria-pressed", String(!yaml));
  $("#story-yaml-view").setAttribute("aria-pressed", String(yaml));
}
// form -> YAML: block style for steps, JSON (valid YAML flow style) for nested values
function itemToYaml(item, kind) {
  const scalar = (v) => (typeof v === "string" && /^[\w .-]+$/.test(v) && !/^(true|false|null|yes|no|on|off|~)$/i.test(v.trim()) ? v : JSON.stringify(v));
  const lines = [`${kind}: ${scalar(item[kind])}`];
  for (const [key, value] of Object.entries(item)) {
    if (key === kind || key === "steps") continue;
    lines.push(`${key}: ${scalar(value)}`);
  }
  lines.push("steps:");
  for (const step of item.steps) {
    Object.entries(step).forEach(([key, value], i) => lines.push(`${i === 0 ? "  - " : "    "}${key}: ${scalar(value)}`));
  }
  return lines.join("\n") + "\n";
}
$("#story-form-view").addEventListener("click", async () => {
  if (!state.storyYaml) return;
  try {  // YAML -> form: the server parses (and reports the line of a YAML error)
    const { data } = await api("POST", "/yaml/parse", { text: $("#story-yaml").value });
    const item = Array.isArray(data) ? data[0] : data;
    const kind = $("#story-kind").value;
    $("#story-name").value = item?.[kind] || $("#story-name").value;
    $("#story-steps").replaceChildren(...(item?.steps || []).map(stepRow));
    showErrors("#story-errors", null);
    storyView(false);
  } catch (error) { showErrors("#story-errors", error); }
});
$("#story-yaml-view").addEventListener("click", () => {
  if (state.storyYaml) return;
  $("#story-yaml").value = itemToYaml(formToItem(), $("#story-kind").value);
  storyView(true);
});
$("#story-save").addEventListener("click", async () => {
  const kind = $("#story-kind").value;
  const item = state.storyYaml ? $("#story-yaml").value : formToItem();
  const name = state.storyYaml ? ((item.match(new RegExp(`^${kind}:\\s*(.+)$`, "m")) || [])[1] || "").replace(/^["']|["']$/g, "").trim()
                               : item[kind];
  if (!name) return flash(`The ${kind} needs a name.`, false);
  try {
    const saved = await api("PUT", `/stories/${kind}/${encodeURIComponent(name)}`,
      { item, version: state.story && state.story.name === name ? state.story.version : null });
    flash(`Saved ${kind} ${name} in ${saved.file}.`);
    showErrors("#story-errors", null);
    await loaders.stories();
    pickStory(name);
  } catch (error) { showErrors("#story-errors", error); }
});
$("#story-delete").addEventListener("click", async () => {
  if (!state.story || !confirm(`Delete ${state.story.name}?`)) return;
  try {
    await api("DELETE", `/stories/${$("#story-kind").value}/${encodeURIComponent(state.story.name)}`, { version: state.story.version });
    flash(`Deleted ${state.story.name}.`);
    state.story = null;
    await loaders.stories();
  } catch (error) { showErrors("#story-errors", error); }
});

// --- learn from conversations ------------------------------------------------------------------------
loaders.learn = async () => {
  state.overview = state.overview || await api("GET", "/overview");
  const body = $("#learn-table tbody");
  let items;
  try { items = await api("GET", "/learn"); } catch (error) {
    body.replaceChildren(el("tr", {}, el("td", { colspan: 6 }, error.message)));
    return;
  }
  body.replaceChildren(...items.map((item) => {
    const text = el("input", { value: item.text, size: 50, "aria-label": "example" });
    const language = el("input", { value: item.language || "en", size: 3, "aria-label": "language" });
    const intent = el("select", { "aria-label": "intent" }, ...state.overview.intents.map((i) =>
      el("option", { value: i.intent, selected: i.intent === item.suggested_intent }, i.intent)));
    const row = el("tr", {}, el("td", {}, text, item.original_text ? el("div", { class: "hint" }, item.original_text) : ""),
      el("td", {}, item.reasons.join(", ")), el("td", {}, `${item.intent} (${item.confidence})`), el("td", {}, language), el("td", {}, intent),
      el("td", {},
        el("button", { class: "primary", onclick: async () => {
          try {
            await api("POST", "/learn", { event_id: item.event_id, intent: intent.value, example: text.value, language: language.value });
            flash(`Added "${text.value}" to ${intent.value} (${language.value}).`);
            row.remove();
          } catch (error) { showErrors("#learn-errors", error); }
        } }, "Accept"),
        el("button", { onclick: async () => { await api("POST", `/learn/${item.event_id}/dismiss`); row.remove(); } }, "Dismiss")));
    return row;
  }));
  if (!items.length) body.replaceChildren(el("tr", {}, el("td", { colspan: 6 }, "Nothing to review.")));
};
$("#learn-refresh").addEventListener("click", () => loaders.learn());

// --- training, evaluation, activation ---------------------------------------------------------------------
const pct = (x) => (x === null || x === undefined ? "–" : `${(100 * x).toFixed(1)}%`);

loaders.models = async () => {
  state.models = await api("GET", "/models");
  const m = state.models;
  $("#rasa-state").textContent = m.rasa.reachable ? `Rasa is serving ${m.rasa.model_file}` : "Rasa server unreachable";
  $("#models-table tbody").replaceChildren(...m.models.map((model) => {
    const nlu = model.evaluation?.nlu;
    return el("tr", { class: model.active ? "active" : "", "data-model": model.name },
      el("td", {}, model.name, model.active ? " (active)" : ""), el("td", {}, model.trained_at || ""),
      el("td", {}, model.trained_by?.name || "–"), el("td", {}, model.training_s ? `${model.training_s}s` : "–"),
      el("td", {}, pct(nlu?.accuracy)), el("td", {}, pct(nlu?.macro_f1)),
      el("td", {}, model.evaluation?.core ? String(model.evaluation.core.failed_stories) : "–"),
      el("td", {},
        el("button", { onclick: () => compare(model.name) }, "Compare"), " ",
        el("button", { onclick: () => startJob("/evaluate", { model: model.name }) }, "Evaluate"), " ",
        model.active ? "" : el("button", { class: "primary activate", onclick: () => activate(model.name) }, "Activate")));
  }));
  $("#activations").replaceChildren(...m.activations.slice().reverse().map((a) => el("li", {}, `${a.at}: ${a.model} by ${a.by.name}`)));
  if (m.running_job && !state.job) followJob(m.running_job.id);
};

async function startJob(path, body) {
  try {
    const job = await api("POST", path, body);
    flash(`${job.kind === "train" ? "Training" : "Evaluation"} started.`);
    followJob(job.id);
  } catch (error) { flash(error.message, false); }
}
$("#train").addEventListener("click", () => startJob("/train"));

async function followJob(id) {
  state.job = id;
  state.jobOffset = 0;
  $("#job").hidden = false;
  $("#job-log").textContent = "";
  $("#job-error").hidden = true;
  while (state.job === id) {
    const job = await api("GET", `/jobs/${id}?log_offset=${state.jobOffset}`);
    state.jobOffset = job.next_offset;
    const log = $("#job-log");
    log.textContent += job.log;
    log.scrollTop = log.scrollHeight;
    $("#job-kind").textContent = job.kind === "train" ? `training ${job.model}` : `evaluating ${job.model}`;
    $("#job-status").textContent = job.status;
    $("#job-stage").textContent = job.stage;
    $("#job-progress").value = job.progress;
    if (job.status !== "running") {
      state.job = null;
      if (job.status === "failed") {
        $("#job-error").hidden = false;
        $("#job-error").textContent = job.error;
        flash(`The ${job.kind} failed; the active model keeps serving.`, false);
      } else {
        flash(`${job.kind === "train" ? "Training" : "Evaluation"} finished: ${job.model}.`);
      }
      await loaders.models();
      if (job.status === "succeeded") await compare(job.model);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
  }
}

async function compare(name) {
  const result = await api("GET", `/models/${encodeURIComponent(name)}/compare`);
  const candidate = result.candidate?.evaluation?.nlu;
  const active = result.active?.evaluation?.nlu;
  $("#comparison").hidden = false;
  $("#cmp-candidate").textContent = name;
  $("#cmp-active").textContent = result.active ? result.active.name : "(none)";
  const intents = [...new Set([...Object.keys(candidate?.intents || {}), ...Object.keys(active?.intents || {})])].sort();
  $("#cmp-table tbody").replaceChildren(...intents.map((intent) => {
    const c = candidate?.intents[intent];
    const a = active?.intents[intent];
    const delta = c && a ? c.f1 - a.f1 : null;
    return el("tr", { "data-intent": intent }, el("td", {}, intent), el("td", {}, pct(c?.precision)), el("td", {}, pct(c?.recall)),
      el("td", {}, pct(c?.f1)), el("td", {}, c ? String(c.support) : "–"), el("td", {}, pct(a?.f1)),
      el("td", { class: delta > 0 ? "better" : delta < 0 ? "worse" : "" }, delta === null ? "–" : `${delta >= 0 ? "+" : ""}${(100 * delta).toFixed(1)}`));
  }), el("tr", {}, el("th", {}, "accuracy / macro F1"), el("td", {}, pct(candidate?.accuracy)), el("td"), el("td", {}, pct(candidate?.macro_f1)),
        el("td"), el("td", {}, pct(active?.macro_f1)), el("td")));
  drawChart(intents, candidate, active);
  const image = (model, img) => {
    img.hidden = !(model?.evaluation?.nlu?.confusion_matrix);
    if (!img.hidden) img.src = `/api/admin/models/${encodeURIComponent(model.name)}/evaluation/nlu_confusion.png?t=${Date.now()}`;
  };
  image(result.candidate, $("#cmp-img-candidate"));
  image(result.active, $("#cmp-img-active"));
  if (!candidate) flash(`${name} has no evaluation yet: press Evaluate.`, false);
}

function drawChart(intents, candidate, active) {
  // grouped bars: F1 of the candidate (blue) and of the active model (grey) per intent
  const svg = $("#cmp-chart");
  const ns = "http://www.w3.org/2000/svg";
  const rowHeight = 18, labelWidth = 180, barWidth = 400;
  svg.setAttribute("width", labelWidth + barWidth + 60);
  svg.setAttribute("height", intents.length * rowHeight * 2 + 10);
  svg.replaceChildren();
  const add = (tag, attrs, text) => {
    const node = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    svg.append(node);
  };
  svg.setAttribute("height", intents.length * rowHeight * 2 + 30);
  add("rect", { x: labelWidth, y: intents.length * rowHeight * 2 + 12, width: 12, height: 10, fill: "#1f5fbf" });
  add("text", { x: labelWidth + 16, y: intents.length * rowHeight * 2 + 21, "font-size": 11 }, "candidate F1");
  add("rect", { x: labelWidth + 110, y: intents.length * rowHeight * 2 + 12, width: 12, height: 10, fill: "#aaa" });
  add("text", { x: labelWidth + 126, y: intents.length * rowHeight * 2 + 21, "font-size": 11 }, "active model F1");
  intents.forEach((intent, i) => {
    const y = i * rowHeight * 2 + 4;
    add("text", { x: 0, y: y + 13, "font-size": 12 }, intent);
    const c = candidate?.intents[intent]?.f1 ?? 0;
    const a = active?.intents[intent]?.f1 ?? 0;
    add("rect", { x: labelWidth, y, width: barWidth * c, height: rowHeight - 4, fill: "#1f5fbf" });
    add("text", { x: labelWidth + barWidth * c + 4, y: y + 12, "font-size": 11 }, c.toFixed(2));
    add("rect", { x: labelWidth, y: y + rowHeight - 2, width: barWidth * a, height: rowHeight - 6, fill: "#aaa" });
  });
}

async function activate(name) {
  flash(`Activating ${name}…`);
  try {
    const result = await api("POST", "/activate", { model: name });
    flash(`${name} is active (loaded in ${result.load_s}s; previous: ${result.previous || "none"}).`);
  } catch (error) { flash(error.message, false); }
  await loaders.models();
}

// --- start -----------------------------------------------------------------------------------------
$("#logout").addEventListener("click", async () => {
  await fetch("/auth/logout", { method: "POST", credentials: "same-origin" });
  location.href = "/login?next=/admin";
});
fetch("/auth/me", { credentials: "same-origin" }).then((r) => r.json()).then((me) => { $("#who").textContent = me.name || ""; });
showTab("nlu");
