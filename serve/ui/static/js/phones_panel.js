// The review page's phone panel: a flyer case's numbers as read, each correctable before
// the case is confirmed (the API keeps the reading in read_as and audits the change).

import { api } from "./api.js";
import { h, replace } from "./dom.js";
import { t } from "./i18n.js";

/** Show `c`'s phone numbers in `el` (hidden when it has none); `onFixed(case)` after a
 * correction, `onError(text)` when the API refuses one. */
export function renderPhones(el, c, onFixed, onError) {
  const phones = (c && c.phones) || [];
  el.classList.toggle("hidden", phones.length === 0);
  if (!phones.length) {
    replace(el);
    return;
  }
  const fix = async (phone) => {
    const number = window.prompt(t("review.phone_prompt"), phone.display);
    if (!number || number.trim() === phone.display) return;
    try {
      onFixed(await api("PUT", `/v1/cases/${c.id}/phones/${phone.number}`, { number: number.trim() }));
    } catch (e) {
      onError(e.detail || String(e));
    }
  };
  replace(
    el,
    h("h3", {}, t("review.phones")),
    h(
      "ul",
      {},
      phones.map((p) =>
        h(
          "li",
          { dataset: { number: p.number } },
          h("strong", {}, p.display),
          ` ${t(`kind.${p.kind}`)} ${p.confidence.toFixed(2)} `,
          p.read_as ? h("span", { class: "read-as" }, t("review.phone_read_as", { n: p.read_as })) : null,
          h("button", { type: "button", class: "small", onclick: () => fix(p) }, t("review.phone_fix")),
        ),
      ),
    ),
    c.text && c.text.length ? h("p", { class: "ocr-text" }, c.text.map((l) => l.text).join(" / ")) : null,
  );
}
