// The statistics page: KPI cards with their definitions, bar charts, the overdue list.

import "./nav.js";
import { api, whoami, withQuery } from "./api.js";
import { showError } from "./notice.js";
import { barChart, disposeCharts, formatPercent, PALETTE } from "./charts.js";
import { h, isoDate, localTime, replace } from "./dom.js";
import { overdueText } from "./duration.js";
import { applyStatic, extend, getLang, t } from "./i18n.js";
import { STATS_STRINGS } from "./stats_strings.js";
import { wireTopbar } from "./topbar.js";

extend(STATS_STRINGS);

const $ = (id) => document.getElementById(id);
const STATUS_COLORS = { draft: "#8a96a3", confirmed: "#1b7f3b", rejected: "#b42318" };

let taxonomy = null;
let cameras = [];
let data = null;

const named = (g) => (getLang() === "en" ? g.name_en : g.name);

function kpi(id, label, value, frac, def) {
  return h(
    "div",
    { class: "kpi", id },
    h("div", { class: "label" }, label),
    h("div", { class: "value" }, value),
    frac ? h("div", { class: "frac" }, frac) : null,
    def ? h("div", { class: "def" }, def) : null,
  );
}

function rateCard(id, key, rate) {
  const frac = t("stats.frac", { n: rate.numerator, d: rate.denominator });
  return kpi(id, t(`stats.${key}`), formatPercent(rate.value), frac, t(`stats.def.${key}`));
}

function renderKpis(d) {
  replace(
    $("kpis"),
    kpi("kpi-total", t("stats.total"), String(d.totals.total)),
    kpi("kpi-pending", t("stats.pending"), String(d.totals.draft)),
    rateCard("kpi-confirm", "confirm_rate", d.totals.confirm_rate),
    rateCard("kpi-disposal", "disposal_rate", d.totals.disposal_rate),
    rateCard("kpi-ontime", "on_time_rate", d.totals.on_time_rate),
    kpi("kpi-overdue", t("stats.overdue"), String(d.overdue_count), null, t("stats.def.overdue")),
  );
}

function chartBox(id, svg, wide = false) {
  return h("figure", { class: wide ? "chart wide" : "chart", id }, svg);
}

function renderCharts(d) {
  const violations = taxonomy.violations;
  const days = d.per_day.map((day) => day.date.slice(5));
  const perDay = barChart({
    title: t("chart.per_day"),
    categories: days,
    series: violations.map((v, i) => ({
      name: getLang() === "en" ? v.en : v.zh,
      values: d.per_day.map((day) => day.by_violation[v.key] || 0),
      color: PALETTE[i % PALETTE.length],
    })),
    stacked: true,
    xLabel: t("chart.axis.date"),
    yLabel: t("chart.axis.cases"),
    empty: t("chart.empty"),
    height: 300,
  });
  const cams = d.per_camera;
  const perCamera = barChart({
    title: t("chart.per_camera"),
    categories: cams.map(named),
    series: ["draft", "confirmed", "rejected"].map((k) => ({
      name: t(`series.${k}`),
      values: cams.map((c) => c[k]),
      color: STATUS_COLORS[k],
    })),
    stacked: true,
    xLabel: t("chart.axis.camera"),
    yLabel: t("chart.axis.cases"),
    empty: t("chart.empty"),
  });
  const rate = (groups, key, title, xLabel, color) =>
    barChart({
      title,
      categories: groups.map(named),
      series: [{ name: t(`series.${key}`), values: groups.map((g) => g[key].value), color }],
      percent: true,
      xLabel,
      yLabel: t("chart.axis.rate"),
      empty: t("chart.empty"),
    });
  const overdueBy = d.per_violation;
  const overdue = barChart({
    title: t("chart.overdue"),
    categories: overdueBy.map(named),
    series: [
      { name: t("series.overdue"), values: overdueBy.map((g) => g.overdue), color: "#b45309" },
    ],
    xLabel: t("chart.axis.violation"),
    yLabel: t("chart.axis.cases"),
    empty: t("chart.empty"),
  });
  const rates = barChart({
    title: t("chart.rates_camera"),
    categories: cams.map(named),
    series: [
      {
        name: t("series.disposal_rate"),
        values: cams.map((c) => c.disposal_rate.value),
        color: "#00838f",
      },
      {
        name: t("series.on_time_rate"),
        values: cams.map((c) => c.on_time_rate.value),
        color: "#5c6bc0",
      },
    ],
    percent: true,
    xLabel: t("chart.axis.camera"),
    yLabel: t("chart.axis.rate"),
    empty: t("chart.empty"),
  });
  const signals = d.per_signal;
  const perSignal = barChart({
    title: t("chart.per_signal"),
    categories: signals.map((g) => t(`signal.short.${g.key}`)),
    series: ["draft", "confirmed", "rejected"].map((k) => ({
      name: t(`series.${k}`),
      values: signals.map((g) => g[k]),
      color: STATUS_COLORS[k],
    })),
    stacked: true,
    xLabel: t("chart.axis.signal"),
    yLabel: t("chart.axis.cases"),
    empty: t("chart.empty"),
  });
  disposeCharts($("charts"));
  replace(
    $("charts"),
    chartBox("chart-per-day", perDay, true),
    chartBox("chart-per-camera", perCamera),
    chartBox("chart-per-signal", perSignal),
    chartBox(
      "chart-confirm-camera",
      rate(cams, "confirm_rate", t("chart.confirm_camera"), t("chart.axis.camera"), "#1b7f3b"),
    ),
    chartBox(
      "chart-confirm-class",
      rate(d.per_class, "confirm_rate", t("chart.confirm_class"), t("chart.axis.class"), "#1769aa"),
    ),
    chartBox("chart-overdue", overdue),
    chartBox("chart-rates-camera", rates),
  );
}

