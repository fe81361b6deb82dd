// A yes/no question in the page (not window.confirm): Enter or Y says yes, Escape or N no.

import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);

export class AskDialog {
  constructor() {
    this.el = $("ask-dialog");
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
