// The Cairn console: polls the admin API every 2 s and shows the store, the relay and every
// projection (live charts of lag and events/s), dead letters with retry and skip, a stream
// browser and the audit log. Plain JS modules, no build step.

import * as api from './api.js';
import { LiveChart } from './charts.js';

const POLL_MS = 2000;
const $ = (sel, root = document) => root.querySelector(sel);
const charts = new Map();     // key -> LiveChart
const relayLast = new Map();  // transactionalId -> {t, pos}
let view = 'overview';

// ---------- small DOM helpers (text only: nothing from the server is parsed as HTML) ----------

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function dl(pairs) {
  return el('dl', {}, pairs.filter(p => p).map(([k, v]) => [el('dt', { text: k }), el('dd', {}, v ?? '–')]));
}

function pill(text, kind) { return el('span', { class: 'pill ' + (kind || '') }, text); }

function ago(iso) {
  if (!iso) return '–';
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  return s < 60 ? s + ' s ago' : s < 3600 ? Math.round(s / 60) + ' min ago' : new Date(iso).toLocaleString();
}

function ms(v) { return v == null ? '–' : v < 1000 ? v + ' ms' : (v / 1000).toFixed(1) + ' s'; }

// An operator's action and its outcome stay in the status line for a while: the periodic
// refresh must not replace them with its 'updated ...' line a moment later.
let actionShownUntil = 0;
const ACTION_STATUS_MS = 15000;

function setStatus(text, error) {
  const s = $('#status');
  s.textContent = text;
  s.classList.toggle('error', !!error);
}

function sum(obj) {
  if (obj == null) return 0;
  if (typeof obj === 'number') return obj;
  return Object.values(obj).reduce((a, b) => a + (Number(b) || 0), 0);
}

// ---------- navigation ----------

function show(name) {
  view = ['overview', 'dead-letters', 'streams', 'audit'].includes(name) ? name : 'overview';
  document.querySelectorAll('.view').forEach(v => { v.hidden = v.id !== 'view-' + view; });
  document.querySelectorAll('nav a').forEach(a => {
    if (a.dataset.view === view) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  });
  refresh();
}

window.addEventListener('hashchange', () => show(location.hash.slice(1).split('/')[0]));

// ---------- overview ----------

async function overview() {
  const o = await api.get('overview');
  renderStore(o.store);
  renderRelays(o.relays || []);
  renderProjections(o.projections || []);
  const open = (o.deadLetters?.parked || 0) + (o.deadLetters?.held || 0);
  const badge = $('#dl-count');
  badge.hidden = open === 0;
  badge.textContent = open;
}

function renderStore(s) {
  const t = s.oldestOpenTransaction;
  const fence = t
    ? el('span', { class: t.ageMs > 10000 ? 'error' : '' },
      `held ${ms(t.ageMs)} by ${t.pid ? 'pid ' + t.pid : 'a prepared transaction'} (${t.state}); ` +
      `${s.fence?.eventsWaiting ?? 0} events wait`)
    : 'free';
  $('#store').replaceChildren(el('div', { class: 'card', id: 'store-card' },
    dl([
      ['head', el('code', { text: s.headPosition })],
      ['events', el('span', { class: 'big' }, s.events)],
      ['streams', s.streams + ' (' + (s.streamTypes || []).map(t => `${t.streamType}: ${t.streams}`).join(', ') + ')'],
      ['fence', fence],
      t && t.query ? ['query', el('code', { text: t.query })] : null,
    ])));
}

function stateKind(state) {
  return { ACTIVE: 'ok', RUNNING: 'ok', STANDBY: '', PAUSED: 'warn', FAILED: 'bad', STOPPED: 'bad', DOWN: 'bad',
    DEGRADED: 'warn', UP: 'ok' }[state] || '';
}

function chartFor(key, host, what) {
  // The card keeps its chart element across refreshes, so the chart (and its history) lives on.
  let c = charts.get(key);
  if (!c || c.el !== host) {
    if (c) c.destroy();
    c = new LiveChart(host, what);
    charts.set(key, c);
  }
  return c;
}

function card(key, build) {
  // Cards are kept across refreshes so their charts keep their history and focus is not lost.
  let c = document.getElementById(key);
  if (!c) c = el('article', { class: 'card', id: key });
  build(c);
  return c;
}

