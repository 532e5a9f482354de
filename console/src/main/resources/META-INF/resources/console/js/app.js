// The Meldtown console: sign-in, routing and the views. A client of the public APIs only (console/README.md).
import { Api, Problem, decodeClaims, session } from './api.js';
import { h, json, short, table, when } from './dom.js';
import { logGraph, logTable } from './graph.js';

const main = document.getElementById('main');
const alertBox = document.getElementById('alert');
const feedBox = document.getElementById('feed');
const feedList = document.getElementById('feed-list');
const feedState = document.getElementById('feed-state');

let config = null;        // {syncUrl}
let hub = null, sync = null, claims = null;
let stopFeeds = [];       // stops the current view's feeds
let stopSyncFeed = null;  // the tenant's sync feed (lives while signed in)
let timers = [];
let renderSeq = 0;        // a newer render wins over an older one still loading
let refreshCurrent = () => {};
let focusTitle = false;   // a new view takes the focus to its heading once it has loaded
let renderedHtml = null;  // what the current view shows, to skip refreshes that change nothing

// ---------------------------------------------------------------- sign-in

/** Reads #token=<jwt> (the fragment never reaches a server), keeps it in this tab, and removes it from the address bar. */
function takeFragmentToken() {
  const m = /^#token=([^&]+)/.exec(location.hash);
  if (!m) return;
  session.set(decodeURIComponent(m[1]));
  history.replaceState(null, '', location.pathname + location.search + '#/docs');
}

function isWriter() {
  const groups = (claims && claims.groups) || [];
  return groups.includes('writer') || groups.includes('admin');
}

function signIn(token) {
  const c = decodeClaims(token);
  if (!c || typeof c.tenant !== 'string') {
    showProblem(new Problem(400, 'Not a Meldtown token', 'paste the whole JWT (three dot-separated parts with a tenant claim)'));
    return false;
  }
  session.set(token.trim());
  return true;
}

function signOut() {
  session.clear();
  claims = null;
  stopAll();
  if (stopSyncFeed) { stopSyncFeed(); stopSyncFeed = null; }
  location.hash = '#/';
  route();
}

function signInView(reason) {
  renderSeq++; // a view still loading for the session that just ended must not replace this form
  document.getElementById('nav').hidden = true;
  document.getElementById('who').hidden = true;
  feedBox.hidden = true;
  const input = h('textarea', { id: 'token-input', rows: 4, autocomplete: 'off', spellcheck: 'false', required: true });
  const form = h('form', { class: 'card signin', id: 'sign-in-form', onsubmit: ev => {
    ev.preventDefault();
    if (signIn(input.value)) { location.hash = '#/docs'; start(); }
  } },
  h('label', { for: 'token-input' }, 'Bearer token (JWT)'),
  input,
  h('p', { class: 'muted' }, 'The token stays in this browser tab. You can also open the console at ',
    h('code', {}, '/console/#token=<jwt>'), ': the part after # is never sent to a server.'),
  h('button', { type: 'submit' }, 'Sign in'));
  setMain(h('h1', { tabindex: -1 }, 'Sign in'), reason ? h('p', { class: 'bad' }, reason) : null, form);
}

// ---------------------------------------------------------------- frame

function setMain(...children) {
  main.replaceChildren(...children.flat().filter(Boolean));
}

function showProblem(e) {
  if (!e) { alertBox.hidden = true; alertBox.replaceChildren(); return; }
  const p = e instanceof Problem ? e : new Problem(0, 'Error', e.message || String(e));
  alertBox.replaceChildren(h('strong', {}, p.status ? `${p.status} ${p.title}` : p.title), p.detail ? ': ' + p.detail : '');
  alertBox.hidden = false;
}

function stopAll() {
  stopFeeds.forEach(stop => stop());
  stopFeeds = [];
  timers.forEach(t => clearInterval(t));
  timers = [];
}

