// The review queue's filters and its loading: drafts from /v1/cases, then narrowed by
// the filters the API does not take (end date, least confidence) and sorted.

import { api, withQuery } from "./api.js";
import { h, midnightISO, replace } from "./dom.js";
import { getLang, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);

export const QUEUE_LIMIT = 500;

export function readFilters() {
  return {
    camera_id: $("f-camera").value,
    violation: $("f-violation").value,
    from: $("f-from").value,
    to: $("f-to").value,
    minconf: Number.parseFloat($("f-minconf").value) || 0,
    sort: $("f-sort").value,
  };
}

function nextDay(date) {
  const d = new Date(`${date}T12:00:00`);
  d.setDate(d.getDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** The drafts the filters `f` let through: {cases, total, loaded}. */
export async function fetchQueue(f) {
  const url = withQuery("/v1/cases", {
    status: "draft",
    camera_id: f.camera_id,
    violation: f.violation,
    since: f.from ? midnightISO(f.from) : "",
    limit: QUEUE_LIMIT,
  });
  const body = await api("GET", url);
  let list = body.data;
  if (f.to) {
    const end = Date.parse(midnightISO(nextDay(f.to)));
    list = list.filter((c) => Date.parse(c.first_seen) < end);
  }
  if (f.minconf > 0) list = list.filter((c) => c.confidence >= f.minconf);
  if (f.sort === "confidence") {
    list = [...list].sort((a, b) => b.confidence - a.confidence || b.id - a.id);
  }
  return { cases: list, total: body.count, loaded: body.data.length };
}

/** The camera and violation choices, keeping what is chosen. */
export function fillFilters(cameras, taxonomy) {
  const cam = $("f-camera");
  const vio = $("f-violation");
  const keepCam = cam.value;
  const keepVio = vio.value;
  replace(
    cam,
    h("option", { value: "" }, t("filter.all")),
    [...cameras.values()].map((c) =>
      h("option", { value: c.id }, c.name ? `${c.name} (${c.id})` : c.id),
    ),
  );
  replace(
    vio,
    h("option", { value: "" }, t("filter.all")),
    taxonomy.violations.map((v) =>
      h("option", { value: v.key }, getLang() === "en" ? v.en : v.zh),
    ),
  );
  cam.value = keepCam;
  vio.value = keepVio;
}
