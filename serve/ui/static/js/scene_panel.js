// The scene baseline's accept button on the camera page: take what the camera sees now as
// its empty street (one zone or all), with a reason, recorded in the camera's audit log
// (POST /v1/cameras/{id}/scene/accept). Engineers only, like the zone editor.

import { api } from "./api.js";
import { h, replace } from "./dom.js";
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);

export class ScenePanel {
  constructor(cameraId) {
    this.path = `/v1/cameras/${encodeURIComponent(cameraId)}`;
    $("scene-accept").addEventListener("click", () => this.accept());
  }

  async load(zones) {
    this.fillZones(zones);
    const log = await api("GET", `${this.path}/audit`);
    replace(
      $("scene-history"),
      log.data
        .slice()
        .reverse()
        .map((a) =>
          h(
            "li",
            {},
            h("time", { datetime: a.at }, new Date(a.at).toLocaleString()),
            h("strong", {}, t("scene.accepted", { zone: a.zone_id || t("scene.all") })),
            h("span", { class: "actor" }, a.actor),
            a.reason ? h("q", {}, a.reason) : null,
          ),
        ),
    );
  }

  fillZones(zones) {
    const keep = $("scene-zone").value;
    replace(
      $("scene-zone"),
      h("option", { value: "" }, t("scene.all")),
      zones.map((z) => h("option", { value: z.id }, z.name || z.id)),
    );
    $("scene-zone").value = zones.some((z) => z.id === keep) ? keep : "";
  }

  async accept() {
    const reason = $("scene-reason").value.trim();
    if (!reason) {
      $("scene-reason").focus();
      return;
    }
    const zone = $("scene-zone").value || null;
    try {
      await api("POST", `${this.path}/scene/accept`, { zone_id: zone, reason });
      $("scene-reason").value = "";
      $("error").classList.add("hidden");
    } catch (e) {
      $("error").textContent = e.detail || String(e);
      $("error").classList.remove("hidden");
    }
    await this.load([...$("scene-zone").options].slice(1).map((o) => ({ id: o.value, name: o.textContent })));
  }
}
