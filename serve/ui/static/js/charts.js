// Bar charts drawn as inline SVG: a title, a legend, both axes with their titles, grid
// lines, and bars (stacked or side by side) with a tooltip each. No library.

import { s } from "./dom.js";

export const PALETTE = [
  "#1769aa",
  "#e07b00",
  "#2e8b57",
  "#9c27b0",
  "#c62828",
  "#00838f",
  "#6d4c41",
  "#5c6bc0",
];

const MARGIN = { top: 52, right: 16, bottom: 74, left: 58 };

/** A tick step of 1, 2 or 5 × 10^k giving about `count` ticks up to `max` (counts: >= 1). */
function niceStep(max, count = 5) {
  const raw = Math.max(max / count, 1);
  const pow = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * pow).find((step) => step >= raw);
}

export function formatPercent(v) {
  if (v === null || v === undefined) return "—";
  return `${(v * 100).toFixed(1).replace(/\.0$/, "")}%`;
}

/**
 * @param {object} o
 * @param {string} o.title
 * @param {string[]} o.categories x-axis labels
 * @param {{name: string, values: (number|null)[], color?: string}[]} o.series
 * @param {boolean} [o.stacked] stack the series (else side by side)
 * @param {boolean} [o.percent] values are rates in [0, 1]
 * @param {string} [o.xLabel] @param {string} [o.yLabel] axis titles
 * @param {string} [o.empty] text shown when there is nothing to draw
 * @returns {SVGSVGElement}
 */
export function barChart(o) {
  const width = o.width || 640;
  const height = o.height || 320;
  const pw = width - MARGIN.left - MARGIN.right;
  const ph = height - MARGIN.top - MARGIN.bottom;
  const n = o.categories.length;
  const series = o.series.map((se, i) => ({
    ...se,
    color: se.color || PALETTE[i % PALETTE.length],
  }));
  const value = (se, i) => se.values[i];
  const heights = o.categories.map((_, i) =>
    o.stacked
      ? series.reduce((sum, se) => sum + (value(se, i) || 0), 0)
      : Math.max(0, ...series.map((se) => value(se, i) || 0)),
  );
  const top = Math.max(0, ...heights);
  const step = o.percent ? 0.25 : niceStep(top);
  const yMax = o.percent ? 1 : Math.max(step, Math.ceil(top / step) * step);
  const y = (v) => MARGIN.top + ph - (v / yMax) * ph;
  const fmt = o.percent ? formatPercent : (v) => String(v);

  const svg = s("svg", {
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": o.title,
    class: "bar-chart",
  });
  svg.append(s("title", {}, o.title));
  svg.append(s("text", { class: "title", x: width / 2, y: 18, "text-anchor": "middle" }, o.title));
  svg.append(legend(series, width));

  const grid = s("g", { class: "grid" });
  const yAxis = s("g", { class: "axis y-axis" });
  for (let v = 0; v <= yMax + 1e-9; v += step) {
    grid.append(s("line", { x1: MARGIN.left, x2: MARGIN.left + pw, y1: y(v), y2: y(v) }));
    yAxis.append(
      s(
        "text",
        { x: MARGIN.left - 6, y: y(v) + 4, "text-anchor": "end" },
        fmt(Number(v.toFixed(4))),
      ),
    );
  }
  yAxis.append(
    s("line", { x1: MARGIN.left, x2: MARGIN.left, y1: MARGIN.top, y2: MARGIN.top + ph }),
  );
  if (o.yLabel) {
    const cy = MARGIN.top + ph / 2;
    yAxis.append(
      s(
        "text",
        {
          class: "axis-title",
          x: 14,
          y: cy,
          transform: `rotate(-90 14 ${cy})`,
          "text-anchor": "middle",
        },
        o.yLabel,
      ),
    );
  }
  svg.append(grid, yAxis);

  const band = n ? pw / n : pw;
  const groupW = band * 0.72;
  const bars = s("g", { class: "bars" });
  const xAxis = s("g", { class: "axis x-axis" });
  const every = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(pw / 34))));
  const rotate = n > 8 || o.categories.some((c) => String(c).length > 6);
  o.categories.forEach((cat, i) => {
    const x0 = MARGIN.left + band * i + (band - groupW) / 2;
    let base = 0;
    series.forEach((se, k) => {
      const v = value(se, i);
      const bw = o.stacked ? groupW : groupW / series.length;
      const bx = o.stacked ? x0 : x0 + bw * k;
      if (v === null || v === undefined) {
        if (!o.stacked) {
          bars.append(
            s("text", { class: "na", x: bx + bw / 2, y: y(0) - 4, "text-anchor": "middle" }, "—"),
          );
        }
        return;
      }
      if (v <= 0) return;
      const y1 = o.stacked ? y(base + v) : y(v);
      const y2 = o.stacked ? y(base) : y(0);
      base += o.stacked ? v : 0;
      bars.append(
        s(
          "rect",
          {
            class: "bar",
            x: bx,
            y: y1,
            width: Math.max(1, bw - 1),
            height: Math.max(0.5, y2 - y1),
            fill: se.color,
          },
          s("title", {}, `${cat} · ${se.name}: ${fmt(v)}`),
        ),
      );
    });
    if (i % every === 0) {
      const lx = MARGIN.left + band * (i + 0.5);
      const ly = MARGIN.top + ph + 14;
      xAxis.append(
        s(
          "text",
          {
            x: lx,
            y: ly,
            "text-anchor": rotate ? "end" : "middle",
            transform: rotate ? `rotate(-35 ${lx} ${ly})` : null,
          },
          short(String(cat)),
          s("title", {}, String(cat)),
        ),
      );
    }
  });
  xAxis.append(s("line", { x1: MARGIN.left, x2: MARGIN.left + pw, y1: y(0), y2: y(0) }));
  if (o.xLabel) {
    xAxis.append(
      s(
        "text",
        { class: "axis-title", x: MARGIN.left + pw / 2, y: height - 6, "text-anchor": "middle" },
        o.xLabel,
      ),
    );
  }
  svg.append(bars, xAxis);
  if (!bars.childNodes.length) {
    svg.append(
      s(
        "text",
        {
          class: "empty",
          x: MARGIN.left + pw / 2,
          y: MARGIN.top + ph / 2,
          "text-anchor": "middle",
        },
        o.empty || "",
      ),
    );
  }
  return svg;
}

/** A category label cut to `max` characters, so rotated labels stay inside the chart. */
function short(text, max = 9) {
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : text;
}

function legend(series, width) {
  const g = s("g", { class: "legend" });
  // about 7 px per Latin character, 12 per Chinese one, plus the swatch
  const widths = series.map(
    (se) => 22 + [...se.name].reduce((w, ch) => w + (ch.charCodeAt(0) > 0x2e80 ? 12 : 7), 0),
  );
  const total = widths.reduce((a, b) => a + b, 0);
  let x = Math.max(MARGIN.left, (width - total) / 2);
  series.forEach((se, i) => {
    g.append(
      s("rect", { class: "swatch", x, y: 28, width: 11, height: 11, fill: se.color }),
      s("text", { x: x + 15, y: 38 }, se.name),
    );
    x += widths[i];
  });
  return g;
}
