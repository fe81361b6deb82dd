// The zone editor's panel: the zone list, the selected zone's fields, the camera's rule
// overrides, a snapshot to draw on, and saving through PUT /v1/cameras/{id} with its
// validation errors shown at the zone (and field) they belong to. Engineers only.

import { api } from "./api.js";
import { h, replace } from "./dom.js";
import { nameOf, t } from "./i18n.js";
import { ZONE_COLORS } from "./overlay.js";

const $ = (id) => document.getElementById(id);
const ZONE_TYPES = Object.keys(ZONE_COLORS);
const RULE_KEYS = ["illegal_parking", "out_of_store_trading", "illegal_ad", "graffiti", "exposed_garbage"];
const FIELDS = { "z-id": "id", "z-name": "name", "z-type": "type", "z-responsible": "responsible", "z-dwell": "static_dwell_s" };

export class ZoneForm {
  /** The panel for `editor` (a ZoneEditor) on camera `cameraId`. */
  constructor(editor, cameraId, taxonomy, { onSaved }) {
    this.editor = editor;
    this.cameraId = cameraId;
    this.taxonomy = taxonomy;
    this.onSaved = onSaved;
    this.camera = null; // the camera as last loaded or saved
    this.dirty = false;
    this.errors = new Map(); // zone index -> message
    $("zone-new").addEventListener("click", () => this.newZone());
    $("zone-delete").addEventListener("click", () => editor.deleteSelected());
    $("zones-save").addEventListener("click", () => this.save());
    $("zones-revert").addEventListener("click", () => this.load());
    for (const [id, field] of Object.entries(FIELDS)) {
      $(id).addEventListener("change", (e) => {
        const v = e.target.value.trim();
        editor.update(field, field === "static_dwell_s" ? (v ? Number(v) : null) : v);
      });
    }
    $("rules").addEventListener("change", () => this.touch());
    window.addEventListener("beforeunload", (e) => {
      if (this.dirty) e.preventDefault();
    });
  }

  async load() {
    this.camera = await api("GET", `/v1/cameras/${encodeURIComponent(this.cameraId)}`);
    this.editor.setZones(this.camera.zones);
    this.fillRules(this.camera.rules || {});
    this.errors.clear();
    this.dirty = false;
    this.showErrors([]);
    this.render();
  }

  touch() {
    this.dirty = true;
    this.render();
  }

  newZone() {
    const taken = new Set(this.editor.zones.map((z) => z.id));
    let n = this.editor.zones.length + 1;
    while (taken.has(`zone-${n}`)) n += 1;
    const type = $("z-type").value || "no_parking";
    this.editor.startDrawing({ id: `zone-${n}`, type });
  }

  /** Called by the editor after every change; `edited` when the zones changed. */
  changed(edited) {
    if (edited) this.dirty = true;
    this.render();
  }

  render() {
    const ed = this.editor;
    replace(
      $("zone-list"),
      ed.zones.length
        ? ed.zones.map((z, i) =>
            h(
              "li",
              {
                dataset: { index: i, zone: z.id },
                "aria-selected": i === ed.selected ? "true" : "false",
                class: this.errors.has(i) ? "has-error" : "",
                onclick: () => ed.select(i),
              },
              h("span", { class: "swatch", dataset: { type: z.type } }),
              h("strong", {}, z.id),
              ` ${t(`zt.${z.type}`)}`,
              z.responsible ? h("span", { class: "muted" }, ` · ${z.responsible}`) : null,
              this.errors.has(i) ? h("div", { class: "zone-error" }, this.errors.get(i)) : null,
            ),
          )
        : h("li", { class: "empty" }, t("ed.none")),
    );
    const z = ed.zones[ed.selected];
    $("zone-fields").disabled = !z;
    $("zone-delete").disabled = !z;
    if (z) {
      for (const [id, field] of Object.entries(FIELDS)) {
        if (document.activeElement !== $(id)) $(id).value = z[field] ?? "";
      }
    }
    $("editor-status").textContent = ed.drawing ? t("ed.drawing") : this.dirty ? t("ed.unsaved") : t("ed.hint");
    $("zones-save").disabled = !this.dirty || Boolean(ed.drawing);
    $("zones-revert").disabled = !this.dirty;
  }

