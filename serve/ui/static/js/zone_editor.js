// Drawing zones on a camera's frame: polygons in the camera's own pixels, drawn with the
// mouse (click the corners, double-click or Enter to finish, Esc to stop), moved whole or
// corner by corner, a corner added by double-clicking an edge or removed by Alt+click,
// nudged with the arrow keys (Shift: 10 px), a zone deleted with Delete.

import { s } from "./dom.js";
import { ZONE_COLORS } from "./overlay.js";

// corner handles this many screen pixels across, whatever the frame's zoom
const HANDLE_PX = 7;

function clone(zones) {
  return zones.map((z) => ({ ...z, polygon: z.polygon.map(([x, y]) => [x, y]) }));
}

/** The point on segment a-b nearest to p, and its distance. */
function nearestOnSegment(p, a, b) {
  const [dx, dy] = [b[0] - a[0], b[1] - a[1]];
  const len = dx * dx + dy * dy || 1;
  const k = Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len));
  const q = [a[0] + k * dx, a[1] + k * dy];
  return [q, Math.hypot(p[0] - q[0], p[1] - q[1])];
}

export class ZoneEditor {
  /** Edit zones over `view` (a FrameView); `onChange(editor, edited)` after every change
   * (`edited`: the zones changed, not only the selection). */
  constructor(view, onChange) {
    this.view = view;
    this.onChange = onChange;
    this.zones = [];
    this.selected = -1;
    this.drawing = null; // corners of a zone being drawn
    this.hover = null;
    this.drag = null;
    this.extra = []; // shapes drawn under the zones (detections)
    const svg = view.svg;
    svg.classList.add("editing");
    svg.addEventListener("pointerdown", (e) => this.down(e));
    svg.addEventListener("pointermove", (e) => this.move(e));
    svg.addEventListener("pointerup", (e) => this.up(e));
    svg.addEventListener("dblclick", (e) => this.doubleClick(e));
  }

  setZones(zones) {
    this.zones = clone(zones);
    this.selected = Math.min(this.selected, this.zones.length - 1);
    this.drawing = null;
    this.render();
  }

  select(i) {
    this.selected = i;
    this.render();
    this.onChange(this, false);
  }

  /** Start drawing a new zone (`fields`: its id, type and the rest). */
  startDrawing(fields) {
    this.drawing = { fields, points: [] };
    this.selected = -1;
    this.render();
    this.onChange(this, false);
  }

  cancelDrawing() {
    this.drawing = null;
    this.render();
    this.onChange(this, false);
  }

  finishDrawing() {
    const d = this.drawing;
    if (!d) return false;
    if (d.points.length < 3) return false;
    this.zones.push({ ...d.fields, polygon: d.points });
    this.drawing = null;
    this.selected = this.zones.length - 1;
    this.changed();
    return true;
  }

  deleteSelected() {
    if (this.selected < 0) return;
    this.zones.splice(this.selected, 1);
    this.selected = Math.min(this.selected, this.zones.length - 1);
    this.changed();
  }

  /** Set a field of the selected zone. */
  update(field, value) {
    const z = this.zones[this.selected];
    if (!z) return;
    if (value === null || value === "") delete z[field];
    else z[field] = value;
    this.changed();
  }

  changed() {
    this.render();
    this.onChange(this, true);
  }

  pixels(px) {
    const r = this.view.svg.getBoundingClientRect();
    return (px * (this.view.width || 1)) / (r.width || 1);
  }

  down(e) {
    if (e.button !== 0) return;
    const p = this.view.point(e);
    if (this.drawing) {
      const first = this.drawing.points[0];
      if (this.drawing.points.length >= 3 && first && Math.hypot(p[0] - first[0], p[1] - first[1]) < this.pixels(HANDLE_PX * 1.5)) {
        this.finishDrawing();
      } else {
        this.drawing.points.push(p);
        this.render();
      }
      e.preventDefault();
      return;
    }
    const corner = e.target.dataset.corner;
    const zone = e.target.closest("[data-index]");
    if (corner !== undefined && this.selected >= 0) {
      const z = this.zones[this.selected];
      if (e.altKey && z.polygon.length > 3) {
        z.polygon.splice(Number(corner), 1);
        this.changed();
      } else {
        this.drag = { corner: Number(corner), from: p };
        this.view.svg.setPointerCapture(e.pointerId);
      }
    } else if (zone) {
      const i = Number(zone.dataset.index);
      if (i !== this.selected) this.select(i);
      this.drag = { whole: true, from: p, start: this.zones[i].polygon.map(([x, y]) => [x, y]) };
      this.view.svg.setPointerCapture(e.pointerId);
    } else if (this.selected >= 0) {
      this.select(-1);
    }
    e.preventDefault();
  }

