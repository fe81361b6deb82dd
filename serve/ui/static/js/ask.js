// A yes/no question in the page (not window.confirm): Enter or Y says yes, Escape or N no.

import { h } from "./dom.js";
import { extend, t } from "./i18n.js";

extend({ zh: { "ask.yes": "确定", "ask.no": "取消" }, en: { "ask.yes": "Yes", "ask.no": "Cancel" } });

const $ = (id) => document.getElementById(id);

export class AskDialog {
  constructor() {
    this.el = $("ask-dialog") || document.body.appendChild(dialog());
    this.pending = null;
    $("ask-yes").addEventListener("click", () => this.close(true));
    $("ask-no").addEventListener("click", () => this.close(false));
  }

  get isOpen() {
    return this.pending !== null;
  }

  /** Ask `text`; `onYes` runs only if the answer is yes. */
  ask(text, onYes) {
    $("ask-text").textContent = text;
    $("ask-yes").textContent = t("ask.yes");
    $("ask-no").textContent = t("ask.no");
    this.pending = onYes;
    this.el.classList.remove("hidden");
    $("ask-yes").focus();
  }

  close(yes) {
    const run = this.pending;
    this.pending = null;
    this.el.classList.add("hidden");
    if (yes && run) run();
  }

  onKey(e) {
    const key = e.key.toLowerCase();
    if (key === "enter" || key === "y") this.close(true);
    else if (key === "escape" || key === "n") this.close(false);
    else return;
    e.preventDefault();
  }
}

function dialog() {
  return h(
    "div",
    {
      class: "dialog-backdrop hidden",
      id: "ask-dialog",
      role: "alertdialog",
      "aria-modal": "true",
      "aria-labelledby": "ask-text",
    },
    h(
      "div",
      { class: "dialog" },
      h("h3", { id: "ask-text" }),
      h(
        "div",
        { class: "ask-buttons" },
        h("button", { type: "button", class: "confirm", id: "ask-yes" }),
        h("button", { type: "button", id: "ask-no" }),
      ),
    ),
  );
}