function renderRelays(relays) {
  const host = $('#relays');
  if (!relays.length) {
    host.replaceChildren(el('p', { class: 'empty' }, 'No relay has published from this store yet.'));
    return;
  }
  const cards = relays.map(r => card('relay-' + r.transactionalId, c => {
    const pos = Number((r.position || '0/0').split('/')[1]);
    const now = Date.now();
    const last = relayLast.get(r.transactionalId);
    const rate = last && now > last.t ? Math.max(0, (pos - last.pos) * 1000 / (now - last.t)) : 0;
    relayLast.set(r.transactionalId, { t: now, pos });
    let chartHost = c.querySelector('.chart');
    if (!chartHost) chartHost = el('div', { class: 'chart' });
    c.replaceChildren(...[
      el('h4', {}, 'Relay ', el('code', { text: r.transactionalId }), pill(r.live ? r.state : 'other process', stateKind(r.state))),
      dl([
        ['position', el('code', { text: r.position })],
        ['behind', el('span', { class: 'big relay-behind' }, r.eventsBehind)],
        ['read delay', ms(r.readDelayMs)],
        ['publish delay', ms(r.publishDelayMs)],
        ['updated', ago(r.updatedAt)],
      ]),
      r.lastError ? el('p', { class: 'lasterror' }, 'last error: ' + r.lastError) : null,
      chartHost].filter(Boolean));
    chartFor('relay:' + r.transactionalId, chartHost, 'behind').add(r.eventsBehind, Math.round(rate * 10) / 10);
  }));
  host.replaceChildren(...cards);
}

function renderProjections(projections) {
  const host = $('#projections');
  if (!projections.length) {
    host.replaceChildren(el('p', { class: 'empty' }, 'No projection is installed.'));
    return;
  }
  const cards = [];
  for (const p of projections) {
    for (const v of p.versions) {
      if (v.status === 'RETIRED') continue;
      const key = `projection-${p.name}-v${v.version}`;
      cards.push(card(key, c => renderVersion(c, p, v, key)));
    }
  }
  host.replaceChildren(...cards);
}

function renderVersion(c, p, v, key) {
  const runners = v.runners || [];
  const lag = runners.reduce((a, r) => a + sum(r.lag), 0);
  const rate = runners.reduce((a, r) => a + (r.eventsPerSecond || 0), 0);
  const errors = runners.map(r => r.lastError).filter(e => e);
  const state = v.paused ? 'PAUSED' : runners.length ? runners.map(r => r.state).join(', ') : 'no runner';
  let chartHost = c.querySelector('.chart');
  if (!chartHost) chartHost = el('div', { class: 'chart' });
  c.dataset.name = p.name;
  c.dataset.version = v.version;
  c.replaceChildren(...[
    el('h4', {}, p.name, el('span', {}, 'v' + v.version),
      pill(v.status + (v.serving ? ' · serving' : ''), v.serving ? 'ok' : ''),
      pill(state, v.paused ? 'warn' : stateKind(runners[0]?.state))),
    dl([
      ['lag', el('span', { class: 'big lag', 'data-lag': lag }, lag)],
      ['events/s', el('span', { class: 'rate' }, rate.toFixed(1))],
      ['parked', v.parked ? el('a', { href: '#dead-letters', class: 'error', onclick: () => filterDeadLetters(p.name) }, v.parked) : '0'],
      ['position', v.checkpoint ? el('code', { text: v.checkpoint })
        : Object.keys(v.offsets || {}).length ? el('code', { text: Object.entries(v.offsets).map(([k, o]) => k + '@' + o).join(' ') }) : '–'],
      ['runners', runners.length ? runners.map(r => `${r.instance} ${r.source}${r.stale ? ' (stale)' : ''}`).join('; ') : 'none reports'],
      v.paused ? ['paused by', `${v.pausedBy || '?'} ${ago(v.pausedAt)}`] : null,
    ]),
    errors.length ? el('p', { class: 'lasterror' }, 'last error: ' + errors[0]) : null,
    chartHost,
    el('div', { class: 'actions' },
      v.paused
        ? el('button', { type: 'button', onclick: () => act(`projections/${enc(p.name)}/resume`, { version: v.version }, `Resume ${p.name} v${v.version}`) }, 'Resume')
        : el('button', { type: 'button', onclick: () => act(`projections/${enc(p.name)}/pause`, { version: v.version }, `Pause ${p.name} v${v.version}`) }, 'Pause'),
      el('button', { type: 'button', class: 'danger', onclick: () => replay(p.name, v.version) }, 'Replay…'),
      v.serving ? el('button', { type: 'button', class: 'danger', onclick: () => rebuild(p.name, v.version) }, 'Rebuild…') : null,
      !v.serving && v.status === 'BUILDING'
        ? el('button', { type: 'button', class: 'danger', onclick: () => switchTo(p.name, v.version) }, 'Switch…') : null,
      v.parked ? el('button', { type: 'button', onclick: () => act(`projections/${enc(p.name)}/dead-letters/retry-all`, { version: v.version }, `Retry all parked events of ${p.name} v${v.version}`) }, 'Retry all') : null)
  ].filter(Boolean));
  chartFor(key, chartHost, 'lag').add(lag, Math.round(rate * 10) / 10);
}