function feedEvent(source, event) {
  const d = event.data && typeof event.data === 'object' ? event.data : {};
  const data = d.data || {};
  const what = [data.doc, data.replica || data.target, data.town && data.peer ? `${data.town} ↔ ${data.peer}` : data.town,
    data.block ? 'block ' + short(data.block) : null, data.error ? 'error' : null].filter(Boolean).join(' · ');
  feedList.prepend(h('li', { 'data-type': event.type }, when(d.time || new Date().toISOString()), ' ',
    h('strong', {}, String(event.type).replace('dev.meldtown.', '')), what ? ' — ' + what : '', h('span', { class: 'muted' }, ` (${source})`)));
  while (feedList.children.length > 30) feedList.lastElementChild.remove();
}

function feedStatus(name, state, problem) {
  feedState.textContent = `${name}: ${state}${problem ? ' — ' + problem.message : ''}`;
  feedBox.dataset[name] = state;
  if (state === 'stopped' && problem) showProblem(problem);
}

/** Runs load(), then the view; a failure shows the problem (401: back to sign-in). */
async function render(title, load) {
  const seq = ++renderSeq;
  try {
    const content = await load();
    if (seq !== renderSeq) return;
    const next = [h('h1', { tabindex: -1, id: 'view-title' }, title), content].flat().filter(Boolean);
    // A refresh that changes nothing leaves the page alone (the focus, a half-filled form, the scroll position).
    const html = next.map(n => n.outerHTML).join('');
    if (!focusTitle && html === renderedHtml) return;
    const focused = document.activeElement && main.contains(document.activeElement) ? document.activeElement.id : null;
    setMain(next);
    renderedHtml = html;
    if (focusTitle) {
      focusTitle = false;
      document.getElementById('view-title').focus();
    } else if (focused && document.getElementById(focused)) {
      document.getElementById(focused).focus();
    }
  } catch (e) {
    if (seq !== renderSeq) return;
    if (e instanceof Problem && e.status === 401) { session.clear(); signInView(e.message); return; }
    showProblem(e);
    renderedHtml = null;
    setMain(h('h1', { tabindex: -1, id: 'view-title' }, title), h('p', { class: 'bad' }, 'Could not load this view: ' + e.message));
  }
}

// ---------------------------------------------------------------- documents

async function docsView() {
  const load = async () => {
    const docs = [];
    let next = null;
    do {
      const page = await hub.get('/docs' + (next ? '?startAfter=' + encodeURIComponent(next) : ''));
      docs.push(...page.docs);
      next = page.next;
    } while (next);
    return [
      h('p', { class: 'muted' }, `${docs.length} document(s) in tenant ${claims.tenant}; the list refreshes every 3 s.`),
      docs.length
        ? h('ul', { class: 'plain docs', id: 'doc-list' }, docs.map(d => h('li', { 'data-doc': d }, h('a', { href: `#/docs/${encodeURIComponent(d)}` }, d))))
        : h('p', { id: 'doc-list', class: 'muted' }, 'No documents yet.'),
    ];
  };
  refreshCurrent = () => render('Documents', load);
  await refreshCurrent();
  // block-store has no tenant-wide feed: new documents show up by polling the public list.
  timers.push(setInterval(() => refreshCurrent(), 3000));
}

