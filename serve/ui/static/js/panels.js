// Rendering of the review page's queue and case details (no state of their own).

import { h, localTime, replace } from "./dom.js";
import { duration, nameOf, t } from "./i18n.js";
import { sameBox } from "./viewer.js";

// the scene baseline's cases (something new appeared and stayed) until a reviewer names them
export const SCENE_VIOLATION = "new_static_object";

function classText(st, label) {
  const cls = st.taxonomy.byClass.get(label);
  return cls ? nameOf(cls, label) : t("name.unknown");
}

/** The taxonomy with lookups: {classes, violations, byClass, byViolation, reasons}. */
export function indexTaxonomy(raw) {
  return {
    ...raw,
    byClass: new Map(raw.classes.map((c) => [c.name, c])),
    byViolation: new Map(raw.violations.map((v) => [v.key, v])),
  };
}

export function cameraName(cameras, id) {
  const cam = cameras.get(id);
  return cam && cam.name ? cam.name : id;
}

function thumbnail(c) {
  const item = c.evidence.find((e) => e.kind === "crop") || c.evidence[0];
  return h("img", { src: item ? item.url : "", alt: "", loading: "lazy" });
}

/** The queue list; `onPick(i)` on click, `onToggle(i)` on the checkbox. */
export function renderQueue(ol, st, { onPick, onToggle }) {
  if (!st.cases.length) {
    replace(ol, h("li", { class: "empty" }, t(st.loading ? "queue.loading" : "queue.empty")));
    return;
  }
  const items = st.cases.map((c, i) => {
    const checked = st.selected.has(c.id);
    const box = h("input", {
      type: "checkbox",
      tabindex: "-1",
      "aria-label": t("queue.select"),
      checked,
      onclick: (e) => {
        e.stopPropagation();
        onToggle(i);
      },
    });
    const violation = nameOf(st.taxonomy.byViolation.get(c.violation), c.violation_name);
    const label = nameOf(st.taxonomy.byClass.get(c.label), c.label_name);
    return h(
      "li",
      {
        role: "option",
        "aria-selected": i === st.index ? "true" : "false",
        class: checked ? "checked" : null,
        dataset: { id: c.id },
        onclick: () => onPick(i),
      },
      box,
      thumbnail(c),
      h(
        "div",
        {},
        h("div", { class: "title" }, `${violation} · ${label}`),
        h("div", { class: "meta" }, `#${c.id} · ${cameraName(st.cameras, c.camera_id)}`),
        h(
          "div",
          { class: "meta" },
          `${duration(c.duration_s)} · ${Math.round(c.confidence * 100)}%`,
        ),
      ),
    );
  });
  replace(ol, items);
  const current = ol.children[st.index];
  if (current) current.scrollIntoView({ block: "nearest" });
}

export function renderCount(el, st) {
  const n =
    st.total > st.loaded
      ? t("queue.count_more", { n: st.total, loaded: st.cases.length })
      : t("queue.count", { n: st.cases.length });
  el.textContent = st.selected.size ? n + t("queue.selected", { n: st.selected.size }) : n;
}

function zoneText(cam, zoneId) {
  if (!zoneId) return "";
  const zone = cam ? (cam.zones || []).find((z) => z.id === zoneId) : null;
  return zone ? `${zone.name || zone.id} (${zone.type})` : zoneId;
}

/** The facts of case `c`, with the reviewer's pending corrections marked. */
export function renderFacts(dl, st, c, edit) {
  const cam = st.cameras.get(c.camera_id);
  const label = edit.label || c.label;
  const labelText = classText(st, label);
  const fromText = classText(st, c.label);
  const labelChanged = label !== c.label;
  const box = edit.box || c.box;
  const boxChanged = !sameBox(box, c.box);
  const rows = [
    [
      "detail.violation",
      c.violation === SCENE_VIOLATION && labelChanged
        ? h("span", { class: "changed" }, t("name.becomes", { v: violationOf(st, label) }))
        : nameOf(st.taxonomy.byViolation.get(c.violation), c.violation_name),
    ],
    [
      "detail.class",
      labelChanged
        ? h("span", { class: "changed" }, labelText + t("detail.class_changed", { from: fromText }))
        : labelText,
    ],
    ["detail.camera", `${cameraName(st.cameras, c.camera_id)} (${c.camera_id})`],
    ["detail.address", c.location.address],
    ["detail.zone", zoneText(cam, c.zone_id)],
    ["detail.responsible", c.responsible || ""],
    ["detail.first_seen", localTime(c.first_seen)],
    ["detail.last_seen", localTime(c.last_seen)],
    ["detail.duration", duration(c.duration_s)],
    ["detail.confidence", `${(c.confidence * 100).toFixed(1)}%`],
    ["detail.sightings", String(c.sightings)],
    [
      "detail.box",
      h(
        "span",
        { class: boxChanged ? "changed" : null, id: "box-value", dataset: { box: box.join(",") } },
        box.map((v) => Math.round(v)).join(", ") + (boxChanged ? t("detail.box_changed") : ""),
      ),
    ],
    ["detail.model", `${c.model.name} ${c.model.version}`],
    ["detail.signal", t(`signal.${c.signal}`)],
  ];
  replace(
    dl,
    rows.filter(([, v]) => v !== "").flatMap(([k, v]) => [h("dt", {}, t(k)), h("dd", {}, v)]),
  );
}

/** The violation a class makes (naming a new static object makes it that violation). */
function violationOf(st, label) {
  for (const v of st.taxonomy.byViolation.values()) {
    if (v.classes.includes(label)) return nameOf(v, v.key);
  }
  return t("name.no_violation");
}

/** The class picker: the classes of the case's violation type, or, for a new static object
 * that the scene baseline found and nobody has named yet, every class (naming it). */
export function renderClassSelect(select, st, c, edit) {
  const v = st.taxonomy.byViolation.get(c.violation);
  const unnamed = c.violation === SCENE_VIOLATION;
  const names = unnamed ? [...st.taxonomy.byClass.keys()] : v ? [...v.classes] : [];
  if (!unnamed && !names.includes(c.label)) names.unshift(c.label);
  const options = names.map((n) => h("option", { value: n }, nameOf(st.taxonomy.byClass.get(n), n)));
  if (unnamed) options.unshift(h("option", { value: "" }, t("name.placeholder")));
  replace(select, options);
  select.value = edit.label || (unnamed ? "" : c.label);
}

/** One button per evidence frame the case has; the shown one pressed. */
export function renderTabs(el, c, view, zoom, onPick) {
  const kinds = c ? c.evidence.map((e) => e.kind) : [];
  replace(
    el,
    kinds.map((k) =>
      h(
        "button",
        { type: "button", "aria-pressed": k === view ? "true" : "false", onclick: () => onPick(k) },
        t(`view.${k}`),
      ),
    ),
    h("span", { class: "zoom" }, c ? t("view.zoom", { z: Math.round(zoom * 100) }) : ""),
  );
}
