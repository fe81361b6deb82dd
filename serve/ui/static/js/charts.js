// Bar charts drawn by Apache ECharts (vendored, Apache-2.0; the global `echarts`): a
// title, a legend, both axes with their titles, bars stacked or side by side, a tooltip.
// Canvas rendering (nothing inline for the page's style policy to refuse). A chart is
// drawn once its box has a size, and redrawn when the box changes.

import { h } from "./dom.js";

const echarts = window.echarts;

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

export function formatPercent(v) {
  if (v === null || v === undefined) return "—";
  return `${(v * 100).toFixed(1).replace(/\.0$/, "")}%`;
}

/** A category label cut to `max` characters, so rotated labels stay inside the chart. */
function short(text, max = 9) {
  const chars = [...String(text)];
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : String(text);
}

function option(o) {
  const fmt = o.percent ? formatPercent : (v) => String(v);
  const rotate = o.categories.length > 8 || o.categories.some((c) => String(c).length > 6);
  const empty = !o.series.some((se) => se.values.some((v) => v !== null && v !== undefined && v > 0));
  const font = getComputedStyle(document.body).fontFamily;
  return {
    animation: false,
    textStyle: { fontFamily: font },
    color: PALETTE,
    title: { text: o.title, left: "center", top: 4, textStyle: { fontSize: 14, fontFamily: font } },
    legend: { top: 28, itemWidth: 12, itemHeight: 10, data: o.series.map((se) => se.name) },
    grid: { left: 58, right: 16, top: 62, bottom: rotate ? 80 : 56 },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: (v) => fmt(v) },
    xAxis: {
      type: "category",
      data: o.categories,
      name: o.xLabel,
      nameLocation: "middle",
      nameGap: rotate ? 62 : 34,
      axisLabel: { rotate: rotate ? 35 : 0, interval: "auto", formatter: (v) => short(v) },
    },
    yAxis: {
      type: "value",
      name: o.yLabel,
      nameLocation: "middle",
      nameGap: 44,
      max: o.percent ? 1 : null,
      minInterval: o.percent ? 0 : 1,
      axisLabel: { formatter: (v) => fmt(Number(v.toFixed(4))) },
    },
    series: o.series.map((se, i) => ({
      name: se.name,
      type: "bar",
      stack: o.stacked ? "all" : undefined,
      data: se.values,
      barMaxWidth: 48,
      itemStyle: { color: se.color || PALETTE[i % PALETTE.length] },
    })),
    graphic: empty
      ? [{ type: "text", left: "center", top: "middle", style: { text: o.empty || "", fill: "#5d6b7a", fontSize: 13 } }]
      : [],
    aria: { enabled: true },
  };
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
 * @param {number} [o.height] px (320)
 * @returns {HTMLElement} the chart's box; ECharts draws in it once it is laid out
 */
export function barChart(o) {
  const el = h("div", { class: "echart", role: "img", "aria-label": o.title });
  el.style.height = `${o.height || 320}px`;
  const opts = option(o);
  const watch = new ResizeObserver(() => {
    if (!el.isConnected) {
      watch.disconnect();
      echarts.getInstanceByDom(el)?.dispose();
      return;
    }
    if (!el.clientWidth) return;
    const chart = echarts.getInstanceByDom(el);
    if (chart) chart.resize();
    else echarts.init(el, null, { renderer: "canvas" }).setOption(opts);
  });
  watch.observe(el);
  return el;
}

/** Let go of the charts under `root` (before it is emptied or refilled). */
export function disposeCharts(root) {
  for (const el of root.querySelectorAll(".echart")) echarts.getInstanceByDom(el)?.dispose();
}
