// One case, whatever its status: its evidence, facts, deadline, timeline (the audit log)
// and the moves its status allows: dispatch (派遣), close (办结), undo a rejection, a note,
// the evidence export. Keys: D dispatch, C close, U undo rejection, N note, E export,
// ←/→ evidence, B back to the list.

import "./nav.js";
import { api } from "./api.js";
import { showError } from "./notice.js";
import { AskDialog } from "./ask.js";
import { loadBasics } from "./boot.js";
import { CASE_STRINGS } from "./case_strings.js";
import { h, localTime, replace } from "./dom.js";
import { overdueText } from "./duration.js";
import { applyStatic, duration, extend, nameOf, t } from "./i18n.js";
import { wireTopbar } from "./topbar.js";

extend(CASE_STRINGS);

const $ = (id) => document.getElementById(id);
const CASE_ID = Number.parseInt(window.location.pathname.split("/").pop(), 10);
// the moves each status allows, as [button key, API call, ask first]
const MOVES = {
  draft: [["review"]],
  confirmed: [["dispatch", "dispatch"], ["close", "close", "case.ask_close"]],
  dispatched: [["close", "close", "case.ask_close"]],
  verified_cleared: [["close", "close", "case.ask_close"]],
  rejected: [["reopen", "reopen", "case.ask_reopen"]],
  closed: [],
};
const KEYS = { dispatch: "d", close: "c", reopen: "u", review: "r" };

let taxonomy = { classes: [], violations: [] };
let cameras = new Map();
let record = null;
let audit = [];
let shown = 0;
let asker = null;

