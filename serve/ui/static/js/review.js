// The review page: a queue of draft cases, worked by keyboard (see keys.js).

import { api, whoami, withQuery } from "./api.js";
import { h, midnightISO, replace } from "./dom.js";
import { applyStatic, extend, getLang, onLangChange, t, toggleLang } from "./i18n.js";
import { renderFooter, renderHelp } from "./keys.js";
import { RejectDialog } from "./reject.js";
import {
  SCENE_VIOLATION,
  indexTaxonomy,
  renderClassSelect,
  renderCount,
  renderFacts,
  renderQueue,
  renderTabs,
} from "./panels.js";
import { renderPhones } from "./phones_panel.js";
import { PHONE_STRINGS } from "./phones_strings.js";
import { EvidenceViewer, sameBox } from "./viewer.js";

extend(PHONE_STRINGS);

const QUEUE_LIMIT = 500;

const $ = (id) => document.getElementById(id);

const st = {
  taxonomy: null,
  cameras: new Map(),
  cases: [],
  total: 0,
  loaded: 0,
  index: -1,
  selected: new Set(),
  view: "annotated",
  zoom: 1,
  // the reviewer's corrections not yet sent, by case id: {label?, box?}
  edits: new Map(),
  busy: false,
  loading: true,
};

const viewer = new EvidenceViewer($("viewer"), {
  onBoxChange: (box) => {
    const c = current();
    if (!c) return;
    edit(c).box = box;
    renderDetail();
  },
  onZoom: (zoom) => {
    st.zoom = zoom;
    const z = document.querySelector("#tabs .zoom");
    if (z && current()) z.textContent = t("view.zoom", { z: Math.round(zoom * 100) });
  },
});

function current() {
  return st.cases[st.index] || null;
}

function edit(c) {
  if (!st.edits.has(c.id)) st.edits.set(c.id, {});
  return st.edits.get(c.id);
}

// ---- messages --------------------------------------------------------------------------

function showError(lines) {
  const el = $("error");
  const text = Array.isArray(lines) ? lines.join("\n") : lines;
  el.textContent = text || "";
  el.classList.toggle("hidden", !text);
}

let toastTimer = 0;
function toast(text) {
  const el = $("toast");
  el.textContent = text;
  el.classList.remove("hidden");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.add("hidden"), 2500);
}

// ---- rendering -------------------------------------------------------------------------

function renderAll() {
  renderQueue($("queue"), st, { onPick: pick, onToggle: (i) => toggleSelect(i) });
  renderCount($("queue-count"), st);
  renderDetail();
  renderFooter($("keys"));
  renderHelp($("help-table"));
}

function renderDetail() {
  const c = current();
  $("class-row").classList.toggle("hidden", !c);
  if (!c) {
    renderPhones($("phones-panel"), null);
    $("case-title").textContent = t("view.no_case");
    replace($("case-facts"));
    renderTabs($("tabs"), null, st.view, st.zoom, showView);
    viewer.clear();
    return;
  }
  $("case-title").textContent = t("detail.case", { id: c.id });
  renderFacts($("case-facts"), st, c, edit(c));
  renderClassSelect($("class-select"), st, c, edit(c));
  renderTabs($("tabs"), c, st.view, st.zoom, showView);
  renderPhones($("phones-panel"), c, replaceCase, (text) => showError([text]));
}

function replaceCase(fresh) {
  st.cases = st.cases.map((c) => (c.id === fresh.id ? fresh : c));
  renderDetail();
}

function showCase() {
  const c = current();
  renderDetail();
  if (!c) return;
  if (!c.evidence.some((e) => e.kind === st.view))
    st.view = c.evidence[0] ? c.evidence[0].kind : "";
  const item = c.evidence.find((e) => e.kind === st.view);
  if (!item) return;
  const cam = st.cameras.get(c.camera_id);
  viewer.show(item, {
    box: edit(c).box || c.box,
    detected: c.detected_box,
    zones: cam ? cam.zones || [] : [],
    zoneId: c.zone_id,
  });
  renderTabs($("tabs"), c, st.view, st.zoom, showView);
}

function showView(kind) {
  st.view = kind;
  showCase();
}

