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

/** Take the decided cases (`done`: a Set of ids) out of the page's queue state `st`,
 * keeping the place in the queue. */
export function dropDecided(st, done) {
  const at = st.index;
  st.cases = st.cases.filter((c) => !done.has(c.id));
  st.total -= done.size;
  st.loaded -= done.size;
  for (const id of done) {
    st.selected.delete(id);
    st.edits.delete(id);
  }
  st.index = st.cases.length ? Math.min(at, st.cases.length - 1) : -1;
}

/** What the reviewer is told after deciding `cases` (null: nothing went through). */
export function decidedMessage(cases, done, failed, rejected) {
  const undo = rejected && done.size ? ` · ${t("undo.hint")}` : "";
  if (cases.length > 1) return t("done.bulk", { ok: done.size, failed }) + undo;
  if (!done.size) return null;
  return t(rejected ? "done.rejected" : "done.confirmed", { id: cases[0].id }) + undo;
}
