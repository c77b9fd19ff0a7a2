// The public API, as any partner's system calls it: a Bearer API key, JSON, an Idempotency-Key
// on every write. Errors arrive as RFC 9457 problem details; the portal reads their `error` and
// `args` (`detail` is a sentence in English).

const KEY = "tiercredit.apiKey";

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error || `HTTP${status}`);
    this.status = status;
    this.code = body?.error || `HTTP${status}`;
    this.args = body?.args || {};
  }
}

export class NetworkError extends Error {}

export function apiKey() { return sessionStorage.getItem(KEY); }
export function setApiKey(key) {
  if (key) sessionStorage.setItem(KEY, key); else sessionStorage.removeItem(KEY);
}

async function call(method, path, body, key = apiKey()) {
  const headers = { Accept: "application/json, application/problem+json" };
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["Idempotency-Key"] = crypto.randomUUID();
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (exc) {
    throw new NetworkError(String(exc));
  }
  let parsed = null;
  try { parsed = await response.json(); } catch { parsed = null; }
  if (!response.ok) throw new ApiError(response.status, parsed);
  return { status: response.status, body: parsed };
}

export async function get(path, key) { return (await call("GET", path, undefined, key)).body; }
export function post(path, body = {}) { return call("POST", path, body); }
