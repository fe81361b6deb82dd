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
