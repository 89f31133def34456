// What the hiring pages share: JSON calls that carry the CSRF token, small DOM helpers, and how
// dates and percentiles are written. The session itself is an HttpOnly cookie no script reads;
// the CSRF token comes from the API (/hiring/api/csrf before a session, then the session's own).

export const $ = (id) => document.getElementById(id);

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

let csrfToken = null;

export function setCsrf(token) {
  csrfToken = token;
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function api(path, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let payload = null;
  if (response.status !== 204) payload = await response.json().catch(() => null);
  if (!response.ok) {
    const error = payload?.error ?? {};
    throw new ApiError(response.status, error.code ?? "error", error.message ?? `${response.status} ${response.statusText}`);
  }
  return payload;
}

/** The pre-session CSRF token (sign-in, sign-up, joining, opening an invitation). */
export async function preSession() {
  const answer = await api("/hiring/api/csrf");
  setCsrf(answer.csrf_token);
  return answer;
}

/** ``#invite=TOKEN`` style values of the page's fragment, which browsers never send to a server. */
export function fragment(name) {
  return new URLSearchParams(location.hash.slice(1)).get(name);
}

export function dropFragment() {
  history.replaceState(null, "", location.pathname + location.search);
}

export function showError(node, error) {
  node.textContent = error instanceof Error ? error.message : String(error);
  node.hidden = false;
}

export function date(ts) {
  if (ts === null || ts === undefined) return "–";
  return new Date(ts * 1000).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function day(ts) {
  if (ts === null || ts === undefined) return "–";
  return new Date(ts * 1000).toLocaleDateString(undefined, { dateStyle: "medium" });
}

export function ordinal(value) {
  if (value === null || value === undefined) return "–";
  const n = Math.round(value);
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? "th" : ({ 1: "st", 2: "nd", 3: "rd" }[n % 10] ?? "th");
  return `${n}${suffix}`;
}

export const STATUS_TEXT = {
  invited: "invited",
  opened: "opened the link",
  consented: "consented",
  started: "in progress",
  completed: "completed",
};

/** Signed-in member, or a trip to the sign-in page. */
export async function requireMember() {
  try {
    const me = await api("/hiring/api/me");
    setCsrf(me.csrf_token);
    return me;
  } catch (error) {
    if (error.status === 401) {
      location.assign(`/hiring/login?next=${encodeURIComponent(location.pathname + location.search)}`);
      return new Promise(() => {});
    }
    throw error;
  }
}

export function memberBar(me, orgId) {
  const who = $("who");
  if (who) who.textContent = me.email;
  const out = $("sign-out");
  if (out) {
    out.hidden = false;
    out.addEventListener("click", async () => {
      await api("/hiring/api/logout", { method: "POST" }).catch(() => null);
      location.assign("/hiring/login");
    });
  }
  const home = $("home-link");
  if (home && orgId) home.href = `/hiring?org=${encodeURIComponent(orgId)}`;
}

export async function copyField(input, button) {
  input.select();
  try {
    await navigator.clipboard.writeText(input.value);
    button.textContent = "Copied";
  } catch {
    button.textContent = "Select and copy";
  }
}