async function docView(doc, replicaParam) {
  const path = '/docs/' + encodeURIComponent(doc);
  const load = async () => {
    const settings = await hub.get(path);
    const replicas = settings.replicas || [];
    const replica = replicaParam && replicas.includes(replicaParam) ? replicaParam : replicas[0];
    const parts = [
      h('p', {}, h('a', { href: '#/docs' }, '← All documents')),
      h('dl', { class: 'card' },
        h('dt', {}, 'Compression'), h('dd', {}, settings.compression),
        h('dt', {}, 'Conflict policy'), h('dd', {}, settings.conflictPolicy)),
      h('h2', {}, 'Replicas'),
      replicas.length
        ? h('ul', { id: 'replicas' }, replicas.map(r => h('li', {}, r === replica
          ? h('strong', { 'aria-current': 'true' }, r + ' (shown)')
          : h('a', { href: `#/docs/${encodeURIComponent(doc)}/${encodeURIComponent(r)}` }, r))))
        : h('p', { class: 'muted' }, 'No replicas yet.'),
    ];
    if (replica) {
      const rp = `${path}/replicas/${encodeURIComponent(replica)}`;
      const [current, log, conflicts] = await Promise.all([hub.get(rp + '/document'), hub.get(rp + '/log'), hub.get(rp + '/conflicts')]);
      parts.push(
        h('section', { 'aria-labelledby': 'conflicts-title', id: 'conflicts' },
          h('h2', { id: 'conflicts-title' }, `Conflicts in replica ${replica} (${conflicts.length})`),
          conflicts.length ? conflicts.map(c => conflictCard(rp, c)) : h('p', { class: 'ok' }, 'No conflicts.')),
        h('div', { class: 'grid2' },
          h('section', { 'aria-labelledby': 'current-title' },
            h('h2', { id: 'current-title' }, `Current JSON of ${replica}`), h('div', { id: 'current-json' }, json(current))),
          h('section', { 'aria-labelledby': 'log-title', id: 'log' },
            h('h2', { id: 'log-title' }, `Log of ${replica} (${log.length} blocks)`),
            logGraph(log, 'log-graph-title'), logTable(log))));
    }
    return parts;
  };
  refreshCurrent = () => render(`Document ${doc}`, load);
  await refreshCurrent();
  let pending = null;
  stopFeeds.push(hub.follow(path + '/events', event => {
    feedEvent('document ' + doc, event);
    clearTimeout(pending);
    pending = setTimeout(() => refreshCurrent(), 150);
  }, (state, problem) => feedStatus('document', state, problem)));
}

function conflictCard(replicaPath, c) {
  const leaf = (l, winner) => h('div', { class: `leaf${winner ? ' winner' : ''}`, 'data-revision': l.revision },
    h('p', {}, winner ? h('span', { class: 'badge ok' }, 'winner') : h('span', { class: 'badge warn' }, 'other leaf'), ' revision ',
      h('code', {}, l.revision)),
    json(l.value),
    !winner && isWriter()
      ? h('button', { type: 'button', class: 'resolve-leaf', onclick: ev => resolveLeaf(ev.target, replicaPath, c.object, l.revision) },
        `Make this the winner of ${short(c.object)}`)
      : null);
  return h('article', { class: 'card conflict', 'data-object': c.object },
    h('h3', {}, 'Object ', h('code', {}, c.object)),
    leaf(c.winner, true), (c.others || []).map(o => leaf(o, false)),
    isWriter()
      ? h('button', { type: 'button', class: 'secondary resolve-winner', onclick: ev => resolveLeaf(ev.target, replicaPath, c.object, c.winner.revision) },
        'Keep the current winner')
      : h('p', { class: 'muted' }, 'Only a writer can resolve a conflict.'));
}

async function resolveLeaf(button, replicaPath, object, revision) {
  button.disabled = true;
  try {
    await hub.post(replicaPath + '/resolve', { object, winner: revision });
    showProblem(null);
    await refreshCurrent();
  } catch (e) {
    showProblem(e);
    button.disabled = false;
  }
}

// ---------------------------------------------------------------- towns, peers, syncs, row conflicts

function yesNo(v) {
  return v === null || v === undefined ? h('span', { class: 'muted' }, 'unknown') : (v ? 'yes' : 'no');
}

