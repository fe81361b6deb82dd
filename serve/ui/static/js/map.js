// The plan view (一张图): cameras and their open cases where they are, on an uploaded plan
// image (Leaflet's image overlay: no tile server, no internet) or on an in-house tile
// server's map by their lat/lon. Engineers upload the plan and pin cameras on it.
// Leaflet (vendored, BSD-2-Clause) is the global L.

import "./nav.js";
import { api } from "./api.js";
import { showError } from "./notice.js";
import { loadBasics } from "./boot.js";
import { h, replace } from "./dom.js";
import { applyStatic, extend, t } from "./i18n.js";
import { MAP_STRINGS } from "./map_strings.js";
import { CAMERA_STRINGS } from "./camera_strings.js";
import { wireTopbar } from "./topbar.js";

extend(CAMERA_STRINGS);
extend(MAP_STRINGS);

const $ = (id) => document.getElementById(id);
const L = window.L;
const REFRESH_S = 10;
const ENGINEERS = new Set(["engineer", "admin", null]);

let me = null;
let plan = { image: null, pins: {}, tiles: null };
let cameras = [];
let mode = "plan";
let map = null;
let layer = null; // the markers
let pinning = null; // the camera being pinned

const canEdit = () => ENGINEERS.has(me.role);
const openCount = (c) => ["draft", "confirmed", "dispatched"].reduce((n, k) => n + (c.open_cases[k] || 0), 0);

/** Where a camera is in the current mode, as a Leaflet LatLng (or null). */
function placeOf(cam) {
  if (mode === "tiles") return cam.lat !== null && cam.lon !== null ? L.latLng(cam.lat, cam.lon) : null;
  const pin = plan.pins[cam.id];
  return pin && plan.image ? L.latLng(plan.image.height - pin[1], pin[0]) : null;
}

function marker(cam, at) {
  const n = openCount(cam);
  const late = cam.open_cases.overdue || 0;
  const icon = L.divIcon({
    className: `cam-pin ${cam.state}${late ? " late" : ""}`,
    html: n ? String(n) : "",
    iconSize: [26, 26],
    iconAnchor: [13, 13],
  });
  const m = L.marker(at, { icon, draggable: mode === "plan" && canEdit(), keyboard: true, title: cam.name || cam.id });
  m.bindTooltip(h("span", {}, cam.name || cam.id), { direction: "top", offset: [0, -12] });
  m.bindPopup(() =>
    h(
      "div",
      { class: "cam-popup" },
      h("strong", {}, cam.name || cam.id),
      h("div", { class: "muted" }, cam.address),
      h("div", {}, t(`state.${cam.state}`), " · ", t("map.open", { n })),
      late ? h("div", { class: "late" }, t("map.overdue", { n: late })) : null,
      h("a", { href: `/cameras/${encodeURIComponent(cam.id)}` }, t("map.camera_page")),
      " · ",
      h("a", { href: `/cases?camera_id=${encodeURIComponent(cam.id)}` }, t("map.cases")),
    ),
  );
  m.on("dragend", () => {
    const p = m.getLatLng();
    pin(cam, p.lng, plan.image.height - p.lat);
  });
  m.on("add", () => m.getElement().setAttribute("data-camera", cam.id));
  return m;
}

function drawMarkers() {
  if (!map) return;
  if (layer) layer.remove();
  layer = L.layerGroup(
    cameras.map((c) => [c, placeOf(c)]).filter(([, at]) => at).map(([c, at]) => marker(c, at)),
  ).addTo(map);
}

function buildMap() {
  if (map) {
    map.remove();
    map = null;
    layer = null;
  }
  const usePlan = mode === "plan";
  $("no-plan").classList.toggle("hidden", !usePlan || Boolean(plan.image));
  $("no-plan").textContent = canEdit() ? t("map.none") : t("map.none_reviewer");
  if (usePlan && !plan.image) return;
  if (usePlan) {
    const { width, height } = plan.image;
    const bounds = [[0, 0], [height, width]];
    map = L.map("map", { crs: L.CRS.Simple, minZoom: -5, maxZoom: 3, zoomSnap: 0.25, attributionControl: false });
    L.imageOverlay(plan.image.url, bounds, { className: "plan-image" }).addTo(map);
    map.fitBounds(bounds);
    map.on("click", (e) => {
      if (pinning) pin(pinning, e.latlng.lng, plan.image.height - e.latlng.lat);
    });
  } else {
    map = L.map("map", { attributionControl: true });
    L.tileLayer(plan.tiles.url, { maxZoom: 19, attribution: plan.tiles.attribution || "" }).addTo(map);
    const placed = cameras.filter((c) => c.lat !== null && c.lon !== null);
    if (placed.length) map.fitBounds(L.latLngBounds(placed.map((c) => [c.lat, c.lon])).pad(0.2), { maxZoom: 17 });
    else map.setView([0, 0], 2);
  }
  drawMarkers();
}

