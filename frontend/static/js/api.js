// The HTTP API, as the web app uses it: JSON in and out (or FormData in,
// for a file), errors as ApiError carrying the server's {title,
// description}. A 401 on any call but a login means the session is over:
// onUnauthorized is called, once.

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.description) || `The server answered ${status}.`);
    this.status = status;
    this.title = (body && body.title) || '';
  }
}

let unauthorized = () => {};

// onUnauthorized sets what happens when the session has ended.
export function onUnauthorized(fn) { unauthorized = fn; }

// request calls the API; it resolves to {data, headers}.
export async function request(method, path, body, {quiet401 = false} = {}) {
  const init = {method, headers: {Accept: 'application/json'}, credentials: 'same-origin'};
  if (body instanceof FormData) {
    init.body = body; // multipart, its boundary set by the browser
  } else if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, {title: 'Offline', description: 'The server cannot be reached. Check the connection and try again.'});
  }
  let data = null;
  if (res.status !== 204 && res.status !== 405) {
    const text = await res.text();
    if (text) {
      try { data = JSON.parse(text); } catch { data = null; }
    }
  }
  if (!res.ok) {
    if (res.status === 401 && !quiet401) unauthorized();
    throw new ApiError(res.status, data);
  }
  return {data, headers: res.headers};
}

export const get = (path, opts) => request('GET', path, undefined, opts).then(r => r.data);
export const post = (path, body, opts) => request('POST', path, body ?? {}, opts).then(r => r.data);
export const put = (path, body) => request('PUT', path, body).then(r => r.data);
export const patch = (path, body) => request('PATCH', path, body).then(r => r.data);
export const del = (path) => request('DELETE', path).then(r => r.data);

// links parses a Link header into {rel: url}.
export function links(headers) {
  const out = {};
  for (const part of (headers.get('Link') || '').split(',')) {
    const m = /<([^>]*)>\s*;\s*rel="([^"]+)"/.exec(part);
    if (m) out[m[2]] = m[1];
  }
  return out;
}

// all follows rel="next" links to collect a whole list.
export async function all(path, opts) {
  const items = [];
  let next = path;
  for (let i = 0; next && i < 100; i++) {
    const {data, headers} = await request('GET', next, undefined, opts);
    items.push(...data);
    next = links(headers).next;
  }
  return items;
}

// oid reads an id in Extended JSON ({"$oid": "…"}) or as a string.
export const oid = (v) => (v && typeof v === 'object' ? v.$oid : v) || '';
// when reads a date in Extended JSON.
export const when = (v) => new Date(v && typeof v === 'object' ? v.$date : v);
