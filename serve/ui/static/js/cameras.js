// The camera wall: every camera's latest frame with its zones and current detections,
// refreshed every few seconds (no video server), its state and health, its open cases.
// A tile opens the camera's page.

import "./nav.js";
import { api } from "./api.js";
import { showError } from "./notice.js";
import { loadBasics } from "./boot.js";
import { CAMERA_STRINGS } from "./camera_strings.js";
import { h, replace } from "./dom.js";
import { applyStatic, duration, extend, nameOf, t } from "./i18n.js";
import { detectionShapes, FrameView, zoneShapes } from "./overlay.js";
import { wireTopbar } from "./topbar.js";

extend(CAMERA_STRINGS);

const $ = (id) => document.getElementById(id);
const REFRESH_S = 3;
const GOOD = new Set(["live"]);

let taxonomy = { classes: [] };
let cameras = [];
const tiles = new Map();

function className(label) {
  return nameOf(taxonomy.classes.find((c) => c.name === label), label);
}

function tile(cam) {
  const title = h("a", { href: `/cameras/${encodeURIComponent(cam.id)}`, class: "tile-name" });
  const state = h("span", { class: "state" });
  const frame = h("div", { class: "tile-frame" });
  const view = new FrameView(frame, { alt: cam.name || cam.id });
  const empty = h("div", { class: "tile-empty" });
  frame.append(empty);
  const facts = h("div", { class: "tile-facts" });
  const cases = h("a", { class: "tile-cases", href: `/cases?camera_id=${encodeURIComponent(cam.id)}` });
  const error = h("div", { class: "tile-error" });
  const li = h(
    "li",
    { class: "tile", dataset: { camera: cam.id } },
    h("div", { class: "tile-head" }, title, state),
    frame,
    facts,
    cases,
    error,
  );
  frame.addEventListener("click", () => window.location.assign(title.href));
  return { li, title, state, view, empty, facts, cases, error };
}

function fill(part, cam) {
  part.title.textContent = cam.name || cam.id;
  part.title.title = cam.address || cam.id;
  part.state.textContent = t(`state.${cam.state}`);
  part.state.className = `state ${cam.state}`;
  part.li.dataset.state = cam.state;
  part.view.setFrame(cam.frame);
  part.empty.textContent = cam.frame ? "" : t("cams.no_frame");
  part.empty.classList.toggle("hidden", Boolean(cam.frame));
  if (cam.frame) {
    part.view.draw(
      zoneShapes(cam.zones),
      detectionShapes(cam.frame.detections, className),
    );
  }
  const health = cam.health || {};
  const facts = [];
  if (cam.frame) facts.push(t("cams.age", { d: duration(cam.frame.age_s) }));
  if (health.fps_processed !== undefined) facts.push(t("cams.fps", { fps: health.fps_processed.toFixed(1) }));
  if (cam.frame) facts.push(t("cams.detections", { n: cam.frame.detections.length }));
  if (health.reconnects) facts.push(t("cams.reconnects", { n: health.reconnects }));
  part.facts.textContent = facts.join(" · ");
  const open = cam.open_cases || {};
  const n = (k) => open[k] || 0;
  replace(
    part.cases,
    `${t("cams.open")}: ${t("cams.open_counts", { draft: n("draft"), confirmed: n("confirmed"), dispatched: n("dispatched") })}`,
    n("overdue") ? h("span", { class: "badge bad" }, t("cams.overdue", { n: n("overdue") })) : null,
  );
  part.error.textContent = health.last_error ? `${t("cams.error")}: ${health.last_error}` : "";
  part.error.title = health.last_error || "";
  part.error.classList.toggle("hidden", !health.last_error);
}

function render() {
  const problemsOnly = $("problems").checked;
  const shown = [];
  for (const cam of cameras) {
    if (!tiles.has(cam.id)) tiles.set(cam.id, tile(cam));
    const part = tiles.get(cam.id);
    fill(part, cam);
    if (!problemsOnly || !GOOD.has(cam.state)) shown.push(part.li);
  }
  for (const id of [...tiles.keys()]) if (!cameras.some((c) => c.id === id)) tiles.delete(id);
  const wall = $("wall");
  // keep tiles in place (their pictures stay loaded); only add, remove or reorder
  shown.forEach((li, i) => {
    if (wall.children[i] !== li) wall.insertBefore(li, wall.children[i] || null);
  });
  while (wall.children.length > shown.length) wall.lastChild.remove();
  const live = cameras.filter((c) => GOOD.has(c.state)).length;
  $("count").textContent = t("cams.count", { n: cameras.length, live, bad: cameras.length - live });
  $("refresh").textContent = t("cams.refresh", { s: REFRESH_S });
}

async function refresh() {
  try {
    const body = await api("GET", "/v1/live");
    cameras = body.data;
    showError("");
    render();
    document.body.dataset.ready = "true";
  } catch (e) {
    showError(e.detail || String(e));
  }
}

async function start() {
  applyStatic();
  let me;
  try {
    ({ me, taxonomy } = await loadBasics());
  } catch (e) {
    showError(e.detail || String(e));
    return;
  }
  wireTopbar(me, render);
  $("problems").addEventListener("change", render);
  await refresh();
  // poll while the page is shown; a hidden tab asks for nothing
  window.setInterval(() => {
    if (!document.hidden) refresh();
  }, REFRESH_S * 1000);
}

start();
