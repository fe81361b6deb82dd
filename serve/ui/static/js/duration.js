// How long past a deadline, in words a person reads at a glance: "36 分钟", "2.5 小时",
// "3 天 4 小时" (never "0.0" for a case a minute late).

import { extend, t } from "./i18n.js";

extend({
  zh: { "dur.min": "{n} 分钟", "dur.h": "{n} 小时", "dur.dh": "{d} 天 {h} 小时" },
  en: { "dur.min": "{n} min", "dur.h": "{n} h", "dur.dh": "{d} d {h} h" },
});

/** `hours` (>= 0) as minutes under an hour, hours under two days, else days and hours. */
export function overdueText(hours) {
  if (hours === null || hours === undefined || Number.isNaN(hours)) return "";
  if (hours < 1) return t("dur.min", { n: Math.max(1, Math.ceil(hours * 60)) });
  if (hours < 48) return t("dur.h", { n: hours.toFixed(1).replace(/\.0$/, "") });
  const whole = Math.floor(hours);
  return t("dur.dh", { d: Math.floor(whole / 24), h: whole % 24 });
}
