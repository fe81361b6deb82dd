// The JSON API, as the signed-in reviewer: same-origin cookies, the CSRF token on writes,
// a signed-out browser sent to /login, and errors carrying the API's `detail` message.

export class ApiError extends Error {
  constructor(status, detail, body = null) {
    super(detail);
    this.status = status;
    this.detail = detail;
    // the error body as sent (a 422's list of {loc, msg}, to show each where it belongs)
    this.body = body;
  }
}

// {username, role, csrf_token}; all null while the service runs without accounts
let session = null;

function toLogin() {
  const next = window.location.pathname + window.location.search;
  window.location.assign(`/login?next=${encodeURIComponent(next)}`);
}

/** Who is signed in. Without accounts installed (no /v1/auth/me) the pages work as "api". */
export async function whoami(refresh = false) {
  if (session && !refresh) return session;
  const r = await fetch("/v1/auth/me", {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  });
  if (r.status === 401) {
    toLogin();
    throw new ApiError(401, "not signed in");
  }
  if (r.status === 404) {
    session = { username: null, role: null, csrf_token: null };
    return session;
  }
  if (!r.ok) throw await errorOf(r);
  session = await r.json();
  return session;
}

/** "detail" of a FastAPI error body as one readable line. */
export function detailText(body, fallback) {
  const detail = body && body.detail;
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((d) => {
        const where = (d.loc || []).filter((p) => p !== "body").join(".");
        return where ? `${where}: ${d.msg}` : d.msg;
      })
      .join("; ");
  }
  return fallback;
}

async function errorOf(r) {
  let body = null;
  try {
    body = await r.json();
  } catch {
    // not JSON: say what HTTP said
  }
  return new ApiError(r.status, detailText(body, `HTTP ${r.status} ${r.statusText}`), body);
}

async function send(method, url, body, accept, retried = false) {
  const headers = { Accept: accept };
  const form = body instanceof FormData;
  if (body !== undefined && !form) headers["Content-Type"] = "application/json";
  if (method !== "GET") {
    const me = await whoami();
    if (me.csrf_token) headers["X-CSRF-Token"] = me.csrf_token;
  }
  const r = await fetch(url, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined || form ? body : JSON.stringify(body),
  });
  if (r.status === 401) {
    toLogin();
    throw new ApiError(401, "not signed in");
  }
  if (r.status === 403 && method !== "GET" && !retried) {
    // the session may have been renewed with a new CSRF token: fetch it once and retry
    await whoami(true);
    return send(method, url, body, accept, true);
  }
  if (!r.ok) throw await errorOf(r);
  return r;
}

/** Call the API (`body`: JSON, or FormData for a file); resolves to the JSON body,
 * rejects with an ApiError. */
export async function api(method, url, body = undefined) {
  const r = await send(method, url, body, "application/json");
  return r.status === 204 ? null : r.json();
}

/** Call the API for a file (a zip); resolves to the Blob, rejects with an ApiError. */
export async function apiBlob(method, url, body = undefined) {
  const r = await send(method, url, body, "application/zip, application/json");
  return r.blob();
}

/** Save `blob` as a download named `name`. */
export function saveBlob(blob, name) {
  const href = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = href;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10000);
}

/** A URL with the non-empty `params` as its query string. */
export function withQuery(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}
