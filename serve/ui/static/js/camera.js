// One camera: its latest frame with zones and detections (refreshed every few seconds),
// health and open cases; for engineers, the zone editor on that frame (or an uploaded
// snapshot) and the scene baseline's accept button.

import "./nav.js";
import { api, withQuery } from "./api.js";
import { showError } from "./notice.js";
import { loadBasics } from "./boot.js";
import { CAMERA_STRINGS } from "./camera_strings.js";
import { h, localTime, replace } from "./dom.js";
import { applyStatic, duration, extend, nameOf, t } from "./i18n.js";
import { detectionShapes, FrameView, zoneShapes } from "./overlay.js";
import { ScenePanel } from "./scene_panel.js";
import { wireTopbar } from "./topbar.js";
import { ZoneEditor } from "./zone_editor.js";
import { ZoneForm } from "./zone_form.js";

extend(CAMERA_STRINGS);

const $ = (id) => document.getElementById(id);
const CAMERA_ID = decodeURIComponent(window.location.pathname.split("/").pop());
const REFRESH_S = 3;
const OPEN = ["draft", "confirmed", "dispatched"];
const ENGINEERS = new Set(["engineer", "admin", null]);

let taxonomy = { classes: [], violations: [] };
let live = null;
let view = null;
let editor = null;
let form = null;
let snapshot = null; // an uploaded picture drawn on instead of the live frame

function className(label) {
  return nameOf(taxonomy.classes.find((c) => c.name === label), label);
}

function renderHealth() {
  const hl = live.health || {};
  const fact = (key, value) => (value === null || value === undefined || value === "" ? [] : [h("dt", {}, t(key)), h("dd", {}, value)]);
  replace(
    $("health"),
    fact("cam.source", live.source),
    fact("cam.last_frame", live.frame ? `${localTime(live.frame.at)}（${t("cams.age", { d: duration(live.frame.age_s) })}）` : t("cams.no_frame")),
    fact("cam.fps", hl.fps_processed !== undefined ? t("cams.fps", { fps: hl.fps_processed.toFixed(2) }) : null),
    fact("cam.frames_label", hl.frames_in !== undefined ? t("cam.frames", { in: hl.frames_in, processed: hl.frames_processed, inferred: hl.frames_inferred, dropped: hl.frames_dropped }) : null),
    fact("cam.reconnects", hl.reconnects ? t("cams.reconnects", { n: hl.reconnects }) : null),
    fact("cams.error", hl.last_error ? `${hl.last_error}（${localTime(hl.last_error_at)}）` : null),
  );
}

function draw() {
  const found = live && live.frame && !snapshot ? detectionShapes(live.frame.detections, className) : [];
  if (editor) {
    editor.extra = found;
    editor.render();
  } else if (live) {
    view.draw(zoneShapes(live.zones), found);
  }
}

function renderLive() {
  document.title = t("title.camera", { name: live.name || live.id });
  $("cam-name").textContent = live.name || live.id;
  $("cam-address").textContent = live.address;
  $("cam-state").textContent = t(`state.${live.state}`);
  $("cam-state").className = `state ${live.state}`;
  document.body.dataset.state = live.state;
  if (!snapshot) {
    view.setFrame(live.frame);
    $("frame-note").textContent = live.frame ? "" : t("cams.no_frame");
  }
  renderHealth();
  draw();
}

async function refresh() {
  try {
    live = await api("GET", `/v1/live/${encodeURIComponent(CAMERA_ID)}`);
    showError("");
    renderLive();
    document.body.dataset.ready = "true";
  } catch (e) {
    showError(e.detail || String(e));
  }
}

async function loadCases() {
  const lists = await Promise.all(
    OPEN.map((status) => api("GET", withQuery("/v1/cases", { camera_id: CAMERA_ID, status, limit: 10 }))),
  );
  const items = lists.flatMap((l) => l.data);
  replace(
    $("cam-cases"),
    items.length
      ? items.map((c) =>
          h(
            "li",
            {},
            h("a", { href: `/cases/${c.id}` }, `#${c.id}`),
            " ",
            h("span", { class: `status ${c.status}` }, t(`status.${c.status}`)),
            ` ${c.violation_name} · ${localTime(c.first_seen)}`,
            c.overdue ? h("span", { class: "badge bad" }, t("cases.overdue_yes")) : null,
          ),
        )
      : h("li", { class: "muted" }, t("cam.none")),
  );
  $("all-cases").href = `/cases?camera_id=${encodeURIComponent(CAMERA_ID)}`;
}

function useSnapshot(file) {
  if (!file) return;
  const url = URL.createObjectURL(file);
  const img = new Image();
  img.onload = () => {
    snapshot = url;
    view.img.src = url;
    view.box.classList.remove("no-frame");
    view.size(img.naturalWidth, img.naturalHeight);
    const cam = live && live.frame;
    $("frame-note").textContent =
      cam && (cam.width !== img.naturalWidth || cam.height !== img.naturalHeight)
        ? t("ed.snapshot_size", { w: img.naturalWidth, h: img.naturalHeight, cw: cam.width, ch: cam.height })
        : "";
    draw();
  };
  img.onerror = () => showError(`${file.name}: not an image`);
  img.src = url;
}

async function startEditor(me) {
  if (!ENGINEERS.has(me.role)) {
    $("frame-note").textContent = t("ed.engineer_only");
    return;
  }
  const scene = new ScenePanel(CAMERA_ID);
  editor = new ZoneEditor(view, (_, edited) => {
    form.changed(edited);
    scene.fillZones(editor.zones);
  });
  form = new ZoneForm(editor, CAMERA_ID, taxonomy, { onSaved: () => refresh() });
  form.fillTypes();
  $("editor").classList.remove("hidden");
  $("scene").classList.remove("hidden");
  $("snapshot").addEventListener("change", (e) => useSnapshot(e.target.files[0]));
  document.addEventListener("keydown", (e) => {
    if (e.target.closest("input, select, textarea") || e.ctrlKey || e.metaKey) return;
    if (editor.onKey(e)) e.preventDefault();
  });
  await form.load();
  await scene.load(editor.zones);
}

async function start() {
  applyStatic();
  view = new FrameView($("frame"), { alt: CAMERA_ID });
  let me;
  try {
    ({ me, taxonomy } = await loadBasics());
    await refresh();
    await Promise.all([loadCases(), startEditor(me)]);
  } catch (e) {
    showError(e.detail || String(e));
    return;
  }
  wireTopbar(me, () => {
    if (form) {
      form.fillTypes();
      form.fillRules(form.readRules());
      form.render();
    }
    if (live) renderLive();
  });
  window.setInterval(() => {
    if (!document.hidden) refresh();
  }, REFRESH_S * 1000);
  window.setInterval(() => {
    if (!document.hidden) loadCases().catch((e) => showError(e.detail || String(e)));
  }, 5 * REFRESH_S * 1000);
}

start();
