// The case list: every case, any status, filtered, sorted and paged; the filters live in
// the address (a list can be bookmarked, Back returns to it); selected cases export as one
// zip. Keys: J/K move, Enter opens, X selects, [ and ] page.

import "./nav.js";
import { api, apiBlob, saveBlob, withQuery } from "./api.js";
import { showError } from "./notice.js";
import { loadBasics } from "./boot.js";
import { CASE_STRINGS } from "./case_strings.js";
import { h, localTime, midnightISO, replace } from "./dom.js";
import { overdueText } from "./duration.js";
import { applyStatic, extend, nameOf, t } from "./i18n.js";
import { wireTopbar } from "./topbar.js";

extend(CASE_STRINGS);

const $ = (id) => document.getElementById(id);
const PAGE = 50;
// filter inputs by the query parameter they set
const FIELDS = {
  status: "f-status",
  violation: "f-violation",
  camera_id: "f-camera",
  responsible: "f-responsible",
  overdue: "f-overdue",
  from: "f-from",
  to: "f-to",
  sort: "f-sort",
};

let taxonomy = { violations: [] };
let cameras = new Map();
let rows = [];
let count = 0;
let offset = 0;
let cursor = -1;
const selected = new Set();

function nextDay(date) {
  const d = new Date(`${date}T00:00:00`);
  d.setDate(d.getDate() + 1);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The API query for the filters as they stand. */
function query() {
  const v = (name) => $(FIELDS[name]).value.trim();
  return {
    status: v("status"),
    violation: v("violation"),
    camera_id: v("camera_id"),
    responsible: v("responsible"),
    overdue: v("overdue"),
    since: v("from") ? midnightISO(v("from")) : "",
    until: v("to") ? midnightISO(nextDay(v("to"))) : "",
    sort: v("sort"),
    limit: PAGE,
    offset,
  };
}

/** Put the filters and the page in the address, without a new history entry. */
function remember() {
  const params = {};
  for (const [name, id] of Object.entries(FIELDS)) params[name] = $(id).value.trim();
  if (params.sort === "newest") params.sort = "";
  params.offset = offset || "";
  window.history.replaceState(null, "", withQuery("/cases", params));
}

function restore() {
  const q = new URLSearchParams(window.location.search);
  for (const [name, id] of Object.entries(FIELDS)) if (q.has(name)) $(id).value = q.get(name);
  offset = Math.max(0, Number.parseInt(q.get("offset") || "0", 10) || 0);
}

function violationName(key) {
  return nameOf(taxonomy.violations.find((v) => v.key === key), key);
}

function deadlineCell(c) {
  if (!c.deadline_at) return h("td", {}, "");
  const hours = (Date.now() - Date.parse(c.deadline_at)) / 3.6e6;
  const late = c.overdue || (hours > 0 && ["confirmed", "dispatched"].includes(c.status));
  return h(
    "td",
    { class: late ? "late" : "" },
    localTime(c.deadline_at),
    late ? h("span", { class: "badge bad" }, t("case.deadline_over", { d: overdueText(hours) })) : "",
  );
}

function row(c, i) {
  const camera = cameras.get(c.camera_id);
  const box = h("input", {
    type: "checkbox",
    checked: selected.has(c.id),
    "aria-label": `#${c.id}`,
    onchange: (e) => {
      if (e.target.checked) selected.add(c.id);
      else selected.delete(c.id);
      showSelection();
    },
  });
  return h(
    "tr",
    {
      dataset: { id: c.id, status: c.status },
      class: i === cursor ? "cursor" : "",
      onclick: (e) => {
        if (e.target.closest("input, a")) return;
        window.location.assign(`/cases/${c.id}`);
      },
    },
    h("td", {}, box),
    h("td", {}, h("a", { href: `/cases/${c.id}` }, `#${c.id}`)),
    h("td", {}, h("span", { class: `status ${c.status}` }, t(`status.${c.status}`))),
    h("td", {}, violationName(c.violation)),
    h("td", {}, camera ? camera.name : c.camera_id, h("div", { class: "muted" }, c.location.address)),
    h("td", {}, c.responsible || ""),
    h("td", {}, localTime(c.first_seen)),
    deadlineCell(c),
  );
}

function showSelection() {
  $("export").textContent = t("cases.export", { n: selected.size });
  $("export").disabled = selected.size === 0;
  $("all").checked = rows.length > 0 && rows.every((c) => selected.has(c.id));
}

function render() {
  $("count").textContent = count
    ? t("cases.count", { n: count, from: offset + 1, to: offset + rows.length })
    : t("cases.count_none");
  replace(
    $("rows"),
    rows.length
      ? rows.map(row)
      : h("tr", { class: "empty" }, h("td", { colspan: "8" }, t("cases.count_none"))),
  );
  $("prev").disabled = offset === 0;
  $("next").disabled = offset + rows.length >= count;
  showSelection();
}

async function load() {
  showError("");
  remember();
  try {
    const body = await api("GET", withQuery("/v1/cases", query()));
    rows = body.data;
    count = body.count;
    cursor = rows.length ? Math.min(Math.max(cursor, 0), rows.length - 1) : -1;
    render();
    document.body.dataset.ready = "true";
  } catch (e) {
    showError(e.detail || String(e));
  }
}

function page(step) {
  const next = offset + step * PAGE;
  if (next < 0 || next >= Math.max(count, 1)) return;
  offset = next;
  cursor = 0;
  load();
}

async function exportSelected() {
  const ids = [...selected].sort((a, b) => a - b);
  try {
    saveBlob(await apiBlob("POST", "/v1/cases/export", { ids }), `cases-${ids.length}.zip`);
    $("count").textContent = t("cases.exported", { n: ids.length });
  } catch (e) {
    showError(e.detail || String(e));
  }
}

function moveCursor(step) {
  if (!rows.length) return;
  cursor = Math.min(rows.length - 1, Math.max(0, cursor + step));
  for (const [i, tr] of [...$("rows").children].entries()) tr.classList.toggle("cursor", i === cursor);
  $("rows").children[cursor].scrollIntoView({ block: "nearest" });
}

function onKey(e) {
  if (e.target.closest("input, select, textarea") || e.ctrlKey || e.metaKey || e.altKey) return;
  const c = rows[cursor];
  if (e.key === "j") moveCursor(1);
  else if (e.key === "k") moveCursor(-1);
  else if (e.key === "Enter" && c) window.location.assign(`/cases/${c.id}`);
  else if (e.key === "x" && c) {
    if (selected.has(c.id)) selected.delete(c.id);
    else selected.add(c.id);
    render();
  } else if (e.key === "[") page(-1);
  else if (e.key === "]") page(1);
  else return;
  e.preventDefault();
}

function fillChoices() {
  const keep = (id) => $(id).value;
  const violation = keep("f-violation");
  const camera = keep("f-camera");
  replace(
    $("f-violation"),
    h("option", { value: "" }, t("filter.all")),
    taxonomy.violations.map((v) => h("option", { value: v.key }, nameOf(v, v.key))),
  );
  replace(
    $("f-camera"),
    h("option", { value: "" }, t("filter.all")),
    [...cameras.values()].map((c) => h("option", { value: c.id }, c.name || c.id)),
  );
  $("f-violation").value = violation;
  $("f-camera").value = camera;
  const units = new Set();
  for (const c of cameras.values()) for (const z of c.zones) if (z.responsible) units.add(z.responsible);
  replace($("units"), [...units].sort().map((u) => h("option", { value: u })));
}

async function start() {
  applyStatic();
  let me;
  try {
    ({ me, taxonomy, cameras } = await loadBasics());
  } catch (e) {
    showError(e.detail || String(e));
    return;
  }
  const wanted = new URLSearchParams(window.location.search);
  fillChoices();
  $("f-violation").value = wanted.get("violation") || "";
  $("f-camera").value = wanted.get("camera_id") || "";
  restore();
  wireTopbar(me, () => {
    fillChoices();
    render();
  });
  $("filters").addEventListener("submit", (e) => {
    e.preventDefault();
    offset = 0;
    load();
  });
  for (const id of ["f-status", "f-violation", "f-camera", "f-overdue", "f-sort"]) {
    $(id).addEventListener("change", () => {
      offset = 0;
      load();
    });
  }
  $("prev").addEventListener("click", () => page(-1));
  $("next").addEventListener("click", () => page(1));
  $("export").addEventListener("click", exportSelected);
  $("all").addEventListener("change", (e) => {
    for (const c of rows) {
      if (e.target.checked) selected.add(c.id);
      else selected.delete(c.id);
    }
    render();
  });
  document.addEventListener("keydown", onKey);
  await load();
}

start();
