// The weekly problem ledger page (问题台账): a week's confirmed cases per responsible unit,
// new and carried over, ticked off (销账) or open; the summary per unit; the units with
// their zones and cases; the week as Excel or PDF.

import "./nav.js";
import { api, whoami, withQuery } from "./api.js";
import { showError } from "./notice.js";
import { h, localTime, replace } from "./dom.js";
import { applyStatic, extend, t } from "./i18n.js";
import { wireTopbar } from "./topbar.js";
import { LEDGER_STRINGS } from "./ledger_strings.js";
import { canEditUnits, editUnit, wireUnitForm } from "./units_form.js";

extend(LEDGER_STRINGS);

const $ = (id) => document.getElementById(id);
let ledger = null;
let units = [];
let me = null;

function thisWeek() {
  // the ISO week of today (the server's default is the same week in Asia/Shanghai)
  const d = new Date();
  const day = (d.getDay() + 6) % 7;
  d.setDate(d.getDate() - day + 3);
  const jan4 = new Date(d.getFullYear(), 0, 4);
  const week = 1 + Math.round(((d - jan4) / 86400000 - 3 + ((jan4.getDay() + 6) % 7)) / 7);
  return `${d.getFullYear()}-W${String(week).padStart(2, "0")}`;
}

function params() {
  return { week: $("f-week").value, unit: $("f-unit").value || undefined };
}

function exportLinks() {
  $("export-xlsx").href = withQuery("/v1/ledger/export", { ...params(), format: "xlsx" });
  $("export-pdf").href = withQuery("/v1/ledger/export", { ...params(), format: "pdf" });
}

const yes = (b) => (b ? t("ledger.yes") : "");
const unitName = (id, name) => name || id || t("ledger.no_unit");

function renderSummary() {
  const keys = ["unit", "new", "carried_over", "ticked_n", "on_time", "open", "overdue"];
  const head = h("tr", {}, keys.map((k) => h("th", {}, t(`ledger.${k}`))));
  const body = ledger.summary.map((s) =>
    h(
      "tr",
      { dataset: { unit: s.unit } },
      h("td", {}, unitName(s.unit, s.unit_name)),
      [s.new, s.carried_over, s.ticked, s.ticked_on_time, s.open, s.overdue].map((n) =>
        h("td", { class: "num" }, String(n)),
      ),
    ),
  );
  replace($("summary"), head, body);
}

function renderRows() {
  const keys = ["case", "camera", "unit", "violation", "first_seen", "deadline", "status", "ticked", "carried", "overdue"];
  const head = h("tr", {}, keys.map((k) => h("th", {}, t(`ledger.${k}`))));
  const body = ledger.rows.map((r) =>
    h(
      "tr",
      { dataset: { id: r.case_id }, class: r.overdue ? "overdue" : null },
      h("td", {}, h("a", { href: `/cases/${r.case_id}` }, `#${r.case_id}`)),
      h("td", {}, r.zone_id ? `${r.camera_id} / ${r.zone_id}` : r.camera_id),
      h("td", {}, unitName(r.unit, r.unit_name)),
      h("td", {}, r.violation_name),
      h("td", {}, localTime(r.first_seen)),
      h("td", {}, r.deadline_at ? localTime(r.deadline_at) : ""),
      h("td", {}, t(`status.${r.status}`)),
      h("td", { class: "ticked" }, r.ticked_at ? t("ledger.by", { at: localTime(r.ticked_at), who: r.ticked_by || "" }) : ""),
      h("td", {}, yes(r.carried_over)),
      h("td", {}, yes(r.overdue)),
    ),
  );
  const none = h("tr", {}, h("td", { colspan: String(keys.length) }, t("ledger.none")));
  replace($("rows"), head, body.length ? body : none);
  $("span").textContent = t("ledger.span", {
    week: ledger.week,
    start: ledger.start.slice(0, 10),
    end: ledger.end.slice(0, 10),
    n: ledger.rows.length,
  });
}

function renderUnits() {
  const keys = ["unit", "contact", "phone", "zones", "in_progress", "overdue", "disposed"];
  const edit = canEditUnits(me) ? h("th", {}, "") : null;
  const head = h("tr", {}, keys.map((k) => h("th", {}, t(`ledger.${k}`))), edit);
  const body = units.map((u) =>
    h(
      "tr",
      { dataset: { unit: u.id } },
      h("td", {}, h("a", { href: "#", onclick: (e) => pick(e, u.id) }, u.name)),
      h("td", {}, u.contact),
      h("td", {}, u.phone),
      h("td", {}, u.zones.map((z) => `${z.camera_name || z.camera_id} / ${z.zone_id}`).join("，")),
      [u.cases.in_progress, u.cases.overdue, u.cases.disposed].map((n) => h("td", { class: "num" }, String(n))),
      canEditUnits(me) ? h("td", {}, h("a", { href: "#unit-form", class: "edit", onclick: () => editUnit(u) }, t("ledger.edit"))) : null,
    ),
  );
  const none = h("tr", {}, h("td", { colspan: String(keys.length) }, t("ledger.no_units")));
  replace($("units"), head, body.length ? body : none);
}

function pick(event, id) {
  event.preventDefault();
  $("f-unit").value = id;
  load();
}

function render() {
  if (ledger) {
    renderSummary();
    renderRows();
  }
  renderUnits();
}

async function loadUnits() {
  const body = await api("GET", withQuery("/v1/units", { limit: 500 }));
  units = body.data;
  const keep = $("f-unit").value;
  replace(
    $("f-unit"),
    h("option", { value: "", dataset: { i18n: "filter.all" } }, t("filter.all")),
    units.map((u) => h("option", { value: u.id }, u.name)),
  );
  $("f-unit").value = keep;
}

async function load() {
  showError("");
  exportLinks();
  try {
    ledger = await api("GET", withQuery("/v1/ledger", params()));
    render();
  } catch (e) {
    showError(e.detail || String(e));
  }
}

async function start() {
  applyStatic();
  $("f-week").value = thisWeek();
  try {
    me = await whoami();
    await loadUnits();
  } catch (e) {
    showError(e.detail || String(e));
    return;
  }
  wireTopbar(me, render);
  wireUnitForm(me, async () => {
    await loadUnits();
    await load();
  });
  $("filters").addEventListener("submit", (e) => {
    e.preventDefault();
    load();
  });
  $("f-unit").addEventListener("change", load);
  await load();
}

start();
