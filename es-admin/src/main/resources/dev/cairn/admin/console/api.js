// Calls to the admin API, relative to the console's own path (so any base path works). The bearer
// token and the operator's name live in sessionStorage: gone when the tab closes.

const TOKEN = 'cairn.token';
const ACTOR = 'cairn.actor';

export function token() { return sessionStorage.getItem(TOKEN) || ''; }
export function actor() { return sessionStorage.getItem(ACTOR) || ''; }
export function setToken(value) { value ? sessionStorage.setItem(TOKEN, value) : sessionStorage.removeItem(TOKEN); }
export function setActor(value) { value ? sessionStorage.setItem(ACTOR, value) : sessionStorage.removeItem(ACTOR); }

/** An answer that was not 2xx: carries the API's {status, error, message}. */
export class ApiError extends Error {
  constructor(status, error, message) {
    super(message);
    this.status = status;
    this.error = error;
  }
}

function headers(mutating) {
  const h = { 'Accept': 'application/json' };
  if (token()) h['Authorization'] = 'Bearer ' + token();
  if (mutating) {
    h['Content-Type'] = 'application/json';
    if (actor()) h['X-Cairn-Actor'] = actor();
  }
  return h;
}

async function answer(response) {
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch (e) { body = { message: text }; }
  if (!response.ok) {
    throw new ApiError(response.status, body && body.error || 'http_' + response.status,
      (body && body.message) || response.statusText);
  }
  return body;
}

/** GET api/<path>; resolves to the JSON body or rejects with an ApiError. */
export async function get(path) {
  return answer(await fetch('api/' + path, { headers: headers(false), cache: 'no-store' }));
}

/** POST api/<path> with a JSON body; resolves to the JSON body (a command for the actions). */
export async function post(path, body = {}) {
  return answer(await fetch('api/' + path, { method: 'POST', headers: headers(true), body: JSON.stringify(body) }));
}

/** Polls a command until it is DONE or FAILED (or the time runs out). */
export async function awaitCommand(command, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let c = command;
  while ((c.status === 'PENDING' || c.status === 'RUNNING') && Date.now() < deadline) {
    await new Promise(r => setTimeout(r, 300));
    c = await get('commands/' + c.id);
  }
  return c;
}
