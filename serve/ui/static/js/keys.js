// The review page's keyboard shortcuts: shown in the footer, in the help (?) and on buttons.

import { h, replace } from "./dom.js";
import { t } from "./i18n.js";

// [keys as shown, i18n key of what they do, shown in the footer too]
export const SHORTCUTS = [
  [["J", "↓"], "key.next", true],
  [["K", "↑"], "key.prev", true],
  [["Y"], "key.confirm", true],
  [["N"], "key.reject", true],
  [["1", "–", "6"], "key.reasons", true],
  [["X"], "key.select", true],
  [["A"], "key.select_all", false],
  [["⇧Y"], "key.bulk_confirm", true],
  [["⇧N"], "key.bulk_reject", true],
  [["U"], "key.undo", true],
  [["E"], "key.edit", true],
  [["L"], "key.class", true],
  [["V"], "key.view", true],
  [["+", "−", "0"], "key.zoom", false],
  [["R"], "key.reload", false],
  [["T"], "key.lang", true],
  [["?"], "key.help", true],
];

function kbds(keys) {
  return keys.map((k) => (k === "–" ? " – " : h("kbd", {}, k)));
}

/** The one-line reminder at the bottom of the page. */
export function renderFooter(el) {
  replace(
    el,
    SHORTCUTS.filter(([, , footer]) => footer).map(([keys, what]) =>
      h("span", {}, ...kbds(keys), " ", t(what)),
    ),
  );
}

/** The full table in the help dialog. */
export function renderHelp(table) {
  replace(
    table,
    SHORTCUTS.map(([keys, what]) => h("tr", {}, h("td", {}, ...kbds(keys)), h("td", {}, t(what)))),
  );
}

export function toggleHelp(show) {
  const el = document.getElementById("help-dialog");
  el.classList.toggle("hidden", show === undefined ? !el.classList.contains("hidden") : !show);
}

/** Arrows nudge the box being edited (Shift: 10 px, Alt: its far corner), Enter keeps it,
 * Escape reverts it; false for any other key. */
function onEditKey(e, viewer, revertBox) {
  const arrows = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
  if (e.key in arrows) {
    const step = e.shiftKey ? 10 : 1;
    const [dx, dy] = arrows[e.key];
    viewer.nudge(dx * step, dy * step, e.altKey);
  } else if (e.key === "Enter") {
    viewer.setEditing(false);
  } else if (e.key === "Escape") {
    revertBox();
  } else {
    return false;
  }
  e.preventDefault();
  return true;
}

/** A key pressed on the review page, to whoever takes it first: an open dialog, the help,
 * a form field, the box being edited, then `actions` (by key; letters by the Shift key, not
 * their case, so Caps Lock does not turn Y into bulk confirm). */
export function routeKey(e, { dialogs, viewer, revertBox, actions }) {
  if (e.ctrlKey || e.metaKey) return;
  const open = dialogs.find((d) => d && d.isOpen);
  if (open) return open.onKey(e);
  if (!document.getElementById("help-dialog").classList.contains("hidden")) {
    if (e.key === "Escape" || e.key === "?") {
      e.preventDefault();
      toggleHelp(false);
    }
    return;
  }
  const tag = e.target.tagName;
  if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") {
    if (e.key === "Escape" || (e.key === "Enter" && tag === "SELECT")) {
      e.preventDefault();
      e.target.blur();
    }
    return;
  }
  if (viewer.editing && onEditKey(e, viewer, revertBox)) return;
  if (e.altKey) return;
  const key = e.key;
  const letter = /^[a-z]$/i.test(key);
  const action = letter ? actions[e.shiftKey ? key.toUpperCase() : key.toLowerCase()] : actions[key];
  if (!action) return;
  e.preventDefault();
  action();
}
