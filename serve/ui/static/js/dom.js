// Small DOM helpers shared by the pages.

const SVG_NS = "http://www.w3.org/2000/svg";

/** An HTML element: h("li", {class: "x", onclick: fn}, child, "text"). */
export function h(tag, attrs = {}, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

/** An SVG element, like h(). */
export function s(tag, attrs = {}, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children);
}

function fill(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Replace the children of `el`. */
export function replace(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined));
}

/** "2026-11-23T10:00:05+08:00" as "2026-11-23 10:00:05" (the camera's own clock). */
export function localTime(iso) {
  if (!iso) return "";
  return iso.replace("T", " ").replace(/(\.\d+)?([+-]\d\d:\d\d|Z)$/, "");
}

/** Today, or `days` from today, as YYYY-MM-DD in the browser's time zone. */
export function isoDate(days = 0) {
  const d = new Date();
  d.setDate(d.getDate() + days);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Midnight of YYYY-MM-DD in the browser's time zone, as ISO-8601 with its offset. */
export function midnightISO(date) {
  const d = new Date(`${date}T00:00:00`);
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? "+" : "-";
  const pad = (n) => String(Math.floor(Math.abs(n))).padStart(2, "0");
  return `${date}T00:00:00${sign}${pad(off / 60)}:${pad(off % 60)}`;
}
