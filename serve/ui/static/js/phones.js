// The phone ledger page: numbers on confirmed flyer cases, most often seen first; move a
// number on (hand over to its carrier, suspended, dismissed), see its cases, export.

import "./nav.js";
import { api, whoami, withQuery } from "./api.js";
import { showError } from "./notice.js";
import { h, isoDate, localTime, midnightISO, replace } from "./dom.js";
import { applyStatic, extend, t } from "./i18n.js";
import { wireTopbar } from "./topbar.js";
import { PHONE_STRINGS } from "./phones_strings.js";

extend(PHONE_STRINGS);

const $ = (id) => document.getElementById(id);
const MOVES = {
  open: ["handed_over", "dismissed"],
  handed_over: ["suspended", "dismissed", "open"],
  suspended: ["open"],
  dismissed: ["open"],
};

let rows = [];
let count = 0;

function range() {
  const until = new Date(`${$("f-until").value}T00:00:00`);
  until.setDate(until.getDate() + 1);
  const pad = (n) => String(n).padStart(2, "0");
  const next = `${until.getFullYear()}-${pad(until.getMonth() + 1)}-${pad(until.getDate())}`;
  return { since: midnightISO($("f-since").value), until: midnightISO(next) };
}

function exportLinks() {
  const params = { ...range(), status: $("f-status").value };
  $("export-xlsx").href = withQuery("/v1/phones/export", { ...params, format: "xlsx" });
  $("export-csv").href = withQuery("/v1/phones/export", { ...params, format: "csv" });
}

async function move(number, to) {
  const note = window.prompt(t("phones.note_prompt"), "") ?? "";
  try {
    await api("POST", `/v1/phones/${number}/status`, { status: to, note: note || null });
    await load();
  } catch (e) {
    showError(e.detail || String(e));
  }
}

function actions(row) {
  return MOVES[row.status].map((to) =>
    h(
      "button",
      { type: "button", class: "small", dataset: { to }, onclick: () => move(row.number, to) },
      t(`phone.to.${to}`),
    ),
  );
}

function render() {
  $("count").textContent = t("phones.count", { n: count });
  const head = h(
    "tr",
    {},
    ["number", "kind", "cases", "cameras", "first", "last", "status", "actions"].map((k) =>
      h("th", {}, t(k === "status" ? "phones.status" : `phones.${k}`)),
    ),
  );
  const body = rows.map((row) =>
    h(
      "tr",
      { dataset: { number: row.number } },
      h("td", {}, h("a", { href: "#", onclick: (e) => show(e, row.number) }, row.display)),
      h("td", {}, t(`kind.${row.kind}`)),
      h("td", { class: "num" }, String(row.cases)),
      h("td", { class: "num" }, String(row.cameras)),
      h("td", {}, localTime(row.first_seen)),
      h("td", {}, localTime(row.last_seen)),
      h("td", { class: `phone-status ${row.status}` }, t(`phone.${row.status}`)),
      h("td", {}, actions(row)),
    ),
  );
  replace($("ledger"), head, body.length ? body : h("tr", {}, h("td", { colspan: "8" }, t("phones.none"))));
}

async function show(event, number) {
  event.preventDefault();
  try {
    const d = await api("GET", `/v1/phones/${number}`);
    const cases = d.case_list.map((c) => {
      const shot = c.evidence.find((e) => e.kind === "text") || c.evidence[0];
      return h(
        "li",
        {},
        shot ? h("img", { src: shot.url, alt: c.label_name, class: "thumb" }) : null,
        ` #${c.id} ${c.location.address || c.camera_id} ${localTime(c.last_seen)}`,
      );
    });
    const history = d.history.map((a) =>
      h("li", {}, `${localTime(a.at)} ${a.actor}: ${t(`phone.${a.from_status}`)} → ${t(`phone.${a.to_status}`)}${a.note ? ` (${a.note})` : ""}`),
    );
    replace(
      $("detail"),
      h("h3", {}, t("phones.cases_of", { number: d.display })),
      h("ul", { class: "phone-cases" }, cases),
      h("h3", {}, t("phones.history")),
      h("ul", {}, history),
    );
    $("detail").classList.remove("hidden");
  } catch (e) {
    showError(e.detail || String(e));
  }
}

async function load() {
  showError("");
  exportLinks();
  try {
    const body = await api(
      "GET",
      withQuery("/v1/phones", { ...range(), status: $("f-status").value, limit: 500 }),
    );
    rows = body.data;
    count = body.count;
    render();
  } catch (e) {
    showError(e.detail || String(e));
  }
}

async function start() {
  applyStatic();
  $("f-since").value = isoDate(-89);
  $("f-until").value = isoDate(0);
  let me;
  try {
    me = await whoami();
  } catch (e) {
    showError(e.detail || String(e));
    return;
  }
  wireTopbar(me, () => {
    render();
  });
  $("filters").addEventListener("submit", (e) => {
    e.preventDefault();
    load();
  });
  $("f-status").addEventListener("change", load);
  await load();
}

start();
