// The console's pages, linked from the top bar of each (the page shown marked): one list
// here instead of a copy in every page. Filled when imported, before the page translates.

import { h, replace } from "./dom.js";

// [path, string key]
const PAGES = [
  ["/review", "nav.review"],
  ["/cases", "nav.cases"],
  ["/stats", "nav.stats"],
  ["/phones", "nav.phones"],
];

function fillNav() {
  const nav = document.querySelector(".topbar nav");
  if (!nav) return;
  const here = window.location.pathname;
  replace(
    nav,
    PAGES.map(([path, key]) =>
      h(
        "a",
        {
          href: path,
          "aria-current": here === path || here.startsWith(`${path}/`) ? "page" : null,
          dataset: { i18n: key },
        },
        key,
      ),
    ),
  );
}

fillNav();
