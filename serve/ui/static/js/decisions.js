// What the review page sends: a decision's body (with the reviewer's corrections), the
// decisions of several cases one by one (each audited on its own), and undoing rejections.

import { api } from "./api.js";
import { t } from "./i18n.js";
import { sameBox } from "./viewer.js";

/** A confirmation, with the class and box the reviewer corrected (`edits`: {label?, box?}). */
export function confirmBody(c, edits = {}) {
  const body = { decision: "confirm" };
  if (edits.label && edits.label !== c.label) body.label = edits.label;
  if (edits.box && !sameBox(edits.box, c.box)) {
    body.box = edits.box.map((v) => Math.round(v * 10) / 10);
  }
  return body;
}

/** A rejection; "wrong class" and "no violation" also say what the object is, if named. */
export function rejectBody(c, body, edits = {}) {
  const says = body.reason === "wrong_class" || body.reason === "no_violation";
  return says && edits.label && edits.label !== c.label ? { ...body, label: edits.label } : body;
}

/** POST each case's review in turn; `progress(i, n)` before each of several.
 * Resolves to {done: Set of ids decided, errors: [line per case refused]}. */
export async function postReviews(cases, bodyOf, progress = () => {}) {
  const done = new Set();
  const errors = [];
  for (const [i, c] of cases.entries()) {
    if (cases.length > 1) progress(i + 1, cases.length);
    try {
      await api("POST", `/v1/cases/${c.id}/review`, bodyOf(c));
      done.add(c.id);
    } catch (e) {
      errors.push(t("err.case", { id: c.id, detail: e.detail || String(e) }));
    }
  }
  return { done, errors };
}

/** Undo the rejections of `ids` (each reopened, audited); resolves to the errors. */
export async function reopenAll(ids) {
  const errors = [];
  for (const id of ids) {
    try {
      await api("POST", `/v1/cases/${id}/reopen`, { reason: "undo" });
    } catch (e) {
      errors.push(t("err.case", { id, detail: e.detail || String(e) }));
    }
  }
  return errors;
}