  move(e) {
    const p = this.view.point(e);
    if (this.drawing) {
      this.hover = p;
      this.render();
      return;
    }
    if (!this.drag || this.selected < 0) return;
    const z = this.zones[this.selected];
    if (this.drag.whole) {
      const [dx, dy] = [p[0] - this.drag.from[0], p[1] - this.drag.from[1]];
      z.polygon = this.drag.start.map(([x, y]) => this.clamp([x + dx, y + dy]));
    } else {
      z.polygon[this.drag.corner] = p;
    }
    this.drag.moved = true;
    this.render();
  }

  up(e) {
    if (!this.drag) return;
    const moved = this.drag.moved;
    this.drag = null;
    if (this.view.svg.hasPointerCapture(e.pointerId)) this.view.svg.releasePointerCapture(e.pointerId);
    if (moved) this.changed();
  }

  doubleClick(e) {
    if (this.drawing) {
      // the double-click's two clicks added the last corner twice
      this.drawing.points.pop();
      this.finishDrawing();
      return;
    }
    const z = this.zones[this.selected];
    if (!z) return;
    const p = this.view.point(e);
    let best = null;
    z.polygon.forEach((a, i) => {
      const b = z.polygon[(i + 1) % z.polygon.length];
      const [q, d] = nearestOnSegment(p, a, b);
      if (!best || d < best.d) best = { i, q, d };
    });
    if (best && best.d < this.pixels(HANDLE_PX * 2)) {
      z.polygon.splice(best.i + 1, 0, best.q.map(Math.round));
      this.changed();
    }
  }

  clamp([x, y]) {
    return [Math.min(this.view.width, Math.max(0, x)), Math.min(this.view.height, Math.max(0, y))];
  }

  /** Keys while the editor has the page: true when it used the key. */
  onKey(e) {
    if (this.drawing) {
      if (e.key === "Enter") this.finishDrawing();
      else if (e.key === "Escape") this.cancelDrawing();
      else if (e.key === "Backspace") {
        this.drawing.points.pop();
        this.render();
      } else return false;
      return true;
    }
    const z = this.zones[this.selected];
    if (!z) return false;
    const step = e.shiftKey ? 10 : 1;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (moves[e.key]) {
      const [dx, dy] = moves[e.key];
      z.polygon = z.polygon.map(([x, y]) => this.clamp([x + dx, y + dy]));
      this.changed();
    } else if (e.key === "Delete") this.deleteSelected();
    else if (e.key === "Escape") this.select(-1);
    else return false;
    return true;
  }

  render() {
    const r = this.pixels(HANDLE_PX) / 2;
    const shapes = this.zones.map((z, i) => {
      const color = ZONE_COLORS[z.type] || "#ffc400";
      const points = z.polygon.map(([x, y]) => `${x},${y}`).join(" ");
      const mine = i === this.selected;
      return s(
        "g",
        { class: mine ? "zone-shape selected" : "zone-shape", dataset: { index: i, zone: z.id } },
        s("polygon", { points, stroke: color, fill: color, class: "zone-area" }),
        s("text", { x: z.polygon[0][0] + 4, y: z.polygon[0][1] + 16, fill: color, class: "zone-label" }, z.name || z.id),
        mine ? z.polygon.map(([x, y], k) => s("circle", { cx: x, cy: y, r, class: "corner", dataset: { corner: k } })) : null,
      );
    });
    let draft = null;
    if (this.drawing) {
      const pts = [...this.drawing.points, ...(this.hover ? [this.hover] : [])];
      draft = s(
        "g",
        { class: "zone-draft" },
        s("polyline", { points: pts.map(([x, y]) => `${x},${y}`).join(" ") }),
        this.drawing.points.map(([x, y]) => s("circle", { cx: x, cy: y, r, class: "corner" })),
      );
    }
    this.view.draw(this.extra, shapes, draft);
  }
}