/** An instant (UTC from the API) on the browser's clock, to the second. */
function clockTime(iso) {
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

function fact(key, value) {
  if (value === null || value === undefined || value === "") return [];
  return [h("dt", {}, t(key)), h("dd", {}, value)];
}

function renderFacts(c) {
  const camera = cameras.get(c.camera_id);
  const violation = taxonomy.violations.find((v) => v.key === c.violation);
  replace(
    $("facts"),
    fact("detail.violation", nameOf(violation, c.violation_name)),
    fact("detail.class", c.label_name),
    fact("detail.camera", camera ? `${camera.name} (${c.camera_id})` : c.camera_id),
    fact("detail.address", c.location.address),
    fact("detail.zone", c.zone_id),
    fact("detail.responsible", c.responsible || t("case.none")),
    fact("detail.first_seen", localTime(c.first_seen)),
    fact("detail.last_seen", localTime(c.last_seen)),
    fact("detail.duration", duration(c.duration_s)),
    fact("detail.confidence", c.confidence.toFixed(2)),
    fact("detail.signal", t(`signal.${c.signal}`)),
    fact("case.phones", c.phones.map((p) => p.display).join("，")),
    fact("case.reviewed", c.reviewed_by && `${c.reviewed_by} ${clockTime(c.reviewed_at)}`),
    fact("case.reject_reason", c.reject_reason && t(`reject.${c.reject_reason}`)),
    fact("case.dispatched_at", c.dispatched_at && clockTime(c.dispatched_at)),
    fact("case.cleared_at", c.cleared_at && clockTime(c.cleared_at)),
    fact("case.closed_at", c.closed_at && clockTime(c.closed_at)),
  );
}

function renderHead(c) {
  document.title = t("title.case", { id: c.id });
  $("case-title").textContent = t("case.title", { id: c.id });
  $("case-status").textContent = t(`status.${c.status}`);
  $("case-status").className = `status ${c.status}`;
  const el = $("case-deadline");
  el.className = "deadline";
  if (!c.deadline_at) {
    el.textContent = "";
    return;
  }
  const hours = (Date.now() - Date.parse(c.deadline_at)) / 3.6e6;
  const open = ["confirmed", "dispatched"].includes(c.status);
  let state = "";
  if (open && hours > 0) state = t("case.deadline_over", { d: overdueText(hours) });
  else if (open) state = t("case.deadline_left", { d: overdueText(-hours) });
  el.textContent = `${t("case.deadline")} ${clockTime(c.deadline_at)} ${state}`;
  if (open && (hours > 0 || c.overdue)) el.classList.add("late");
}

function showEvidence(i) {
  const items = record.evidence;
  if (!items.length) return;
  shown = (i + items.length) % items.length;
  const item = items[shown];
  $("evidence-big").src = item.url;
  $("evidence-big").alt = t(`view.${item.kind}`);
  $("evidence-caption").textContent = `${t(`view.${item.kind}`)} · ${clockTime(item.taken_at)}`;
  for (const [j, li] of [...$("evidence").children].entries()) {
    li.setAttribute("aria-current", j === shown ? "true" : "false");
  }
}

function renderEvidence(c) {
  replace(
    $("evidence"),
    c.evidence.map((item, i) =>
      h(
        "li",
        { dataset: { kind: item.kind } },
        h(
          "button",
          { type: "button", onclick: () => showEvidence(i), title: t(`view.${item.kind}`) },
          h("img", { src: item.url, alt: t(`view.${item.kind}`), loading: "lazy" }),
          h("span", {}, t(`view.${item.kind}`)),
        ),
      ),
    ),
  );
  $("evidence-big").classList.toggle("hidden", !c.evidence.length);
  showEvidence(Math.min(shown, c.evidence.length - 1));
}

function detailText(entry) {
  if (!entry.detail) return "";
  return Object.entries(entry.detail)
    .map(([k, v]) =>
      v && typeof v === "object" && "from" in v ? `${k}: ${v.from} → ${v.to}` : `${k}: ${JSON.stringify(v)}`,
    )
    .join("；");
}

function renderTimeline() {
  const items = audit.map((a) => {
    const moved = a.from && a.to && a.from !== a.to;
    const reason = a.action === "reject" && a.reason ? t(`reject.${a.reason}`) : a.reason;
    return h(
      "li",
      { dataset: { action: a.action } },
      h("time", { datetime: a.at }, clockTime(a.at)),
      h("strong", {}, t(`act.${a.action}`)),
      h("span", { class: "actor" }, a.actor === "system" ? t("actor.system") : a.actor),
      moved ? h("span", { class: "move" }, `${t(`status.${a.from}`)} → ${t(`status.${a.to}`)}`) : "",
      reason ? h("q", {}, reason) : "",
      a.detail ? h("span", { class: "muted" }, detailText(a)) : "",
    );
  });
  replace($("timeline"), items.reverse());
}

function renderActions(c) {
  const buttons = MOVES[c.status].map(([key, call, ask]) => {
    if (key === "review") {
      return h("a", { class: "button", href: "/review", dataset: { move: key } }, t("case.review"));
    }
    return h(
      "button",
      {
        type: "button",
        class: key === "dispatch" ? "confirm" : "",
        dataset: { move: key },
        onclick: () => (ask ? asker.ask(t(ask, { id: c.id }), () => move(call)) : move(call)),
      },
      t(`case.${key}`),
      " ",
      h("kbd", {}, KEYS[key].toUpperCase()),
    );
  });
  const exportLink = h(
    "a",
    { class: "button", id: "export", href: `/v1/cases/${c.id}/export`, download: `case-${c.id}.zip` },
    t("case.export"),
    " ",
    h("kbd", {}, "E"),
  );
  replace($("actions"), buttons, exportLink);
  $("reason").parentElement.classList.toggle("hidden", !buttons.some((b) => b.tagName === "BUTTON"));
}

function render() {
  if (!record) return;
  renderHead(record);
  renderFacts(record);
  renderEvidence(record);
  renderActions(record);
  renderTimeline();
}

async function load() {
  try {
    const [c, log] = await Promise.all([
      api("GET", `/v1/cases/${CASE_ID}`),
      api("GET", `/v1/cases/${CASE_ID}/audit`),
    ]);
    record = c;
    audit = log.data;
    render();
    document.body.dataset.ready = "true";
  } catch (e) {
    showError(e.status === 404 ? `${t("case.missing")}: ${e.detail}` : e.detail || String(e));
  }
}

async function move(call) {
  showError("");
  const reason = $("reason").value.trim();
  try {
    await api("POST", `/v1/cases/${CASE_ID}/${call}`, { reason: reason || null });
    $("reason").value = "";
  } catch (e) {
    showError(e.detail || String(e));
  }
  await load();
}

async function addNote(e) {
  e.preventDefault();
  const text = $("note").value.trim();
  if (!text) {
    $("note").focus();
    return;
  }
  showError("");
  try {
    await api("POST", `/v1/cases/${CASE_ID}/notes`, { text });
    $("note").value = "";
  } catch (err) {
    showError(err.detail || String(err));
  }
  await load();
}

function onKey(e) {
  if (asker.isOpen) {
    asker.onKey(e);
    return;
  }
  if (e.target.closest("input, select, textarea") || e.ctrlKey || e.metaKey || e.altKey) return;
  const key = e.key.toLowerCase();
  const button = Object.entries(KEYS).find(([, k]) => k === key);
  if (button && $("actions").querySelector(`[data-move=${button[0]}]`)) {
    $("actions").querySelector(`[data-move=${button[0]}]`).click();
  } else if (key === "n") $("note").focus();
  else if (key === "e") $("export").click();
  else if (key === "b") window.location.assign("/cases");
  else if (e.key === "ArrowRight" && record) showEvidence(shown + 1);
  else if (e.key === "ArrowLeft" && record) showEvidence(shown - 1);
  else return;
  e.preventDefault();
}

async function start() {
  applyStatic();
  asker = new AskDialog();
  let me;
  try {
    ({ me, taxonomy, cameras } = await loadBasics());
  } catch (e) {
    showError(e.detail || String(e));
    return;
  }
  wireTopbar(me, render);
  // back to the list it came from, filters and all
  if (document.referrer.startsWith(`${window.location.origin}/cases?`)) $("back").href = document.referrer;
  $("note-form").addEventListener("submit", addNote);
  document.addEventListener("keydown", onKey);
  if (!Number.isInteger(CASE_ID) || CASE_ID < 1) {
    showError(t("case.missing"));
    return;
  }
  await load();
}

start();