async function townsView() {
  const load = async () => {
    const towns = await sync.get('/towns');
    const sections = await Promise.all(towns.map(async t => {
      const peers = await sync.get(`/towns/${encodeURIComponent(t.name)}/peers`);
      const statuses = await Promise.all(peers.map(p => sync.get(`/towns/${encodeURIComponent(t.name)}/peers/${encodeURIComponent(p.name)}/status`)
        .catch(e => ({ peer: p.name, lastError: { message: e.message } }))));
      return h('section', { class: 'card town', 'data-town': t.name, 'aria-labelledby': `town-${t.name}` },
        h('h2', { id: `town-${t.name}` }, `Town ${t.name}`),
        h('p', { class: 'muted' }, `branch ${t.branch} · ${t.remotesApiUrl}`),
        peers.length ? table(`Peers of ${t.name}`, ['Peer', 'Ahead', 'Behind', 'Diverged', 'Kept conflicts', 'Last attempt', 'Last success', 'Last error'],
          statuses.map(st => ({
            attrs: { 'data-peer': st.peer },
            cells: [h('a', { href: `#/towns/${encodeURIComponent(t.name)}/peers/${encodeURIComponent(st.peer)}` }, st.peer),
              st.localAhead ?? h('span', { class: 'muted' }, 'never fetched'), st.localBehind ?? h('span', { class: 'muted' }, 'never fetched'),
              yesNo(st.diverged), st.hasConflicts ? h('span', { class: 'badge bad' }, 'yes') : 'no',
              when(st.lastAttempt), when(st.lastSuccess),
              st.lastError ? h('span', { class: 'bad' }, [st.lastError.category, st.lastError.message].filter(Boolean).join(': ')) : ''],
          }))) : h('p', { class: 'muted' }, 'No peers.'));
    }));
    return towns.length ? sections : h('p', { class: 'muted' }, 'No towns registered in this tenant.');
  };
  refreshCurrent = () => render('Towns and peers', load);
  await refreshCurrent();
}

function syncRow(r) {
  return {
    cells: [when(r.startTime), r.strategy, `${r.pulledCommits ?? 0} / ${r.pushedCommits ?? 0}`,
      [r.fetched ? 'fetched' : null, r.merged ? 'merged' : null, r.pushed ? 'pushed' : null].filter(Boolean).join(', ') || '—',
      (r.conflicts || []).length ? `${r.conflicts.length}${r.conflictsResolved ? ' (resolved)' : ''}` : '0',
      r.error ? h('span', { class: 'bad' }, `${r.error.category}: ${r.error.message}`) : h('span', { class: 'ok' }, 'ok')],
  };
}
const SYNC_HEADERS = ['Started', 'Strategy', 'Pulled / pushed commits', 'Steps', 'Conflicts', 'Result'];

async function peerView(town, peer) {
  const base = `/towns/${encodeURIComponent(town)}/peers/${encodeURIComponent(peer)}`;
  const load = async () => {
    const [status, history, kept] = await Promise.all([sync.get(base + '/status'), sync.get(base + '/syncs?limit=20'), sync.getOptional(base + '/conflicts')]);
    return [
      h('p', {}, h('a', { href: '#/towns' }, '← All towns')),
      h('dl', { class: 'card', id: 'peer-status' },
        h('dt', {}, 'Ahead / behind'), h('dd', {}, `${status.localAhead ?? '?'} / ${status.localBehind ?? '?'}`),
        h('dt', {}, 'Diverged'), h('dd', {}, yesNo(status.diverged)),
        h('dt', {}, 'Last attempt'), h('dd', {}, when(status.lastAttempt)),
        h('dt', {}, 'Last success'), h('dd', {}, when(status.lastSuccess))),
      h('section', { 'aria-labelledby': 'rows-title', id: 'row-conflicts' },
        h('h2', { id: 'rows-title' }, 'Kept row conflicts'),
        kept ? rowConflicts(base, kept) : h('p', { class: 'ok' }, 'No kept conflicts (only a manual sync that meets row conflicts keeps them).')),
      h('section', { 'aria-labelledby': 'history-title', id: 'sync-history' },
        h('h2', { id: 'history-title' }, 'Sync history (newest first)'),
        history.length ? table(null, SYNC_HEADERS, history.map(syncRow)) : h('p', { class: 'muted' }, 'No syncs yet.')),
    ];
  };
  refreshCurrent = () => render(`${town} ↔ ${peer}`, load);
  await refreshCurrent();
}

