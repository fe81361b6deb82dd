// The evidence viewer: one frame, zoomable (wheel, +/-) and pannable, with the case's box
// and zone drawn as SVG in the frame's own pixels, so an edited box needs no mapping back.

import { h, s, replace } from "./dom.js";

const MIN_ZOOM = 0.5;
const MAX_ZOOM = 16;
const MIN_SIDE = 4; // px: the smallest box an edit can leave
// frames taken by the same camera view, on which the box and zones line up
const OVERLAY_KINDS = new Set(["original", "before", "start", "dwell"]);
const CORNERS = ["nw", "ne", "sw", "se"];

export class EvidenceViewer {
  /**
   * @param {HTMLElement} root the .viewer element
   * @param {{onBoxChange?: (box: number[]) => void, onZoom?: (zoom: number) => void}} hooks
   */
  constructor(root, hooks = {}) {
    this.root = root;
    this.hooks = hooks;
    this.img = h("img", { alt: "", draggable: "false" });
    this.svg = s("svg", { class: "overlay", "aria-hidden": "true" });
    this.stage = h("div", { class: "stage" }, this.img, this.svg);
    this.note = h("div", { class: "note hidden" });
    root.append(this.stage, this.note);
    this.width = 1;
    this.height = 1;
    this.fit = 1;
    this.zoom = 1;
    this.tx = 0;
    this.ty = 0;
    this.kind = null;
    this.zones = [];
    this.zoneId = null;
    this.box = null;
    this.detected = null;
    this.editing = false;
    this.drag = null;
    root.addEventListener("wheel", (e) => this.onWheel(e), { passive: false });
    root.addEventListener("pointerdown", (e) => this.onPointerDown(e));
    root.addEventListener("pointermove", (e) => this.onPointerMove(e));
    root.addEventListener("pointerup", (e) => this.onPointerUp(e));
    root.addEventListener("pointercancel", (e) => this.onPointerUp(e));
    new ResizeObserver(() => this.resetZoom()).observe(root);
  }

  /** Show evidence `item` ({kind, url, width, height}) with the box and zones over it. */
  show(item, { box, detected, zones, zoneId }) {
    const changed = this.img.getAttribute("src") !== item.url;
    this.kind = item.kind;
    this.width = item.width;
    this.height = item.height;
    this.box = box ? [...box] : null;
    this.detected = detected ? [...detected] : null;
    this.zones = zones || [];
    this.zoneId = zoneId;
    this.img.width = item.width;
    this.img.height = item.height;
    this.svg.setAttribute("viewBox", `0 0 ${item.width} ${item.height}`);
    this.svg.setAttribute("width", item.width);
    this.svg.setAttribute("height", item.height);
    if (changed) this.img.src = item.url;
    this.stage.hidden = false;
    if (!OVERLAY_KINDS.has(this.kind)) this.editing = false;
    this.resetZoom();
  }

  clear() {
    // no case: nothing is drawn (an <img> sized but without a source shows a broken icon)
    this.stage.hidden = true;
    this.img.removeAttribute("src");
    this.kind = null;
    this.box = null;
    this.editing = false;
    replace(this.svg);
  }

  get scale() {
    return this.fit * this.zoom;
  }

  get canEdit() {
    return this.kind === "original" && this.box !== null;
  }

  setEditing(on, hint = "") {
    this.editing = Boolean(on) && this.canEdit;
    this.note.textContent = hint;
    this.note.classList.toggle("hidden", !this.editing || !hint);
    this.draw();
  }

  resetZoom() {
    const rw = this.root.clientWidth || 1;
    const rh = this.root.clientHeight || 1;
    this.fit = Math.min(rw / this.width, rh / this.height);
    this.zoom = 1;
    this.tx = (rw - this.width * this.fit) / 2;
    this.ty = (rh - this.height * this.fit) / 2;
    this.apply();
  }