function cycleView() {
  const c = current();
  if (!c || !c.evidence.length) return;
  const kinds = c.evidence.map((e) => e.kind);
  showView(kinds[(kinds.indexOf(st.view) + 1) % kinds.length]);
}

// ---- queue -----------------------------------------------------------------------------

function filters() {
  return {
    camera_id: $("f-camera").value,
    violation: $("f-violation").value,
    from: $("f-from").value,
    to: $("f-to").value,
    minconf: Number.parseFloat($("f-minconf").value) || 0,
    sort: $("f-sort").value,
  };
}

function nextDay(date) {
  const d = new Date(`${date}T12:00:00`);
  d.setDate(d.getDate() + 1);
  return d.toISOString().slice(0, 10);
}

// each load is numbered: a slow answer to an older filter never replaces a newer one
let queueLoads = 0;

async function loadQueue() {
  const f = filters();
  const keep = current() ? current().id : null;
  const seq = ++queueLoads;
  st.loading = true;
  const url = withQuery("/v1/cases", {
    status: "draft",
    camera_id: f.camera_id,
    violation: f.violation,
    since: f.from ? midnightISO(f.from) : "",
    limit: QUEUE_LIMIT,
  });
  try {
    const body = await api("GET", url);
    if (seq !== queueLoads) return;
    let list = body.data;
    if (f.to) {
      const end = Date.parse(midnightISO(nextDay(f.to)));
      list = list.filter((c) => Date.parse(c.first_seen) < end);
    }
    if (f.minconf > 0) list = list.filter((c) => c.confidence >= f.minconf);
    if (f.sort === "confidence") {
      list = [...list].sort((a, b) => b.confidence - a.confidence || b.id - a.id);
    }
    st.cases = list;
    st.total = body.count;
    st.loaded = body.data.length;
    const ids = new Set(list.map((c) => c.id));
    st.selected = new Set([...st.selected].filter((id) => ids.has(id)));
    const at = list.findIndex((c) => c.id === keep);
    st.index = at >= 0 ? at : list.length ? 0 : -1;
    showError("");
  } catch (e) {
    if (seq !== queueLoads) return;
    showError(e.detail || String(e));
  } finally {
    if (seq === queueLoads) st.loading = false;
  }
  renderAll();
  showCase();
}

function pick(i) {
  if (i < 0 || i >= st.cases.length) return;
  viewer.setEditing(false);
  st.index = i;
  renderQueue($("queue"), st, { onPick: pick, onToggle: toggleSelect });
  showCase();
}

function move(step) {
  if (!st.cases.length) return;
  pick(Math.min(st.cases.length - 1, Math.max(0, st.index + step)));
}

function toggleSelect(i = st.index) {
  const c = st.cases[i];
  if (!c) return;
  if (st.selected.has(c.id)) st.selected.delete(c.id);
  else st.selected.add(c.id);
  renderQueue($("queue"), st, { onPick: pick, onToggle: toggleSelect });
  renderCount($("queue-count"), st);
}

function toggleSelectAll() {
  st.selected =
    st.selected.size === st.cases.length ? new Set() : new Set(st.cases.map((c) => c.id));
  renderQueue($("queue"), st, { onPick: pick, onToggle: toggleSelect });
  renderCount($("queue-count"), st);
}

// ---- decisions -------------------------------------------------------------------------

function confirmBody(c) {
  const body = { decision: "confirm" };
  const e = st.edits.get(c.id) || {};
  if (e.label && e.label !== c.label) body.label = e.label;
  if (e.box && !sameBox(e.box, c.box)) body.box = e.box.map((v) => Math.round(v * 10) / 10);
  return body;
}