function cell(v) {
  return v === null || v === undefined ? h('span', { class: 'muted' }, 'deleted / absent') : h('code', {}, JSON.stringify(v));
}

function rowConflicts(base, kept) {
  const choices = kept.rows.map(() => ({ take: null, value: null }));
  const submit = h('button', { type: 'submit', id: 'resolve-rows', disabled: true }, `Resolve ${kept.rows.length} row(s)`);
  const progress = h('span', { class: 'muted', 'aria-live': 'polite', id: 'rows-progress' });
  const update = () => {
    const done = choices.filter(c => c.take).length;
    progress.textContent = `${done} of ${kept.rows.length} rows chosen`;
    submit.disabled = !isWriter() || done < kept.rows.length;
  };
  const rows = kept.rows.map((r, i) => {
    const name = `row-${i}`;
    const keyText = JSON.stringify(r.key);
    const valueBox = h('textarea', { rows: 2, id: `${name}-value`, 'aria-label': `Values for ${r.table} ${keyText} (JSON object)`, hidden: true,
      oninput: ev => { choices[i].value = ev.target.value; } }, JSON.stringify(r.theirs ?? r.ours ?? r.base ?? {}));
    const radio = take => h('label', {}, h('input', { type: 'radio', name, value: take, disabled: !isWriter(), onchange: () => {
      choices[i].take = take;
      valueBox.hidden = take !== 'value';
      if (take === 'value') choices[i].value = valueBox.value;
      update();
    } }), ' ' + take);
    return {
      attrs: { 'data-table': r.table, 'data-key': keyText },
      cells: [h('code', {}, r.table), h('code', {}, keyText), cell(r.base), cell(r.ours), cell(r.theirs),
        h('fieldset', {}, h('legend', {}, `Take for ${keyText}`), radio('ours'), radio('theirs'), radio('value'), valueBox)],
    };
  });
  const form = h('form', { id: 'rows-form', onsubmit: async ev => {
    ev.preventDefault();
    let body;
    try {
      body = { rows: kept.rows.map((r, i) => {
        const row = { table: r.table, key: r.key, take: choices[i].take };
        if (choices[i].take === 'value') row.value = JSON.parse(choices[i].value);
        return row;
      }) };
    } catch (e) {
      showProblem(new Problem(400, 'Not JSON', 'a value must be a JSON object of column values: ' + e.message));
      return;
    }
    submit.disabled = true;
    try {
      const result = await sync.post(base + '/resolve', body);
      showProblem(result.error ? new Problem(0, 'Resolve failed', `${result.error.category}: ${result.error.message}`) : null);
      await refreshCurrent();
    } catch (e) {
      showProblem(e);
      update();
    }
  } },
  h('p', { class: 'muted' }, `Computed ${kept.computedAt ? new Date(kept.computedAt).toLocaleString() : ''} from ${kept.town} `,
    h('code', {}, short(kept.ourHead)), ` and ${kept.peer} `, h('code', {}, short(kept.theirHead)),
    '. Choose ours (this town), theirs (the peer) or your own values for every row.'),
  table(`${kept.rows.length} conflicting row(s)`, ['Table', 'Key', 'Base', 'Ours', 'Theirs', 'Choice'], rows),
  h('div', { class: 'row-actions' }, submit, progress,
    isWriter() ? null : h('span', { class: 'muted' }, 'Only a writer can resolve.')));
  update();
  return form;
}

// ---------------------------------------------------------------- federations