  fillTypes() {
    const keep = $("z-type").value;
    replace($("z-type"), ZONE_TYPES.map((type) => h("option", { value: type }, t(`zt.${type}`))));
    $("z-type").value = keep || "no_parking";
  }

  fillRules(rules) {
    const head = h("tr", {}, ["ed.rule", "ed.enabled", "ed.rule_dwell", "ed.min_conf"].map((k) => h("th", {}, t(k))));
    const rows = RULE_KEYS.map((key) => {
      const r = rules[key] || {};
      const name = nameOf(this.taxonomy.violations.find((v) => v.key === key), key);
      const enabled = r.enabled === true ? "on" : r.enabled === false ? "off" : "";
      return h(
        "tr",
        { dataset: { rule: key } },
        h("td", {}, name),
        h(
          "td",
          {},
          h(
            "select",
            { dataset: { field: "enabled" }, "aria-label": `${name} ${t("ed.enabled")}` },
            [["", t("ed.default")], ["on", t("ed.on")], ["off", t("ed.off")]].map(([v, text]) =>
              h("option", { value: v, selected: v === enabled }, text),
            ),
          ),
        ),
        h("td", {}, h("input", { type: "number", min: "0", step: "1", value: r.dwell_s ?? "", placeholder: t("ed.default"), dataset: { field: "dwell_s" }, "aria-label": `${name} ${t("ed.rule_dwell")}` })),
        h("td", {}, h("input", { type: "number", min: "0", max: "1", step: "0.05", value: r.min_confidence ?? "", placeholder: t("ed.default"), dataset: { field: "min_confidence" }, "aria-label": `${name} ${t("ed.min_conf")}` })),
      );
    });
    replace($("rules"), head, rows);
  }

  /** The camera's rules with the table's values in place of theirs. */
  readRules() {
    const rules = { ...(this.camera.rules || {}) };
    for (const tr of $("rules").querySelectorAll("tr[data-rule]")) {
      const key = tr.dataset.rule;
      const r = { ...(rules[key] || {}) };
      const enabled = tr.querySelector("[data-field=enabled]").value;
      if (enabled) r.enabled = enabled === "on";
      else delete r.enabled;
      for (const field of ["dwell_s", "min_confidence"]) {
        const v = tr.querySelector(`[data-field=${field}]`).value.trim();
        if (v) r[field] = Number(v);
        else delete r[field];
      }
      rules[key] = Object.keys(r).length ? r : null;
    }
    return rules;
  }

  async save() {
    if (!this.camera) return;
    const body = { ...this.camera, zones: this.editor.zones, rules: this.readRules() };
    try {
      this.camera = await api("PUT", `/v1/cameras/${encodeURIComponent(this.cameraId)}`, body);
    } catch (e) {
      this.showErrors(e.status === 422 && Array.isArray(e.body?.detail) ? e.body.detail : [{ loc: [], msg: e.detail || String(e) }]);
      return;
    }
    this.editor.setZones(this.camera.zones);
    this.dirty = false;
    this.showErrors([]); // renders, with the editing hint
    this.onSaved(this.camera);
    $("editor-status").textContent = t("ed.saved");
  }

  /** Each error at its zone where its location names one (body.zones.<i>...). */
  showErrors(errors) {
    this.errors.clear();
    const general = [];
    for (const err of errors) {
      const loc = (err.loc || []).filter((p) => p !== "body");
      if (loc[0] === "zones" && Number.isInteger(loc[1])) {
        const where = loc.slice(2).join(".");
        this.errors.set(loc[1], where ? `${where}: ${err.msg}` : err.msg);
      } else general.push(loc.length ? `${loc.join(".")}: ${err.msg}` : err.msg);
    }
    const box = $("editor-errors");
    const lines = [...this.errors].map(([i, msg]) => `${this.editor.zones[i]?.id ?? i}: ${msg}`);
    box.textContent = errors.length ? [t("ed.errors"), ...lines, ...general].join("\n") : "";
    box.classList.toggle("hidden", !errors.length);
    this.render();
  }
}