const enc = encodeURIComponent;

// ---------- actions, with a confirmation step ----------

function confirmDialog(title, text, fields = []) {
  const d = $('#confirm');
  $('#confirm-title').textContent = title;
  $('#confirm-text').textContent = text;
  $('#confirm-error').textContent = '';
  $('#confirm-fields').replaceChildren(...fields);
  return new Promise(resolve => {
    d.addEventListener('close', () => resolve(d.returnValue === 'ok'), { once: true });
    d.returnValue = '';
    d.showModal();
    (fields[0]?.querySelector('input, select') || $('#confirm-ok')).focus();
  });
}

async function act(path, body, what) {
  try {
    actionShownUntil = Date.now() + ACTION_STATUS_MS;
    setStatus(what + '…');
    const command = await api.post(path, body);
    const done = await api.awaitCommand(command);
    actionShownUntil = Date.now() + ACTION_STATUS_MS;
    setStatus(`${what}: ${done.status}${done.result ? ' — ' + done.result : ''}`, done.status === 'FAILED');
  } catch (e) {
    actionShownUntil = Date.now() + ACTION_STATUS_MS;
    setStatus(`${what}: refused (${e.status || ''} ${e.message})`, true);
  }
  refresh();
}

async function replay(name, version) {
  const from = el('select', { id: 'replay-from' },
    el('option', { value: 'beginning' }, 'from the beginning'),
    el('option', { value: 'instant' }, 'from an instant'),
    el('option', { value: 'position' }, 'from a global position'));
  const at = el('input', { id: 'replay-at', type: 'text', placeholder: '2026-12-01T00:00:00Z or 812/40' });
  const ok = await confirmDialog(`Replay ${name} v${version}?`,
    'Its tables and dead letters are emptied and its runner applies the source again. Readers see the rebuilt state as it catches up.',
    [el('label', {}, 'Start ', from), el('label', {}, 'Instant or position ', at)]);
  if (!ok) return;
  const body = { version };
  if (from.value === 'beginning') body.from = 'beginning';
  else if (from.value === 'instant') body.from = at.value.trim();
  else body.position = at.value.trim();
  act(`projections/${enc(name)}/replay`, body, `Replay ${name} v${version}`);
}

async function rebuild(name, version) {
  const next = el('input', { id: 'rebuild-version', type: 'number', min: version + 1, value: version + 1 });
  const sw = el('input', { id: 'rebuild-switch', type: 'checkbox' });
  const ok = await confirmDialog(`Rebuild ${name}?`,
    `A new version is built beside v${version}, which keeps serving until the switch. A running service must have the new version's code.`,
    [el('label', {}, 'Version ', next), el('label', {}, sw, ' switch readers to it when it has caught up')]);
  if (!ok) return;
  act(`projections/${enc(name)}/rebuild`, { version: Number(next.value), switchWhenCaughtUp: sw.checked }, `Rebuild ${name} v${next.value}`);
}

async function switchTo(name, version) {
  const ok = await confirmDialog(`Switch readers of ${name} to v${version}?`,
    'Readers see the new version at once (one transaction); the serving version is retired and its tables dropped.');
  if (ok) act(`projections/${enc(name)}/switch`, { version }, `Switch ${name} to v${version}`);
}

// ---------- dead letters ----------

function filterDeadLetters(projection) {
  const f = $('#dl-filter');
  f.projection.value = projection;
}

