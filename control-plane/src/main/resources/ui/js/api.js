// Every data call of the console: same origin (the management API), the session's token as a
// bearer, JSON both ways, and the API's error body {"error": {"code", "message", "target"}} turned
// into an ApiError the page shows.
import { session } from './session.js';

export class ApiError extends Error {
  constructor(status, code, message, target) {
    super(message);
    this.status = status;
    this.code = code;
    this.target = target;
  }
}

let onUnauthorized = () => {};

/** What to do when the API refuses the token (expired, revoked): the app signs out. */
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

/**
 * Calls the management API. {@code body}: an object (sent as JSON) or a string (sent as it is, with
 * {@code contentType}). Resolves to the parsed answer; rejects with an ApiError.
 */
export async function api(path, { method = 'GET', body, contentType = 'application/json', auth = true } = {}) {
  const headers = { Accept: 'application/json' };
  const token = session.token();
  if (auth && token) headers.Authorization = 'Bearer ' + token;
  let payload;
  if (body !== undefined) {
    payload = typeof body === 'string' ? body : JSON.stringify(body);
    headers['Content-Type'] = contentType;
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body: payload, cache: 'no-store', credentials: 'omit' });
  } catch (e) {
    throw new ApiError(0, 'Unreachable', 'the control plane did not answer (' + e.message + ')');
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (e) {
    json = null;
  }
  if (!response.ok) {
    const err = (json && json.error) || {};
    const failure = new ApiError(response.status, err.code || 'HTTP' + response.status,
      err.message || text || response.statusText, err.target);
    if (response.status === 401 && auth) onUnauthorized(failure);
    throw failure;
  }
  return json;
}

/** Like api, but a 404 (a route this control plane does not have yet) answers null. */
export async function optional(path, options) {
  try {
    return await api(path, options);
  } catch (e) {
    if (e.status === 404) return null;
    throw e;
  }
}

export const enc = encodeURIComponent;
