// The reject dialog: a reason by its number key (1–6), a note for "other", Esc to cancel.

import { h, replace } from "./dom.js";
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);

export class RejectDialog {
  /**
   * @param {string[]} reasons the reject reasons, in key order (1 = the first)
   * @param {(cases: object[], body: object) => void} onSubmit called with the review body
   */
  constructor(reasons, onSubmit) {
    this.reasons = reasons;
    this.onSubmit = onSubmit;
    // {cases, reason} while open
    this.state = null;
    $("reject-submit").addEventListener("click", () => this.submit());
    $("reject-dialog").addEventListener("click", (e) => {
      if (e.target === $("reject-dialog")) this.close();
    });
  }

  get isOpen() {
    return this.state !== null;
  }

  open(cases, bulk) {
    this.state = { cases, bulk, reason: null };
    $("note-row").classList.add("hidden");
    $("reject-note").value = "";
    this.render();
    $("reject-dialog").classList.remove("hidden");
  }

  render() {
    if (!this.state) return;
    const { cases, bulk, reason } = this.state;
    $("reject-title").textContent = bulk
      ? t("reject.title_bulk", { n: cases.length })
      : `${t("reject.title")} · #${cases[0].id}`;
    const item = (r, i) =>
      h(
        "li",
        {},
        h(
          "button",
          {
            type: "button",
            "aria-pressed": reason === r ? "true" : "false",
            dataset: { reason: r },
            onclick: () => this.choose(r),
          },
          h("kbd", {}, String(i + 1)),
          " ",
          t(`reject.${r}`),
        ),
      );
    replace($("reasons"), this.reasons.map(item));
  }

  close() {
    this.state = null;
    $("reject-dialog").classList.add("hidden");
    if (document.activeElement) document.activeElement.blur();
  }

  choose(reason) {
    if (!this.state) return;
    this.state.reason = reason;
    this.render();
    if (reason === "other") {
      $("note-row").classList.remove("hidden");
      $("reject-note").focus();
      return;
    }
    this.submit();
  }

  submit() {
    const s = this.state;
    if (!s || !s.reason) return;
    const note = $("reject-note").value.trim();
    if (s.reason === "other" && !note) {
      $("reject-note").focus();
      return;
    }
    this.close();
    const body = { decision: "reject", reason: s.reason };
    if (note) body.note = note;
    this.onSubmit(s.cases, body);
  }

  /** Keys while the dialog is open: 1–6, Enter in the note, Esc. */
  onKey(e) {
    if (e.key === "Escape") {
      e.preventDefault();
      this.close();
    } else if (e.target.id === "reject-note") {
      if (e.key === "Enter" && !e.shiftKey) {
        e.preventDefault();
        this.submit();
      }
    } else if (/^[1-9]$/.test(e.key) && this.reasons[Number(e.key) - 1]) {
      e.preventDefault();
      this.choose(this.reasons[Number(e.key) - 1]);
    }
  }
}
