// HTTP API of the RRIS server: JSON in and out, the session cookie sent by the browser, and the CSRF token
// (from the login or session answer) on every state-changing request.

const CSRF_KEY = "rris.csrf";

export class ApiError extends Error {
  constructor(status, code, message, details = {}) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.details = details; // the error's other fields, e.g. a refused upload's row, column and reason
  }
}

async function parse(response) {
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    const error = (body && body.error) || {};
    throw new ApiError(response.status, error.code || `http_${response.status}`, error.message || text, error);
  }
  return body;
}

export async function api(method, path, body = undefined, headers = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers }, credentials: "same-origin" };
  if (method !== "GET" && method !== "HEAD") {
    init.headers["X-CSRF-Token"] = sessionStorage.getItem(CSRF_KEY) || "";
  }
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  return parse(await fetch(path, init));
}

/** A file's bytes as the body of a POST, with their Content-Type (uploads of CSV, XLSX and the like). */
export async function postBytes(path, bytes, contentType) {
  const headers = {
    Accept: "application/json",
    "Content-Type": contentType,
    "X-CSRF-Token": sessionStorage.getItem(CSRF_KEY) || "",
  };
  return parse(await fetch(path, { method: "POST", headers, body: bytes, credentials: "same-origin" }));
}

export async function login(username, password) {
  const session = await api("POST", "/api/login", { username, password });
  sessionStorage.setItem(CSRF_KEY, session.csrf_token);
  return session;
}

/** The current session, or null when not logged in. */
export async function currentSession() {
  try {
    const session = await api("GET", "/api/session");
    sessionStorage.setItem(CSRF_KEY, session.csrf_token);
    return session;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export async function logout() {
  try {
    await api("POST", "/api/logout");
  } finally {
    sessionStorage.removeItem(CSRF_KEY);
  }
}

/** A console page: the session, or a redirect to the login page (or to the user's own console; an admin
 * shares the coordinator's). */
export async function requireRole(role) {
  const session = await currentSession();
  if (session === null) {
    location.replace("/");
    return new Promise(() => {});
  }
  if (consoleOf(session.user.role) !== consoleOf(role)) {
    location.replace(consoleOf(session.user.role));
    return new Promise(() => {});
  }
  return session;
}

export function consoleOf(role) {
  return {
    caseworker: "/caseworker",
    interpreter: "/interpreter",
    coordinator: "/coordinator",
    admin: "/coordinator",
    data_officer: "/data-officer",
  }[role] || "/";
}

export function newIdempotencyKey() {
  return crypto.randomUUID();
}