function renderOverdue(d) {
  const head = h(
    "tr",
    {},
    ["id", "camera", "violation", "status", "deadline", "hours"].map((k) =>
      h("th", {}, t(`overdue.${k}`)),
    ),
  );
  const byKey = new Map(taxonomy.violations.map((v) => [v.key, v]));
  const camName = new Map(cameras.map((c) => [c.id, c.name || c.id]));
  const rows = d.overdue.map((c) => {
    const v = byKey.get(c.violation);
    return h(
      "tr",
      {},
      h("td", {}, `#${c.id}`),
      h("td", {}, camName.get(c.camera_id) || c.camera_id),
      h("td", {}, v ? (getLang() === "en" ? v.en : v.zh) : c.violation_name),
      h("td", {}, t(`status.${c.status}`)),
      h("td", {}, localTime(c.deadline_at)),
      h("td", { class: "overdue-by" }, overdueText(c.overdue_h)),
    );
  });
  replace(
    $("overdue"),
    head,
    rows.length ? rows : h("tr", {}, h("td", { colspan: "6" }, t("overdue.none"))),
  );
}

const SIGNALS = ["detector", "scene", "both", "ocr"];

// one row per camera, then per detected class, then the total: cases and confirmed per signal
function renderSignals(d) {
  const head = [
    h(
      "tr",
      {},
      h("th", { rowspan: "2" }, t("signals.group")),
      SIGNALS.map((s) => h("th", { colspan: "2" }, t(`signal.short.${s}`))),
    ),
    h(
      "tr",
      {},
      SIGNALS.flatMap(() => [h("th", {}, t("signals.cases")), h("th", {}, t("signals.confirmed"))]),
    ),
  ];
  const row = (g, name, cls) =>
    h(
      "tr",
      { class: cls, "data-key": g.key },
      h("td", {}, name),
      SIGNALS.flatMap((s) => {
        const c = g.by_signal[s];
        return [h("td", {}, String(c.total)), h("td", {}, String(c.confirmed))];
      }),
    );
  const section = (key) => h("tr", {}, h("th", { colspan: "7" }, t(key)));
  replace(
    $("signals"),
    head,
    section("signals.cameras"),
    d.per_camera.map((g) => row(g, named(g), "camera")),
    section("signals.classes"),
    d.per_class.map((g) => row(g, named(g), "class")),
    row(d.totals, t("signals.total"), "total"),
  );
}

function renderNamed(d) {
  const keys = ["total", "confirmed", "rejected", "draft"];
  const head = h(
    "tr",
    {},
    h("th", {}, t("named.class")),
    keys.map((k) => h("th", {}, t(`named.${k}`))),
  );
  const rows = d.scene_named.map((g) =>
    h(
      "tr",
      { "data-key": g.key },
      h("td", {}, named(g)),
      keys.map((k) => h("td", {}, String(g[k]))),
    ),
  );
  replace(
    $("named"),
    h("caption", {}, t("named.def")),
    head,
    rows.length ? rows : h("tr", {}, h("td", { colspan: "5" }, t("named.none"))),
  );
}

function renderDefs() {
  const keys = ["confirm_rate", "disposal_rate", "on_time_rate", "overdue"];
  replace(
    $("defs"),
    keys.flatMap((k) => [
      h("dt", {}, t(k === "overdue" ? "stats.overdue" : `stats.${k}`)),
      h("dd", {}, t(`stats.def.${k}`)),
    ]),
    h("dd", {}, t("stats.def.scope")),
  );
}

function render() {
  renderDefs();
  if (!data) return;
  renderKpis(data);
  renderCharts(data);
  renderSignals(data);
  renderNamed(data);
  renderOverdue(data);
}

async function load() {
  const url = withQuery("/v1/stats", {
    since: $("f-since").value,
    until: $("f-until").value,
    camera_id: $("f-camera").value,
  });
  try {
    data = await api("GET", url);
    showError("");
  } catch (e) {
    showError(e.detail || String(e));
  }
  render();
  document.body.dataset.ready = "true";
}

function fillCameras() {
  const select = $("f-camera");
  const keep = select.value;
  replace(
    select,
    h("option", { value: "" }, t("filter.all")),
    cameras.map((c) => h("option", { value: c.id }, c.name ? `${c.name} (${c.id})` : c.id)),
  );
  select.value = keep;
}

async function start() {
  applyStatic();
  $("f-since").value = isoDate(-29);
  $("f-until").value = isoDate(0);
  let me;
  try {
    me = await whoami();
    const [tax, cams] = await Promise.all([
      api("GET", "/ui/taxonomy.json"),
      api("GET", "/ui/cameras.json"),
    ]);
    taxonomy = tax;
    cameras = cams.data;
  } catch (e) {
    showError(e.detail || String(e));
    return;
  }
  fillCameras();
  wireTopbar(me, () => {
    fillCameras();
    render();
  });
  $("filters").addEventListener("submit", (e) => {
    e.preventDefault();
    load();
  });
  $("f-camera").addEventListener("change", load);
  await load();
}

start();