async function deadLetters() {
  const f = $('#dl-filter');
  const q = new URLSearchParams();
  for (const k of ['projection', 'stream', 'error', 'status']) if (f[k].value.trim()) q.set(k, f[k].value.trim());
  q.set('limit', '100');
  const page = await api.get('dead-letters?' + q);
  const body = $('#dl-table tbody');
  body.replaceChildren(...page.items.map(d => el('tr', { 'data-id': d.id },
    el('td', {}, el('button', { type: 'button', class: 'linklike', onclick: () => deadLetter(d.id), 'aria-label': 'show dead letter ' + d.id }, d.id)),
    el('td', {}, `${d.projection} v${d.version}`),
    el('td', {}, pill(d.status, d.status === 'PARKED' ? 'bad' : d.status === 'HELD' ? 'warn' : '')),
    el('td', {}, d.streamId ? el('a', { href: '#streams', onclick: () => openStream(d.streamId) }, d.streamId) : `${d.topic}-${d.partition}@${d.offset}`),
    el('td', {}, d.eventType || 'raw record', d.streamVersion ? ` #${d.streamVersion}` : ''),
    el('td', { class: 'err' }, d.error || ''),
    el('td', {}, d.attempts),
    el('td', {}, ago(d.parkedAt)),
    el('td', { class: 'actions-cell' }, d.status === 'PARKED' ? [
      el('button', { type: 'button', class: 'retry', onclick: () => resolve(d, false) }, 'Retry'), ' ',
      el('button', { type: 'button', class: 'danger skip', onclick: () => resolve(d, true) }, 'Skip…')] : ''))));
  $('#dl-empty').hidden = page.items.length > 0;
}

async function resolve(d, skip) {
  if (skip) {
    const ok = await confirmDialog(`Skip dead letter ${d.id}?`,
      `${d.eventType} of ${d.streamId} will never be applied to ${d.projection} v${d.version}; the events held behind it are applied.`);
    if (!ok) return;
  }
  await act(`dead-letters/${d.id}/${skip ? 'skip' : 'retry'}`, {}, `${skip ? 'Skip' : 'Retry'} dead letter ${d.id}`);
}

async function deadLetter(id) {
  const d = await api.get('dead-letters/' + id);
  document.querySelectorAll('#dl-table tr').forEach(tr => tr.classList.toggle('selected', tr.dataset.id == id));
  const box = $('#dl-detail');
  box.hidden = false;
  box.replaceChildren(
    el('h3', {}, `Dead letter ${d.id}`),
    dl([
      ['projection', `${d.projection} v${d.version}`], ['status', d.status], ['stream', d.streamId],
      ['event', `${d.eventType} #${d.streamVersion} (revision ${d.schemaRevision})`], ['event id', d.eventId],
      ['position', d.position], ['kafka', d.topic ? `${d.topic}-${d.partition}@${d.offset}` : '–'],
      ['attempts', d.attempts], ['parked', d.parkedAt],
    ]),
    el('h4', {}, 'Payload'), el('pre', {}, JSON.stringify(d.payload ?? d.raw, null, 2)),
    el('h4', {}, 'Metadata'), el('pre', {}, JSON.stringify(d.metadata, null, 2)),
    el('h4', {}, 'Error'), el('pre', { class: 'error' }, d.stack || d.error));
  box.focus?.();
}

// ---------- streams ----------

function openStream(id) {
  $('#stream-id').value = id;
  loadStream(id);
}

async function loadStream(id) {
  const out = $('#stream-result');
  $('#related').hidden = true;
  try {
    const s = await api.get('streams/' + enc(id) + '?limit=500');
    out.replaceChildren(
      el('p', {}, el('strong', {}, s.streamId), ` — type ${s.streamType}, version ${s.version}`),
      el('div', { class: 'table-wrap' }, el('table', { id: 'stream-events' },
        el('thead', {}, el('tr', {}, ['#', 'Event', 'Position', 'Recorded', 'Payload', 'Metadata'].map(h => el('th', {}, h)))),
        el('tbody', {}, s.events.map(e => eventRow(e))))));
  } catch (e) {
    out.replaceChildren(el('p', { class: 'error', role: 'alert' }, e.status === 404 ? `No stream ${id}.` : e.message));
  }
}

function meta(m, key) { return m ? (m[key] ?? m[key.replace(/[A-Z]/g, c => '_' + c.toLowerCase())]) : null; }

function eventRow(e) {
  const m = typeof e.metadata === 'string' ? JSON.parse(e.metadata) : e.metadata;
  const correlation = meta(m, 'correlationId');
  const causation = meta(m, 'causationId');
  return el('tr', { 'data-event-id': e.eventId, 'data-correlation': correlation || '' },
    el('td', {}, e.version),
    el('td', {}, e.eventType, el('br'), el('small', {}, 'rev ' + e.schemaRevision)),
    el('td', {}, el('code', { text: e.position })),
    el('td', {}, new Date(e.recordedAt).toLocaleString()),
    el('td', {}, el('pre', {}, JSON.stringify(e.payload, null, 2))),
    el('td', {},
      correlation ? el('div', {}, 'correlation ', el('button', { type: 'button', class: 'linklike', onclick: () => related('correlation', correlation) }, correlation)) : null,
      causation ? el('div', {}, 'causation ', el('button', { type: 'button', class: 'linklike', onclick: () => related('causation', causation) }, causation)) : null,
      el('pre', {}, JSON.stringify(m, null, 2))));
}

