// The review page: a queue of draft cases, worked by keyboard (see keys.js).

import "./nav.js";
import { api, whoami } from "./api.js";
import { AskDialog } from "./ask.js";
import {
  confirmBody,
  decidedMessage,
  dropDecided,
  postReviews,
  rejectBody,
  reopenAll,
} from "./decisions.js";
import { showError, toast } from "./notice.js";
import { replace } from "./dom.js";
import { applyStatic, extend, t, toggleLang } from "./i18n.js";
import { wireTopbar } from "./topbar.js";
import { renderFooter, renderHelp, routeKey, toggleHelp } from "./keys.js";
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
import { fetchQueue, fillFilters, readFilters } from "./queue.js";
import { REVIEW_STRINGS } from "./review_strings.js";
import { EvidenceViewer } from "./viewer.js";

extend(PHONE_STRINGS);
extend(REVIEW_STRINGS);

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
  // the ids the last rejection took out of the queue, until U undoes it
  undo: [],
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

// ---- rendering -------------------------------------------------------------------------

function renderAll() {
  renderQueue($("queue"), st, { onPick: pick, onToggle: (i) => toggleSelect(i) });
  renderCount($("queue-count"), st);
  renderDetail();
  renderFooter($("keys"));
  renderHelp($("help-table"));
}

// buttons that act on the case shown, and those that act on the selection
const CASE_BUTTONS = ["btn-confirm", "btn-reject", "btn-edit", "btn-class", "btn-select"];
const BULK_BUTTONS = ["btn-bulk-confirm", "btn-bulk-reject"];

function renderButtons() {
  for (const id of CASE_BUTTONS) $(id).disabled = !current() || st.busy;
  for (const id of BULK_BUTTONS) $(id).disabled = !st.selected.size || st.busy;
}

function renderDetail() {
  const c = current();
  renderButtons();
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

// each load is numbered: a slow answer to an older filter never replaces a newer one
let queueLoads = 0;

async function loadQueue() {
  const keep = current() ? current().id : null;
  const seq = ++queueLoads;
  st.loading = true;
  try {
    const { cases, total, loaded } = await fetchQueue(readFilters());
    if (seq !== queueLoads) return;
    st.cases = cases;
    st.total = total;
    st.loaded = loaded;
    const ids = new Set(cases.map((c) => c.id));
    st.selected = new Set([...st.selected].filter((id) => ids.has(id)));
    const at = cases.findIndex((c) => c.id === keep);
    st.index = at >= 0 ? at : cases.length ? 0 : -1;
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
  renderButtons();
}

function toggleSelectAll() {
  st.selected =
    st.selected.size === st.cases.length ? new Set() : new Set(st.cases.map((c) => c.id));
  renderQueue($("queue"), st, { onPick: pick, onToggle: toggleSelect });
  renderCount($("queue-count"), st);
  renderButtons();
}

// ---- decisions -------------------------------------------------------------------------

const confirmOf = (c) => confirmBody(c, st.edits.get(c.id));

/** Decide each case in turn (each audited on its own); the queue then advances. */
async function decide(cases, bodyOf) {
  if (st.busy || !cases.length) return;
  st.busy = true;
  renderButtons();
  viewer.setEditing(false);
  const { done, errors } = await postReviews(cases, bodyOf, (i, n) =>
    toast(t("bulk.progress", { i, n })),
  );
  st.busy = false;
  dropDecided(st, done);
  showError(errors);
  const rejected = bodyOf(cases[0]).decision === "reject";
  if (rejected && done.size) st.undo = [...done];
  const message = decidedMessage(cases, done, errors.length, rejected);
  if (message) toast(message);
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
  decide([c], confirmOf);
}

function selectedCases() {
  return st.cases.filter((c) => st.selected.has(c.id));
}

/** U: the last rejection undone (reopened, audited); its cases come back to the queue. */
async function undoReject() {
  const ids = st.undo;
  if (!ids.length || st.busy) return toast(t("undo.none"));
  st.undo = [];
  const errors = await reopenAll(ids);
  await loadQueue();
  showError(errors);
  const back = ids.filter((id) => st.cases.some((c) => c.id === id));
  if (back.length) {
    pick(st.cases.findIndex((c) => c.id === back[0]));
    toast(t("undo.done", { ids: back.join(", #") }));
  }
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
  askDialog.ask(t("bulk.ask_confirm", { n: cases.length }), () => decide(cases, confirmOf));
}

// ---- rejecting -------------------------------------------------------------------------

let rejectDialog = null;
let askDialog = null;

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

function focusClass() {
  if (!current()) return;
  $("class-select").focus();
}

// ---- keyboard --------------------------------------------------------------------------

function onKey(e) {
  routeKey(e, {
    dialogs: [rejectDialog, askDialog],
    viewer,
    revertBox,
    actions: {
      j: () => move(1),
      ArrowDown: () => move(1),
      k: () => move(-1),
      ArrowUp: () => move(-1),
      y: confirmCurrent,
      Y: bulkConfirm,
      n: () => openReject(false),
      N: () => openReject(true),
      u: undoReject,
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
    },
  });
}

// ---- start -----------------------------------------------------------------------------

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
    askDialog = new AskDialog();
    rejectDialog = new RejectDialog(st.taxonomy.reject_reasons, (cases, body) =>
      decide(cases, (c) => rejectBody(c, body, st.edits.get(c.id))),
    );
  } catch (e) {
    showError(e.detail || String(e));
    return;
  }
  fillFilters(st.cameras, st.taxonomy);
  wireTopbar(me, () => {
    fillFilters(st.cameras, st.taxonomy);
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
  const clicks = {
    "help-btn": () => toggleHelp(),
    "btn-help": () => toggleHelp(),
    "btn-confirm": confirmCurrent,
    "btn-reject": () => openReject(false),
    "btn-edit": toggleEdit,
    "btn-class": focusClass,
    "btn-select": () => toggleSelect(),
    "btn-bulk-confirm": bulkConfirm,
    "btn-bulk-reject": () => openReject(true),
    "help-dialog": () => toggleHelp(false),
    error: () => showError(""),
  };
  for (const [id, fn] of Object.entries(clicks)) $(id).addEventListener("click", fn);
  document.addEventListener("keydown", onKey);
  await loadQueue();
  document.body.dataset.ready = "true";
}

start();
