// The top bar every page shares, built here instead of copied into each page: the app's
// name, the console's pages (the one shown marked), who is signed in (#user) and the
// language switch (#lang). A page's own buttons in its <header class="topbar"> stay, before
// the switch. Built when imported, before the page translates its static text.

import { h } from "./dom.js";

// [path, string key]
const PAGES = [
  ["/review", "nav.review"],
  ["/cases", "nav.cases"],
  ["/cameras", "nav.cameras"],
  ["/map", "nav.map"],
  ["/stats", "nav.stats"],
  ["/phones", "nav.phones"],
  ["/ledger", "nav.ledger"],
];

function buildTopbar() {
  const bar = document.querySelector("header.topbar");
  if (!bar) return;
  const here = window.location.pathname;
  const links = PAGES.map(([path, key]) =>
    h(
      "a",
      {
        href: path,
        "aria-current": here === path || here.startsWith(`${path}/`) ? "page" : null,
        dataset: { i18n: key },
      },
      key,
    ),
  );
  const own = [...bar.children];
  bar.replaceChildren(
    h("h1", { dataset: { i18n: "app.name" } }, "街面巡查"),
    h("nav", { "aria-label": "pages" }, links),
    h("span", { class: "spacer" }),
    h("span", { class: "user", id: "user" }),
    ...own,
    h("button", { type: "button", id: "lang", dataset: { i18n: "lang.switch" } }, "English"),
  );
}

buildTopbar();