/** Follows a correlation or causation id through the newest events of the global order. */
async function related(kind, id) {
  const tail = await api.get('events?limit=500');
  const hits = tail.items.filter(e => {
    const m = typeof e.metadata === 'string' ? JSON.parse(e.metadata) : e.metadata;
    return kind === 'causation' ? e.eventId === id : meta(m, 'correlationId') === id || e.eventId === id;
  });
  document.querySelectorAll('#stream-events tr').forEach(tr =>
    tr.classList.toggle('highlight', tr.dataset.eventId === id || (kind === 'correlation' && tr.dataset.correlation === id)));
  const box = $('#related');
  box.hidden = false;
  box.replaceChildren(
    el('h3', {}, kind === 'causation' ? `The event that caused it (${id})` : `Events with correlation id ${id}`),
    hits.length
      ? el('ul', {}, hits.map(e => el('li', {}, el('a', { href: '#streams', onclick: () => openStream(e.streamId) }, e.streamId),
        ` #${e.version} ${e.eventType} at `, el('code', { text: e.position }))))
      : el('p', { class: 'empty' }, 'Not among the newest 500 events of the global order.'));
}

// ---------- audit ----------

async function audit() {
  const page = await api.get('audit?limit=100');
  $('#audit-table tbody').replaceChildren(...page.items.map(a => el('tr', {},
    el('td', {}, new Date(a.at).toLocaleString()), el('td', {}, a.actor), el('td', {}, a.remote || ''),
    el('td', {}, a.action), el('td', {}, a.target), el('td', {}, el('code', { text: JSON.stringify(a.arguments) })),
    el('td', {}, pill(a.status, a.status < 300 ? 'ok' : 'bad')), el('td', { class: a.status < 300 ? '' : 'err' }, a.result || ''))));
  $('#audit-empty').hidden = page.items.length > 0;
}

// ---------- workflows (process managers and their deadlines) ----------

async function workflows() {
  let list = [];
  try {
    list = await api.get('workflows');
  } catch (e) {
    if (e.status !== 503) throw e;  // a read side has no workflows
  }
  $('#wf-table tbody').replaceChildren(...list.map(w => el('tr', {},
    el('td', {}, el('code', { text: w.name })), el('td', {}, w.instances),
    el('td', {}, w.deadlines.pending), el('td', {}, w.deadlines.fired),
    el('td', {}, w.deadlines.failed ? pill(w.deadlines.failed, 'bad') : '0'), el('td', {}, w.deadlines.cancelled),
    el('td', { class: w.oldestOverdue ? 'err' : '' }, w.oldestOverdue ? ago(w.oldestOverdue) : '–'))));
  $('#wf-table').hidden = list.length === 0;
  $('#wf-empty').hidden = list.length > 0;
}

// ---------- polling ----------

let busy = false;

async function refresh() {
  if (busy) return;
  busy = true;
  try {
    await overview();
    if (view === 'overview') await workflows();
    if (view === 'dead-letters') await deadLetters();
    if (view === 'audit') await audit();
    if (Date.now() > actionShownUntil) {
      setStatus('updated ' + new Date().toLocaleTimeString() + (api.token() ? ' · token set' : ''));
    }
  } catch (e) {
    setStatus(e.status === 401 ? 'the admin API wants a token: enter it above' : 'cannot reach the admin API: ' + e.message, true);
  } finally {
    busy = false;
  }
}

function start() {
  const token = $('#token');
  const actor = $('#actor');
  token.value = api.token();
  actor.value = api.actor();
  token.addEventListener('change', () => { api.setToken(token.value.trim()); refresh(); });
  actor.addEventListener('change', () => api.setActor(actor.value.trim()));
  $('#auth').addEventListener('submit', e => e.preventDefault());
  $('#dl-filter').addEventListener('submit', e => { e.preventDefault(); deadLetters(); });
  $('#stream-form').addEventListener('submit', e => { e.preventDefault(); loadStream($('#stream-id').value.trim()); });
  show(location.hash.slice(1) || 'overview');
  setInterval(refresh, POLL_MS);
}

start();