  /** Zoom by `factor` keeping the point (cx, cy) of the viewer (default: its centre) still. */
  zoomBy(factor, cx = this.root.clientWidth / 2, cy = this.root.clientHeight / 2) {
    const before = this.scale;
    this.zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, this.zoom * factor));
    const ratio = this.scale / before;
    this.tx = cx - (cx - this.tx) * ratio;
    this.ty = cy - (cy - this.ty) * ratio;
    this.apply();
  }

  apply() {
    this.stage.style.transform = `translate(${this.tx}px, ${this.ty}px) scale(${this.scale})`;
    this.draw();
    if (this.hooks.onZoom) this.hooks.onZoom(this.zoom);
  }

  /** Move the box by (dx, dy) frame pixels, or with `resize` move its bottom-right corner. */
  nudge(dx, dy, resize = false) {
    if (!this.editing) return;
    const [x1, y1, x2, y2] = this.box;
    if (resize) {
      this.box = this.clampBox([
        x1,
        y1,
        Math.max(x1 + MIN_SIDE, x2 + dx),
        Math.max(y1 + MIN_SIDE, y2 + dy),
      ]);
    } else {
      this.box = this.moveBox([x1, y1, x2, y2], dx, dy);
    }
    this.draw();
    this.changed();
  }

  setBox(box) {
    this.box = box ? [...box] : null;
    this.draw();
  }

  changed() {
    if (this.hooks.onBoxChange) this.hooks.onBoxChange([...this.box]);
  }

  clampBox([x1, y1, x2, y2]) {
    const cx = (v) => Math.min(this.width, Math.max(0, v));
    const cy = (v) => Math.min(this.height, Math.max(0, v));
    return [cx(x1), cy(y1), cx(x2), cy(y2)];
  }

  moveBox([x1, y1, x2, y2], dx, dy) {
    const mx = Math.min(this.width - x2, Math.max(-x1, dx));
    const my = Math.min(this.height - y2, Math.max(-y1, dy));
    return [x1 + mx, y1 + my, x2 + mx, y2 + my];
  }

  /** Frame pixels under a pointer event. */
  toFrame(e) {
    const r = this.root.getBoundingClientRect();
    return [
      (e.clientX - r.left - this.tx) / this.scale,
      (e.clientY - r.top - this.ty) / this.scale,
    ];
  }

  onWheel(e) {
    if (!this.kind) return;
    e.preventDefault();
    const r = this.root.getBoundingClientRect();
    this.zoomBy(e.deltaY < 0 ? 1.2 : 1 / 1.2, e.clientX - r.left, e.clientY - r.top);
  }

  onPointerDown(e) {
    if (e.button !== 0 || !this.kind) return;
    const handle = e.target.dataset ? e.target.dataset.handle : undefined;
    if (this.editing && handle) {
      this.drag = { mode: handle, start: this.toFrame(e), box: [...this.box] };
    } else {
      this.drag = { mode: "pan", x: e.clientX, y: e.clientY, tx: this.tx, ty: this.ty };
      this.root.classList.add("panning");
    }
    this.root.setPointerCapture(e.pointerId);
    e.preventDefault();
  }

  onPointerMove(e) {
    const d = this.drag;
    if (!d) return;
    if (d.mode === "pan") {
      this.tx = d.tx + e.clientX - d.x;
      this.ty = d.ty + e.clientY - d.y;
      this.stage.style.transform = `translate(${this.tx}px, ${this.ty}px) scale(${this.scale})`;
      return;
    }
    const [px, py] = this.toFrame(e);
    const [x1, y1, x2, y2] = d.box;
    if (d.mode === "move") {
      this.box = this.moveBox(d.box, px - d.start[0], py - d.start[1]);
    } else {
      // the dragged corner follows the pointer; the opposite corner stays put
      const west = d.mode.includes("w");
      const north = d.mode.includes("n");
      const nx1 = west ? Math.min(px, x2 - MIN_SIDE) : x1;
      const nx2 = west ? x2 : Math.max(px, x1 + MIN_SIDE);
      const ny1 = north ? Math.min(py, y2 - MIN_SIDE) : y1;
      const ny2 = north ? y2 : Math.max(py, y1 + MIN_SIDE);
      this.box = this.clampBox([nx1, ny1, nx2, ny2]);
    }
    this.draw();
  }

  onPointerUp(e) {
    const d = this.drag;
    if (!d) return;
    this.drag = null;
    this.root.classList.remove("panning");
    if (this.root.hasPointerCapture(e.pointerId)) this.root.releasePointerCapture(e.pointerId);
    if (d.mode !== "pan") this.changed();
  }

  draw() {
    this.svg.classList.toggle("editing", this.editing);
    if (!OVERLAY_KINDS.has(this.kind)) {
      replace(this.svg);
      return;
    }
    const items = [];
    for (const zone of this.zones) {
      const mine = zone.id === this.zoneId;
      const points = zone.polygon.map(([x, y]) => `${x},${y}`).join(" ");
      items.push(
        s(
          "polygon",
          { class: mine ? "zone" : "zone other", points },
          s("title", {}, zone.name || zone.id),
        ),
      );
    }
    const rect = ([x1, y1, x2, y2], cls, extra = {}) =>
      s("rect", { class: cls, x: x1, y: y1, width: x2 - x1, height: y2 - y1, ...extra });
    if (this.detected && this.box && !sameBox(this.detected, this.box)) {
      items.push(rect(this.detected, "detected"));
    }
    if (this.box) {
      items.push(rect(this.box, "box", this.editing ? { "data-handle": "move" } : {}));
      if (this.editing) {
        const r = 7 / this.scale;
        const [x1, y1, x2, y2] = this.box;
        const at = { nw: [x1, y1], ne: [x2, y1], sw: [x1, y2], se: [x2, y2] };
        for (const c of CORNERS) {
          items.push(
            s("circle", { class: `handle ${c}`, cx: at[c][0], cy: at[c][1], r, "data-handle": c }),
          );
        }
      }
    }
    replace(this.svg, items);
  }
}

export function sameBox(a, b) {
  return a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) < 0.05);
}
