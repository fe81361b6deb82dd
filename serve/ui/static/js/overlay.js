// A camera frame with its zones and detections drawn over it as SVG in the camera's own
// pixels (the frame may be served smaller): the camera wall, the camera page and the zone
// editor draw the same way.

import { h, s } from "./dom.js";

// a colour per zone type, so a wall of cameras reads at a glance
export const ZONE_COLORS = {
  no_parking: "#ff5252",
  sidewalk: "#ffc400",
  roadway: "#90a4ae",
  ad_permitted: "#69f0ae",
  ad_prohibited: "#ff6e40",
  wall: "#b388ff",
  ignore: "#9e9e9e",
  no_nonmotor_parking: "#40c4ff",
};

/** The SVG shapes of `zones` ({id, type, polygon, name}). */
export function zoneShapes(zones, { labels = true } = {}) {
  return zones.map((z) => {
    const color = ZONE_COLORS[z.type] || "#ffc400";
    const points = z.polygon.map(([x, y]) => `${x},${y}`).join(" ");
    const [lx, ly] = z.polygon[0] || [0, 0];
    return s(
      "g",
      { class: "zone-shape", dataset: { zone: z.id } },
      s("polygon", { points, stroke: color, fill: color, class: "zone-area" }),
      s("title", {}, `${z.name || z.id} (${z.type})`),
      labels ? s("text", { x: lx + 4, y: ly + 16, fill: color, class: "zone-label" }, z.name || z.id) : null,
    );
  });
}

/** The SVG shapes of `detections` ({label, confidence, box}), named with `nameOf(label)`. */
export function detectionShapes(detections, nameOf = (l) => l) {
  return detections.map((d) => {
    const [x1, y1, x2, y2] = d.box;
    return s(
      "g",
      { class: "det" },
      s("rect", { x: x1, y: y1, width: x2 - x1, height: y2 - y1 }),
      s("text", { x: x1 + 2, y: Math.max(12, y1 - 4) }, `${nameOf(d.label)} ${d.confidence.toFixed(2)}`),
    );
  });
}

/** A frame of `width` x `height` camera pixels: an <img> under an <svg> in those pixels. */
export class FrameView {
  constructor(container, { alt = "" } = {}) {
    this.img = h("img", { alt, draggable: "false" });
    this.svg = s("svg", { class: "frame-overlay", preserveAspectRatio: "none" });
    this.box = h("div", { class: "frame-box" }, this.img, this.svg);
    this.at = null;
    container.append(this.box);
  }

  /** Show `frame` ({url, at, width, height}); the picture changes only when `at` does,
   * loaded before it replaces the old one (no flicker on a wall refreshed every 3 s). */
  setFrame(frame) {
    if (!frame) {
      this.at = null;
      this.img.removeAttribute("src");
      this.box.classList.add("no-frame");
      return;
    }
    this.size(frame.width, frame.height);
    this.box.classList.remove("no-frame");
    if (frame.at === this.at) return;
    this.at = frame.at;
    const next = new Image();
    next.onload = () => {
      if (this.at === frame.at) this.img.src = next.src;
    };
    next.src = frame.url;
  }

  /** Size the drawing in camera pixels (an uploaded snapshot has no frame record). */
  size(width, height) {
    this.width = width;
    this.height = height;
    this.svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    this.box.style.aspectRatio = `${width} / ${height}`;
    this.box.style.setProperty("--ar", String(width / height));
  }

  /** Replace what is drawn over the frame. */
  draw(...shapes) {
    this.svg.replaceChildren(...shapes.flat().filter(Boolean));
  }

  /** A mouse event's point in camera pixels. */
  point(event) {
    const r = this.svg.getBoundingClientRect();
    const x = ((event.clientX - r.left) / r.width) * this.width;
    const y = ((event.clientY - r.top) / r.height) * this.height;
    return [Math.round(Math.min(this.width, Math.max(0, x))), Math.round(Math.min(this.height, Math.max(0, y)))];
  }
}