async function federationsView() {
  const load = async () => {
    const feds = await sync.get('/federations');
    if (!feds.length) return h('p', { class: 'muted' }, 'No federations in this tenant.');
    return feds.map(f => h('section', { class: 'card federation', 'data-federation': f.name, 'aria-labelledby': `fed-${f.name}` },
      h('h2', { id: `fed-${f.name}` }, `Federation ${f.name}`),
      h('p', {}, `${f.topology} of ${f.towns.join(', ')} · strategy ${f.strategy} · `,
        f.intervalSeconds ? `every ${f.intervalSeconds} s` : 'rounds on request'),
      f.lastRound
        ? [h('p', {}, 'Last round ', when(f.lastRound.startTime), ` (${f.lastRound.scheduled ? 'scheduled' : 'requested'})`),
          table(`Last round of ${f.name}`, ['Town ↔ peer', ...SYNC_HEADERS],
            f.lastRound.results.map(r => { const row = syncRow(r); return { cells: [`${r.town} ↔ ${r.peer}`, ...row.cells] }; }))]
        : h('p', { class: 'muted' }, 'No round yet.'),
      isWriter() ? h('button', { type: 'button', class: 'secondary', onclick: async ev => {
        ev.target.disabled = true;
        try { await sync.post(`/federations/${encodeURIComponent(f.name)}/sync`); showProblem(null); } catch (e) { showProblem(e); }
        await refreshCurrent();
      } }, `Run a round of ${f.name} now`) : null));
  };
  refreshCurrent = () => render('Federations', load);
  await refreshCurrent();
}

// ---------------------------------------------------------------- routing

function route() {
  stopAll();
  showProblem(null);
  refreshCurrent = () => {};
  claims = session.claims();
  if (!claims) { signInView(); return; }
  document.getElementById('nav').hidden = false;
  document.getElementById('who').hidden = false;
  feedBox.hidden = false;
  document.getElementById('who-text').textContent =
    `tenant ${claims.tenant} · ${(claims.groups || []).join(', ') || 'no role'}${claims.sub ? ' · ' + claims.sub : ''}`;
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const section = parts[0] || 'docs';
  document.querySelectorAll('[data-nav]').forEach(a => { if (a.dataset.nav === section) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current'); });
  focusTitle = true;
  renderedHtml = null;
  if (section === 'docs' && parts[1]) docView(parts[1], parts[2]);
  else if (section === 'towns' && parts[1] && parts[2] === 'peers' && parts[3]) peerView(parts[1], parts[3]);
  else if (section === 'towns') townsView();
  else if (section === 'federations') federationsView();
  else docsView();
}

function start() {
  claims = session.claims();
  if (!claims) { route(); return; }
  hub = new Api(location.origin, claims.tenant);
  sync = new Api(config.syncUrl, claims.tenant);
  if (!stopSyncFeed) {
    stopSyncFeed = sync.follow('/events', event => {
      feedEvent('syncs', event);
      const section = (location.hash.replace(/^#\/?/, '').split('/')[0]) || 'docs';
      if (section === 'towns' || section === 'federations') refreshCurrent();
    }, (state, problem) => feedStatus('syncs', state, problem));
  }
  route();
}

async function boot() {
  takeFragmentToken();
  document.getElementById('sign-out').addEventListener('click', signOut);
  // The skip link moves the focus to the content without touching the hash (the hash is the route).
  document.getElementById('skip-link').addEventListener('click', ev => { ev.preventDefault(); main.focus(); });
  window.addEventListener('hashchange', () => { if (/^#token=/.test(location.hash)) { takeFragmentToken(); start(); } else route(); });
  try {
    const r = await fetch('config', { cache: 'no-store', credentials: 'omit' });
    config = r.ok ? await r.json() : {};
  } catch (e) {
    config = {};
  }
  if (!config.syncUrl) {
    showProblem(new Problem(0, 'Console not configured', 'the hub did not say where the sync-orchestrator is (meldtown.console.sync-url)'));
    config.syncUrl = location.origin;
  }
  start();
}

boot();