/** POST each case's review in turn (each audited on its own); the queue then advances. */
async function decide(cases, bodyOf) {
  if (st.busy || !cases.length) return;
  st.busy = true;
  viewer.setEditing(false);
  const done = new Set();
  const errors = [];
  for (const [i, c] of cases.entries()) {
    if (cases.length > 1) toast(t("bulk.progress", { i: i + 1, n: cases.length }));
    try {
      await api("POST", `/v1/cases/${c.id}/review`, bodyOf(c));
      done.add(c.id);
    } catch (e) {
      errors.push(t("err.case", { id: c.id, detail: e.detail || String(e) }));
    }
  }
  st.busy = false;
  const at = st.index;
  st.cases = st.cases.filter((c) => !done.has(c.id));
  st.total -= done.size;
  st.loaded -= done.size;
  for (const id of done) {
    st.selected.delete(id);
    st.edits.delete(id);
  }
  st.index = st.cases.length ? Math.min(at, st.cases.length - 1) : -1;
  showError(errors);
  if (cases.length > 1) toast(t("done.bulk", { ok: done.size, failed: errors.length }));
  else if (done.size) {
    const rejected = bodyOf(cases[0]).decision === "reject";
    toast(t(rejected ? "done.rejected" : "done.confirmed", { id: cases[0].id }));
  }
  renderQueue($("queue"), st, { onPick: pick, onToggle: toggleSelect });
  renderCount($("queue-count"), st);
  showCase();
}

// a new static object is confirmed by naming it
const unnamed = (c) => c.violation === SCENE_VIOLATION && !(st.edits.get(c.id) || {}).label;

function confirmCurrent() {
  const c = current();
  if (!c) return;
  if (unnamed(c)) {
    toast(t("name.first"));
    focusClass();
    return;
  }
  decide([c], confirmBody);
}

/** A rejection; "wrong class" and "no violation" also say what the object is, if named. */
function rejectBody(c, body) {
  const e = st.edits.get(c.id) || {};
  const says = body.reason === "wrong_class" || body.reason === "no_violation";
  return says && e.label && e.label !== c.label ? { ...body, label: e.label } : body;
}

function selectedCases() {
  return st.cases.filter((c) => st.selected.has(c.id));
}

function bulkConfirm() {
  const cases = selectedCases();
  if (!cases.length) return showError(t("bulk.none"));
  const first = cases.find(unnamed);
  if (first) {
    // the whole selection waits: name it, or take it out of the selection (X)
    pick(st.cases.indexOf(first));
    toast(t("name.first"));
    focusClass();
    return;
  }
  decide(cases, confirmBody);
}

// ---- rejecting -------------------------------------------------------------------------

let rejectDialog = null;

function openReject(bulk) {
  const cases = bulk ? selectedCases() : current() ? [current()] : [];
  if (!cases.length) {
    if (bulk) showError(t("bulk.none"));
    return;
  }
  rejectDialog.open(cases, bulk);
}

// ---- box and class editing -------------------------------------------------------------

function toggleEdit() {
  const c = current();
  if (!c) return;
  if (viewer.editing) {
    viewer.setEditing(false);
    return;
  }
  if (st.view !== "original") showView("original");
  viewer.setEditing(true, t("view.edit_hint"));
}

function revertBox() {
  const c = current();
  if (!c) return;
  delete edit(c).box;
  viewer.setBox(c.box);
  viewer.setEditing(false);
  renderDetail();
}

function onEditKey(e) {
  const arrows = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
  if (e.key in arrows) {
    const step = e.shiftKey ? 10 : 1;
    const [dx, dy] = arrows[e.key];
    viewer.nudge(dx * step, dy * step, e.altKey);
  } else if (e.key === "Enter") {
    viewer.setEditing(false);
  } else if (e.key === "Escape") {
    revertBox();
  } else {
    return false;
  }
  e.preventDefault();
  return true;
}

function focusClass() {
  if (!current()) return;
  $("class-select").focus();
}

// ---- keyboard --------------------------------------------------------------------------

function toggleHelp(show) {
  const el = $("help-dialog");
  el.classList.toggle("hidden", show === undefined ? !el.classList.contains("hidden") : !show);
}

