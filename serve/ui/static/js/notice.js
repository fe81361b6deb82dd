// Messages every page shows the same way: errors in the #error banner (a line each), short
// notices in the #toast corner for 2.5 s.

/** Show `lines` (a string or a list of them) in #error; nothing hides it. */
export function showError(lines) {
  const el = document.getElementById("error");
  const text = Array.isArray(lines) ? lines.join("\n") : lines;
  el.textContent = text || "";
  el.classList.toggle("hidden", !text);
}

let toastTimer = 0;

/** Show `text` in #toast for a moment. */
export function toast(text) {
  const el = document.getElementById("toast");
  el.textContent = text;
  el.classList.remove("hidden");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.add("hidden"), 2500);
}