async function pin(cam, x, y) {
  pinning = null;
  $("pin-hint").classList.add("hidden");
  document.body.classList.remove("pinning");
  try {
    plan = await api("PUT", `/v1/plan/pins/${encodeURIComponent(cam.id)}`, { x: Math.round(x), y: Math.round(y) });
    showError("");
  } catch (e) {
    showError(e.detail || String(e));
  }
  drawMarkers();
  renderList();
}

async function unpin(cam) {
  try {
    await api("DELETE", `/v1/plan/pins/${encodeURIComponent(cam.id)}`);
    plan = await api("GET", "/v1/plan");
  } catch (e) {
    showError(e.detail || String(e));
  }
  drawMarkers();
  renderList();
}

function startPinning(cam) {
  pinning = cam;
  $("pin-hint").textContent = t("map.pin_hint", { name: cam.name || cam.id });
  $("pin-hint").classList.remove("hidden");
  document.body.classList.add("pinning");
}

function renderList() {
  const editing = canEdit() && mode === "plan" && plan.image;
  replace(
    $("cameras"),
    cameras.map((c) => {
      const placed = Boolean(placeOf(c));
      const n = openCount(c);
      return h(
        "li",
        { dataset: { camera: c.id, state: c.state } },
        h("span", { class: `dot ${c.state}` }),
        h("a", { href: `/cameras/${encodeURIComponent(c.id)}` }, c.name || c.id),
        n ? h("span", { class: "badge" }, t("map.open", { n })) : null,
        placed ? null : h("span", { class: "muted" }, ` ${mode === "plan" ? t("map.unpinned") : t("map.no_location")}`),
        editing
          ? h(
              "span",
              { class: "pin-actions" },
              h("button", { type: "button", class: "small", dataset: { pin: c.id }, onclick: () => startPinning(c) }, t("map.pin")),
              placed
                ? h("button", { type: "button", class: "small", dataset: { unpin: c.id }, onclick: () => unpin(c) }, t("map.unpin"))
                : null,
            )
          : null,
      );
    }),
  );
  const img = plan.image;
  $("plan-facts").textContent =
    img && mode === "plan" ? t("map.uploaded", { w: img.width, h: img.height, by: img.uploaded_by, at: img.uploaded_at.replace("T", " ").slice(0, 16) }) : "";
}

async function upload(file) {
  if (!file) return;
  const form = new FormData();
  form.append("image", file);
  try {
    plan = await api("PUT", "/v1/plan/image", form);
    showError("");
    mode = "plan";
    buildMap();
    renderList();
  } catch (e) {
    showError(e.detail || String(e));
  }
  $("plan-file").value = "";
}

function setMode(next) {
  mode = next;
  $("mode-plan").setAttribute("aria-pressed", String(mode === "plan"));
  $("mode-tiles").setAttribute("aria-pressed", String(mode === "tiles"));
  buildMap();
  renderList();
}

async function refresh() {
  try {
    cameras = (await api("GET", "/v1/live")).data;
    drawMarkers();
    renderList();
  } catch (e) {
    showError(e.detail || String(e));
  }
}

async function start() {
  applyStatic();
  try {
    ({ me } = await loadBasics());
    [plan, cameras] = await Promise.all([api("GET", "/v1/plan"), api("GET", "/v1/live").then((b) => b.data)]);
  } catch (e) {
    showError(e.detail || String(e));
    return;
  }
  wireTopbar(me, () => {
    renderList();
    drawMarkers();
  });
  $("mode").classList.toggle("hidden", !plan.tiles);
  $("upload").classList.toggle("hidden", !canEdit());
  $("mode-plan").addEventListener("click", () => setMode("plan"));
  $("mode-tiles").addEventListener("click", () => setMode("tiles"));
  $("plan-file").addEventListener("change", (e) => upload(e.target.files[0]));
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && pinning) {
      pinning = null;
      $("pin-hint").classList.add("hidden");
      document.body.classList.remove("pinning");
    }
  });
  setMode(plan.image || !plan.tiles ? "plan" : "tiles");
  document.body.dataset.ready = "true";
  window.setInterval(() => {
    if (!document.hidden) refresh();
  }, REFRESH_S * 1000);
}

start();