function onKey(e) {
  if (e.ctrlKey || e.metaKey) return;
  if (rejectDialog && rejectDialog.isOpen) return rejectDialog.onKey(e);
  if (!$("help-dialog").classList.contains("hidden")) {
    if (e.key === "Escape" || e.key === "?") {
      e.preventDefault();
      toggleHelp(false);
    }
    return;
  }
  const tag = e.target.tagName;
  if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") {
    if (e.key === "Escape" || (e.key === "Enter" && tag === "SELECT")) {
      e.preventDefault();
      e.target.blur();
    }
    return;
  }
  if (viewer.editing && onEditKey(e)) return;
  if (e.altKey) return;
  const key = e.key;
  const actions = {
    j: () => move(1),
    ArrowDown: () => move(1),
    k: () => move(-1),
    ArrowUp: () => move(-1),
    y: confirmCurrent,
    Y: bulkConfirm,
    n: () => openReject(false),
    N: () => openReject(true),
    x: () => toggleSelect(),
    a: toggleSelectAll,
    e: toggleEdit,
    l: focusClass,
    v: cycleView,
    "+": () => viewer.zoomBy(1.25),
    "=": () => viewer.zoomBy(1.25),
    "-": () => viewer.zoomBy(0.8),
    0: () => viewer.resetZoom(),
    r: loadQueue,
    t: toggleLang,
    "?": () => toggleHelp(),
    Escape: () => showError(""),
  };
  // letters by the Shift key, not their case, so Caps Lock does not turn Y into bulk confirm
  const letter = /^[a-z]$/i.test(key);
  const action = letter
    ? actions[e.shiftKey ? key.toUpperCase() : key.toLowerCase()]
    : actions[key];
  if (!action) return;
  e.preventDefault();
  action();
}

// ---- start -----------------------------------------------------------------------------

function fillFilters() {
  const cam = $("f-camera");
  const vio = $("f-violation");
  const keepCam = cam.value;
  const keepVio = vio.value;
  replace(
    cam,
    h("option", { value: "" }, t("filter.all")),
    [...st.cameras.values()].map((c) =>
      h("option", { value: c.id }, c.name ? `${c.name} (${c.id})` : c.id),
    ),
  );
  replace(
    vio,
    h("option", { value: "" }, t("filter.all")),
    st.taxonomy.violations.map((v) =>
      h("option", { value: v.key }, getLang() === "en" ? v.en : v.zh),
    ),
  );
  cam.value = keepCam;
  vio.value = keepVio;
}

function showUser(me) {
  $("user").textContent = me.username
    ? t("user.role", { user: me.username, role: me.role || "" })
    : t("user.anonymous");
}

async function start() {
  applyStatic();
  renderFooter($("keys"));
  let me;
  try {
    me = await whoami();
    const [taxonomy, cameras] = await Promise.all([
      api("GET", "/ui/taxonomy.json"),
      api("GET", "/ui/cameras.json"),
    ]);
    st.taxonomy = indexTaxonomy(taxonomy);
    st.cameras = new Map(cameras.data.map((c) => [c.id, c]));
    rejectDialog = new RejectDialog(st.taxonomy.reject_reasons, (cases, body) =>
      decide(cases, (c) => rejectBody(c, body)),
    );
  } catch (e) {
    showError(e.detail || String(e));
    return;
  }
  showUser(me);
  fillFilters();
  onLangChange(() => {
    showUser(me);
    fillFilters();
    renderAll();
    rejectDialog.render();
  });
  $("filters").addEventListener("submit", (e) => {
    e.preventDefault();
    loadQueue();
  });
  $("filters").addEventListener("change", () => loadQueue());
  $("class-select").addEventListener("change", (e) => {
    const c = current();
    if (!c) return;
    edit(c).label = e.target.value;
    renderDetail();
  });
  $("lang").addEventListener("click", toggleLang);
  $("help-btn").addEventListener("click", () => toggleHelp());
  $("btn-help").addEventListener("click", () => toggleHelp());
  $("btn-confirm").addEventListener("click", confirmCurrent);
  $("btn-reject").addEventListener("click", () => openReject(false));
  $("btn-edit").addEventListener("click", toggleEdit);
  $("btn-class").addEventListener("click", focusClass);
  $("btn-select").addEventListener("click", () => toggleSelect());
  $("btn-bulk-confirm").addEventListener("click", bulkConfirm);
  $("btn-bulk-reject").addEventListener("click", () => openReject(true));
  $("help-dialog").addEventListener("click", () => toggleHelp(false));
  $("error").addEventListener("click", () => showError(""));
  document.addEventListener("keydown", onKey);
  await loadQueue();
  document.body.dataset.ready = "true";
}

start();
