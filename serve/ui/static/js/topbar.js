// The top bar every page shares: who is signed in, and the language switch.

import { getLang, onLangChange, t, toggleLang } from "./i18n.js";

/** Show `me` in #user, wire #lang, and call `onLang` (then re-show the user) whenever the
 * language changes. */
export function wireTopbar(me, onLang) {
  const user = document.getElementById("user");
  const show = () => {
    user.textContent = me.username
      ? t("user.role", { user: me.username, role: me.role || "" })
      : t("user.anonymous");
  };
  show();
  onLangChange(() => {
    show();
    onLang(getLang());
  });
  document.getElementById("lang").addEventListener("click", toggleLang);
}
