// The console's only way to the hub: the public HTTP APIs of block-store-service (same origin) and sync-orchestrator
// (cross-origin, CORS), with the bearer token in the Authorization header only, never in a URL.

/** An error answered by a service as application/problem+json (or a network failure, status 0). */
export class Problem extends Error {
  constructor(status, title, detail, type) {
    super(detail ? `${title}: ${detail}` : title);
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.type = type;
  }
}

const KEY = 'meldtown.console.token';

/** The signed-in session: the token lives in sessionStorage (this tab only), never in the address bar. */
export const session = {
  get token() { return sessionStorage.getItem(KEY); },
  set(token) { sessionStorage.setItem(KEY, token); },
  clear() { sessionStorage.removeItem(KEY); },
  /** The token's claims (not verified here: the services verify every request). */
  claims() {
    const t = this.token;
    if (!t) return null;
    return decodeClaims(t);
  },
};

/** A JWT's payload, or null when it is not one. */
export function decodeClaims(token) {
  const parts = String(token).trim().split('.');
  if (parts.length !== 3) return null;
  try {
    const b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = decodeURIComponent(Array.from(atob(b64 + '==='.slice((b64.length + 3) % 4)),
      c => '%' + c.charCodeAt(0).toString(16).padStart(2, '0')).join(''));
    const claims = JSON.parse(json);
    return claims && typeof claims === 'object' ? claims : null;
  } catch (e) {
    return null;
  }
}

/** Turns a failed response into a Problem, reading its problem+json body when there is one. */
export async function problemOf(response) {
  let body = null;
  try {
    const text = await response.text();
    body = text ? JSON.parse(text) : null;
  } catch (e) {
    body = null;
  }
  if (body && typeof body === 'object' && (body.title || body.detail)) {
    return new Problem(response.status, body.title || response.statusText, body.detail || '', body.type);
  }
  return new Problem(response.status, `HTTP ${response.status}`, response.statusText || 'the service answered without a problem body');
}

/** One service's API: base URL plus the tenant path, the token from the session. */
export class Api {
  constructor(baseUrl, tenant) {
    this.base = baseUrl.replace(/\/+$/, '') + '/v1/tenants/' + encodeURIComponent(tenant);
  }

  url(path) {
    return this.base + path;
  }

  async request(method, path, body) {
    const headers = { Accept: 'application/json', Authorization: 'Bearer ' + session.token };
    const init = { method, headers, cache: 'no-store', credentials: 'omit' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(this.url(path), init);
    } catch (e) {
      throw new Problem(0, 'Service unreachable', `${method} ${path}: ${e.message}`);
    }
    if (!response.ok) throw await problemOf(response);
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  }

  get(path) { return this.request('GET', path); }
  post(path, body) { return this.request('POST', path, body ?? {}); }

  /** GET that answers null for 404 (a missing optional resource, such as no kept conflicts). */
  async getOptional(path) {
    try {
      return await this.get(path);
    } catch (e) {
      if (e instanceof Problem && e.status === 404) return null;
      throw e;
    }
  }

  /**
   * Follows a Server-Sent Events feed with fetch (EventSource cannot send the Authorization header), reconnecting with
   * Last-Event-ID after the server ends a stream or the network drops it, so no event is missed or seen twice.
   * Returns a function that stops it. onEvent({id, type, data}); onState('connecting'|'live'|'retrying'|'stopped', problem?).
   */
  follow(path, onEvent, onState) {
    const controller = new AbortController();
    const url = this.url(path);
    let lastId = null;
    (async () => {
      let delay = 1000;
      while (!controller.signal.aborted) {
        onState('connecting');
        try {
          const headers = { Accept: 'text/event-stream', Authorization: 'Bearer ' + session.token };
          if (lastId) headers['Last-Event-ID'] = lastId;
          const response = await fetch(url, { headers, signal: controller.signal, cache: 'no-store', credentials: 'omit' });
          if (!response.ok) {
            const problem = await problemOf(response);
            if ([400, 401, 403, 404].includes(response.status)) {
              onState('stopped', problem);
              return;
            }
            throw problem;
          }
          onState('live');
          delay = 1000;
          await readEvents(response.body, event => {
            if (event.id) lastId = event.id;
            onEvent(event);
          });
        } catch (e) {
          if (controller.signal.aborted) break;
          onState('retrying', e instanceof Problem ? e : new Problem(0, 'Feed interrupted', e.message));
          await new Promise(resolve => setTimeout(resolve, delay));
          delay = Math.min(delay * 2, 15000);
          continue;
        }
      }
      onState('stopped');
    })();
    return () => controller.abort();
  }
}

/** Parses a text/event-stream body (the SSE wire format) and calls onEvent for each event with data. */
async function readEvents(stream, onEvent) {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let event = { id: null, type: 'message', data: [] };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      let line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line === '') {
        if (event.data.length) {
          let data = event.data.join('\n');
          try { data = JSON.parse(data); } catch (e) { /* not JSON: keep the text */ }
          onEvent({ id: event.id, type: event.type, data });
        }
        event = { id: null, type: 'message', data: [] };
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let val = colon < 0 ? '' : line.slice(colon + 1);
      if (val.startsWith(' ')) val = val.slice(1);
      if (field === 'data') event.data.push(val);
      else if (field === 'event') event.type = val;
      else if (field === 'id') event.id = val;
    }
  }
}
