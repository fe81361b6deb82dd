// The responsible units' editor on the ledger page (engineers): add a unit, change one
// (its row's "edit" fills the form), remove one no zone names. Saves through PUT/DELETE
// /v1/units/{id}; the API's refusal (a bad id, a unit zones still name) is shown as sent.

import { api } from "./api.js";
import { AskDialog } from "./ask.js";
import { showError, toast } from "./notice.js";
import { t } from "./i18n.js";

const ENGINEERS = new Set(["engineer", "admin", null]);
const FIELDS = ["id", "name", "address", "contact", "phone", "category"];
const $ = (id) => document.getElementById(id);

export const canEditUnits = (me) => ENGINEERS.has(me.role);

/** Fill the form with `unit` (null: empty, for a new one). */
export function editUnit(unit) {
  for (const f of FIELDS) $(`u-${f}`).value = unit ? unit[f] || "" : "";
  $("u-id").readOnly = Boolean(unit);
  $("u-delete").disabled = !unit;
  $("unit-form").dataset.editing = unit ? unit.id : "";
  $("u-name").focus();
}

function body() {
  return Object.fromEntries(FIELDS.map((f) => [f, $(`u-${f}`).value.trim()]));
}

/** Wire the form; `changed` reloads the units and the ledger after a save or removal. */
export function wireUnitForm(me, changed) {
  const form = $("unit-form");
  if (!canEditUnits(me)) return;
  form.classList.remove("hidden");
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const unit = body();
    if (!unit.id) {
      showError(t("units.need_id"));
      return;
    }
    try {
      await api("PUT", `/v1/units/${encodeURIComponent(unit.id)}`, unit);
      showError("");
      toast(t("units.saved", { name: unit.name }));
      editUnit(null);
      await changed();
    } catch (err) {
      showError(err.detail || String(err));
    }
  });
  $("u-new").addEventListener("click", () => editUnit(null));
  const asker = new AskDialog();
  const remove = async (id) => {
    try {
      await api("DELETE", `/v1/units/${encodeURIComponent(id)}`);
      showError("");
      toast(t("units.deleted", { id }));
      editUnit(null);
      await changed();
    } catch (err) {
      showError(err.detail || String(err));
    }
  };
  $("u-delete").addEventListener("click", () => {
    const id = form.dataset.editing;
    if (id) asker.ask(t("units.confirm_delete", { id }), () => remove(id));
  });
  editUnit(null);
}
