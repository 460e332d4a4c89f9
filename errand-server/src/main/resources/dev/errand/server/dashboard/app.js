// Errand dashboard: plain JavaScript over the same /v1 API as every client, with the token the user
// gives sent as a bearer header. Every list is paged or bounded by the server. The event stream is read
// with fetch (EventSource cannot send an Authorization header): on sign-in the page takes the events the
// server kept, then streams from the last one's number, and every view that shows live data refreshes on
// it. States the page does not know (a newer server's) are shown by name, like any other.
'use strict';

const KNOWN_STATES = ['WAITING', 'SCHEDULED', 'READY', 'RUNNING', 'RETRYING', 'SUCCEEDED', 'DEAD', 'CANCELLED'];
const DUE_STATES = ['SCHEDULED', 'RETRYING'];
const PAGE = 50;
const DUE_LIMIT = 200;
const EVENTS_KEPT = 500;
const $ = (sel) => document.querySelector(sel);
let token = sessionStorage.getItem('errand.token') || '';
let zone = localStorage.getItem('errand.zone') === 'utc' ? 'utc' : 'local';
let charts = null;
let refreshTimer = null;
let currentTask = null;

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(method, path, json) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = 'Bearer ' + token;
  if (json !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(path, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
  if (r.status === 401) {
    showLogin(token ? 'That token is not accepted.' : '');
    throw new ApiError(401, 'a token is needed');
  }
  if (r.status === 204) return null;
  const body = r.headers.get('Content-Type')?.includes('json') ? await r.json() : await r.text();
  if (!r.ok) {
    const detail = body && (body.detail || body.title) || ('HTTP ' + r.status);
    throw new ApiError(r.status, r.status === 403 ? detail + ' (actions need an admin token)' : detail);
  }
  return body;
}

function toast(text) {
  const t = $('#toast');
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 4000);
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c ?? ''));
  return e;
}

async function act(label, method, path, after, body) {
  try {
    const r = await api(method, path, body);
    toast(label + (r && typeof r === 'object' && !r.id && Object.keys(r).length ? ': ' + JSON.stringify(r) : ''));
    if (after) await after();
    return r;
  } catch (e) {
    if (e.status !== 401) toast(label + ' failed: ' + e.message);
    return null;
  }
}

const enc = encodeURIComponent;

// The first line of an error, as lists show it.
function firstLine(error) {
  if (!error) return '';
  const nl = error.indexOf('\n');
  return (nl < 0 ? error : error.slice(0, nl)).trim();
}

// A state by name: text always, colour only as a help (a state this page does not know looks plain).
function stateBadge(state) {
  return el('span', { class: 'state ' + (KNOWN_STATES.includes(state) ? state : 'other') }, state);
}

// ------------------------------------------------------------------ time: zone, absolute and relative

const pad = (n) => String(n).padStart(2, '0');

// "2026-12-04 10:15:02 UTC" or, local, "2026-12-04 11:15:02 GMT+1": every time carries its zone.
function absolute(d, inZone = zone) {
  if (inZone === 'utc') {
    return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()) + ' '
      + pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ':' + pad(d.getUTCSeconds()) + ' UTC';
  }
  const name = new Intl.DateTimeFormat([], { timeZoneName: 'short' }).formatToParts(d)
    .find((p) => p.type === 'timeZoneName')?.value || 'local';
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' '
    + pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()) + ' ' + name;
}

// "in 4 s", "12 min ago", "now"
function relative(d) {
  const s = Math.round((d.getTime() - Date.now()) / 1000);
  const a = Math.abs(s);
  if (a < 1) return 'now';
  let text;
  if (a < 60) text = a + ' s';
  else if (a < 3600) text = Math.floor(a / 60) + ' min';
  else if (a < 86400) text = (a < 36000 ? (a / 3600).toFixed(1) : Math.round(a / 3600)) + ' h';
  else text = Math.round(a / 86400) + ' d';
  return s > 0 ? 'in ' + text : text + ' ago';
}

function timeText(node) {
  const d = new Date(node.dataset.iso);
  node.textContent = node.dataset.rel ? relative(d) + ' · ' + absolute(d) : absolute(d);
  node.title = absolute(d, zone === 'utc' ? 'local' : 'utc');
}

// A <time> that shows its zone, and (rel) how long ago or until; kept current by tick().
function at(iso, rel = true) {
  if (!iso) return document.createTextNode('—');
  const t = el('time', { datetime: iso, 'data-iso': iso, 'data-rel': rel ? '1' : null });
  timeText(t);
  return t;
}

function tick() {
  document.querySelectorAll('main time[data-iso]').forEach(timeText);
}
setInterval(tick, 1000);

$('#zone').value = zone;
$('#zone').addEventListener('change', () => {
  zone = $('#zone').value;
  localStorage.setItem('errand.zone', zone);
  tick();
  document.querySelectorAll('#events time[data-iso]').forEach(timeText);
});

// ------------------------------------------------------------------ login

function showLogin(message) {
  $('#main').hidden = true;
  $('#login').hidden = false;
  $('#login-error').textContent = message || '';
  stream.stop();
}

$('#login-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  token = $('#token').value.trim();
  sessionStorage.setItem('errand.token', token);
  $('#login').hidden = true;
  $('#main').hidden = false;
  render();
});

$('#logout').addEventListener('click', () => {
  token = '';
  sessionStorage.removeItem('errand.token');
  showLogin('');
});

// ------------------------------------------------------------------ routing

function route() {
  const [path, query] = location.hash.replace(/^#/, '').split('?');
  return { path: path || '/', params: new URLSearchParams(query || '') };
}

function show(view, nav = view === 'task' ? 'tasks' : view) {
  document.querySelectorAll('.view').forEach((v) => { v.hidden = v.id !== 'view-' + view; });
  document.querySelectorAll('[data-nav]').forEach((a) => {
    a.classList.toggle('active', a.dataset.nav === nav);
    if (a.dataset.nav === nav) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  });
}

// Each view: what it renders, and whether it re-renders on a timer and on events.
const VIEWS = {
  '/': { name: 'overview', render: () => renderOverview(), live: true },
  '/retrying': { name: 'retrying', render: (p) => renderRetrying(p), live: true },
  '/dead': { name: 'dead', render: (p) => renderDead(p) },
  '/workers': { name: 'workers', render: () => renderWorkers(), live: true },
  '/events': { name: 'events', render: (p) => renderEvents(p) },
  '/tasks': { name: 'tasks', render: (p) => renderTasks(p) },
  '/schedules': { name: 'schedules', render: () => renderSchedules() },
  '/workflows': { name: 'workflows', render: () => renderWorkflowLookup() },
};

async function render() {
  clearInterval(refreshTimer);
  const { path, params } = route();
  stream.start();
  try {
    const view = VIEWS[path];
    if (view) {
      show(view.name);
      await view.render(params);
      if (view.live) refreshTimer = setInterval(() => refreshQuietly(view, params), 5000);
    } else if (path.startsWith('/task/')) {
      show('task');
      await renderTask(decodeURIComponent(path.slice(6)));
    } else if (path.startsWith('/workflow/')) {
      show('workflow', 'workflows');
      await renderWorkflow(decodeURIComponent(path.slice(10)));
    } else {
      location.hash = '#/';
    }
  } catch (e) {
    if (e.status !== 401) toast(e.message);
  }
}

// A refresh redraws the view's rows: not while a control in it has the keyboard's focus, which it would lose.
function refreshQuietly(view, params) {
  const focused = document.activeElement;
  if (focused && focused !== $('#main') && $('#main').contains(focused) && focused.matches('button, a, input, select')) return;
  view.render(params).catch(() => {});
}

window.addEventListener('hashchange', () => { render(); $('#main').focus({ preventScroll: true }); });

// Filter forms: their fields to the address, the address to their fields.
function bindFilter(form, path, names, params) {
  for (const k of names) form.elements[k].value = params.get(k) || '';
  form.onsubmit = (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    for (const k of names) if (form.elements[k].value.trim()) q.set(k, form.elements[k].value.trim());
    location.hash = '#' + path + (q.toString() ? '?' + q : '');
  };
}

function scopeOf(params, names = ['queue', 'type']) {
  const q = new URLSearchParams();
  for (const k of names) if (params.get(k)) q.set(k, params.get(k));
  return q;
}

function describe(scope) {
  const parts = [...scope.entries()].map(([k, v]) => k + ' ' + v);
  return parts.length ? ' in ' + parts.join(', ') : '';
}

// ------------------------------------------------------------------ queues

// A count the store stopped at its bound reads "10,000+".
function count(q, state) {
  const n = (q.counts[state] || 0).toLocaleString('en-US');
  return (q.lowerBounds || []).includes(state) ? n + '+' : n;
}

// 75 -> "1m 15s", 4000 -> "1h 6m"
function age(seconds) {
  if (!seconds) return '—';
  const s = Math.round(seconds);
  if (s < 60) return s + 's';
  if (s < 3600) return Math.floor(s / 60) + 'm ' + (s % 60) + 's';
  if (s < 86400) return Math.floor(s / 3600) + 'h ' + Math.floor((s % 3600) / 60) + 'm';
  return Math.floor(s / 86400) + 'd ' + Math.floor((s % 86400) / 3600) + 'h';
}

function limitsText(l) {
  const parts = [];
  if (l && l.maxRunning != null) parts.push('≤ ' + l.maxRunning + ' running');
  if (l && l.ratePerSecond != null) parts.push(l.ratePerSecond + '/s, burst ' + l.burst);
  return parts.join('; ') || '—';
}

const queueSort = { key: 'queue', dir: 1 };
let queueData = null;

async function renderOverview() {
  const [queues, stats, rates, targets] = await Promise.all([api('GET', '/v1/queues'), api('GET', '/v1/stats'),
    api('GET', '/v1/stats/queues'), api('GET', '/v1/stats/targets')]);
  queueData = { queues: queues.queues, rates };
  drawQueues();
  drawCharts(stats.minutes);
  drawTargets(targets.hosts);
}

// Target requests per host (GET /v1/stats/targets): counts by status class, the statuses themselves,
// and latency. Hidden while this server has made none.
function drawTargets(hosts) {
  $('#targets-box').hidden = hosts.length === 0;
  const count = (h, test) => Object.entries(h.statuses).filter(([s]) => test(s)).reduce((n, [, c]) => n + c, 0);
  const cls = (prefix) => (s) => s.length === 3 && s[0] === prefix;
  const num = (v, name) => el('td', { class: 'num', 'data-col': name }, String(v));
  $('#targets tbody').replaceChildren(...hosts.map((h) => el('tr', { 'data-host': h.host },
    el('td', { 'data-col': 'host' }, h.host), num(h.requests, 'requests'), num(count(h, cls('2')), '2xx'),
    num(count(h, cls('4')), '4xx'), num(count(h, cls('5')), '5xx'), num(count(h, (s) => !/^[0-9]+$/.test(s)), 'no-answer'),
    el('td', { 'data-col': 'statuses' }, Object.entries(h.statuses).map(([s, c]) => s + ': ' + c).join(', ')),
    num(h.latencyMeanMs.toFixed(1), 'mean'), num(h.latencyMaxMs.toFixed(1), 'max'))));
}

// The columns: every state any queue reports, the known ones in their order, new ones after them.
function queueColumns(queues) {
  const states = [...KNOWN_STATES];
  for (const q of queues) for (const s of Object.keys(q.counts)) if (!states.includes(s)) states.push(s);
  const rate = (q) => queueData.rates.queues[q.queue];
  return [
    { key: 'queue', label: 'queue', value: (q) => q.queue },
    { key: 'status', label: 'status', value: (q) => (q.paused ? 'paused' : 'active') },
    ...states.map((s) => ({ key: s, label: s.toLowerCase(), num: true, state: s, value: (q) => q.counts[s] || 0 })),
    { key: 'total', label: 'total', num: true, value: (q) => q.total },
    { key: 'limits', label: 'limits', value: (q) => limitsText(q.limits) },
    { key: 'throughput', label: 'done/min', num: true, title: 'attempts finished per minute, last ' + queueData.rates.minutes + ' min',
      value: (q) => (rate(q) ? (rate(q).succeeded + rate(q).failed) / queueData.rates.minutes : 0) },
    { key: 'failure', label: 'failure rate', num: true, title: 'failed attempts (retried or dead) of those finished, last '
      + queueData.rates.minutes + ' min', value: (q) => (rate(q) ? rate(q).failureRate : 0) },
    { key: 'oldest', label: 'oldest ready', num: true, title: 'how long the oldest task that may run now has waited',
      value: (q) => q.oldestReadyAgeSeconds || 0 },
  ];
}

function drawQueues() {
  const all = queueData.queues;
  const cols = queueColumns(all);
  const head = $('#queues thead tr');
  head.replaceChildren(...cols.map((c) => {
    const sorted = queueSort.key === c.key;
    return el('th', { scope: 'col', class: c.num ? 'num' : null, title: c.title,
      'aria-sort': sorted ? (queueSort.dir > 0 ? 'ascending' : 'descending') : null },
    el('button', { type: 'button', class: 'sort', 'data-sort': c.key, onclick: () => {
      queueSort.dir = queueSort.key === c.key ? -queueSort.dir : (c.num ? -1 : 1);
      queueSort.key = c.key;
      drawQueues();
    } }, c.label + (sorted ? (queueSort.dir > 0 ? ' ▲' : ' ▼') : '')));
  }), el('th', { scope: 'col' }, el('span', { class: 'sr-only' }, 'actions')));

  const text = $('#queue-filter').value.trim().toLowerCase();
  const busy = $('#queue-busy').checked;
  const col = cols.find((c) => c.key === queueSort.key) || cols[0];
  const shown = all.filter((q) => q.queue.includes(text)
    && (!busy || ['READY', 'RUNNING', ...DUE_STATES].some((s) => q.counts[s] > 0)))
    .sort((a, b) => {
      const x = col.value(a);
      const y = col.value(b);
      return (x < y ? -1 : x > y ? 1 : a.queue < b.queue ? -1 : 1) * queueSort.dir;
    });
  const body = $('#queues tbody');
  body.replaceChildren(...shown.map((q) => el('tr', { 'data-queue': q.queue }, ...cols.map((c) => queueCell(q, c)),
    el('td', {}, el('button', {
      type: 'button', class: 'pause', 'aria-label': (q.paused ? 'Resume ' : 'Pause ') + q.queue,
      onclick: () => act((q.paused ? 'Resumed ' : 'Paused ') + q.queue, 'POST',
        '/v1/queues/' + enc(q.queue) + (q.paused ? '/resume' : '/pause'), renderOverview),
    }, q.paused ? 'Resume' : 'Pause')))));
  if (shown.length === 0) {
    body.append(el('tr', {}, el('td', { colspan: String(cols.length + 1) },
      all.length === 0 ? 'No queue holds tasks yet.' : 'No queue matches the filter.')));
  }
  // totals of what is shown
  const sum = (c) => shown.reduce((n, q) => n + (c.value(q) || 0), 0);
  $('#queues tfoot').replaceChildren(el('tr', {}, ...cols.map((c) => {
    if (c.key === 'queue') return el('th', { scope: 'row' }, 'total (' + shown.length + ')');
    if (c.state || c.key === 'total') return el('td', { class: 'num', 'data-total': c.key }, sum(c).toLocaleString('en-US'));
    if (c.key === 'throughput') return el('td', { class: 'num' }, sum(c).toFixed(1));
    return el('td', {});
  }), el('td', {})));
  $('#bounded-note').hidden = !all.some((q) => (q.lowerBounds || []).length > 0);
  $('#rates-note').textContent = 'done/min and failure rate: the last ' + queueData.rates.minutes
    + ' minutes, as this server saw them.';
}

function queueCell(q, c) {
  if (c.key === 'queue') return el('th', { scope: 'row' }, el('a', { href: '#/tasks?queue=' + enc(q.queue) }, q.queue));
  if (c.key === 'status') return el('td', {}, q.paused ? el('span', { class: 'paused' }, 'paused') : 'active');
  if (c.state) {
    const n = count(q, c.state);
    let link = null;
    if (c.state === 'DEAD' && q.counts.DEAD > 0) link = '#/dead?queue=' + enc(q.queue);
    else if (DUE_STATES.includes(c.state) && q.counts[c.state] > 0) link = '#/retrying?queue=' + enc(q.queue);
    return el('td', { class: 'num', 'data-state': c.state }, link ? el('a', { href: link }, n) : n);
  }
  if (c.key === 'total') return el('td', { class: 'num' }, q.total.toLocaleString('en-US'));
  if (c.key === 'limits') return el('td', { class: 'limits' }, limitsText(q.limits));
  if (c.key === 'throughput') return el('td', { class: 'num throughput' }, c.value(q).toFixed(1));
  if (c.key === 'failure') {
    const rate = queueData.rates.queues[q.queue];
    return el('td', { class: 'num failure' + (c.value(q) > 0 ? ' bad' : '') }, rate ? (100 * c.value(q)).toFixed(1) + '%' : '—');
  }
  return el('td', { class: 'num oldest', title: q.oldestReadyAt ? 'due since ' + absolute(new Date(q.oldestReadyAt)) : 'nothing waits' },
    age(q.oldestReadyAgeSeconds));
}

$('#queue-filter').addEventListener('input', () => queueData && drawQueues());
$('#queue-busy').addEventListener('change', () => queueData && drawQueues());

function drawCharts(minutes) {
  if (typeof Chart === 'undefined') return;
  const labels = minutes.map((m) => {
    const d = new Date(m.start);
    return zone === 'utc' ? pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) : pad(d.getHours()) + ':' + pad(d.getMinutes());
  });
  const zoneName = zone === 'utc' ? 'UTC' : absolute(new Date()).split(' ').pop();
  document.querySelectorAll('.chart-zone').forEach((e) => { e.textContent = '(times in ' + zoneName + ')'; });
  const failureRate = minutes.map((m) => {
    const done = m.succeeded + m.retried + m.dead;
    return done === 0 ? 0 : Math.round(1000 * (m.retried + m.dead) / done) / 10;
  });
  if (!charts) {
    const common = { responsive: true, maintainAspectRatio: false, animation: false,
      scales: { x: { ticks: { maxTicksLimit: 6 } }, y: { beginAtZero: true } } };
    charts = {
      throughput: new Chart($('#chart-throughput'), { type: 'line', options: common, data: { labels, datasets: [
        { label: 'enqueued', data: [], borderColor: '#2f5bea', pointRadius: 0 },
        { label: 'succeeded', data: [], borderColor: '#2e7d32', pointRadius: 0 },
        { label: 'failed', data: [], borderColor: '#c62828', borderDash: [4, 3], pointRadius: 0 }] } }),
      failures: new Chart($('#chart-failures'), { type: 'bar', data: { labels, datasets: [
        { label: 'failure rate %', data: [], backgroundColor: '#c62828' }] },
        options: { ...common, scales: { ...common.scales, y: { beginAtZero: true, suggestedMax: 10 } } } }),
    };
  }
  charts.throughput.data.labels = labels;
  charts.throughput.data.datasets[0].data = minutes.map((m) => m.enqueued);
  charts.throughput.data.datasets[1].data = minutes.map((m) => m.succeeded);
  charts.throughput.data.datasets[2].data = minutes.map((m) => m.retried + m.dead);
  charts.failures.data.labels = labels;
  charts.failures.data.datasets[0].data = failureRate;
  charts.throughput.update();
  charts.failures.update();
}

// ------------------------------------------------------------------ retrying and scheduled

async function renderRetrying(params) {
  bindFilter($('#due-search'), '/retrying', ['queue', 'type'], params);
  const scope = scopeOf(params);
  const [due, queues] = await Promise.all([
    api('GET', '/v1/tasks:due?' + new URLSearchParams([...scope, ['limit', String(DUE_LIMIT)]])),
    api('GET', '/v1/queues')]);
  const body = $('#due tbody');
  body.replaceChildren(...due.tasks.map((t) => el('tr', { 'data-id': t.id, 'data-run-at': t.runAt },
    el('td', { class: 'next-run' }, at(t.runAt)),
    el('td', {}, el('a', { href: '#/task/' + enc(t.id) }, t.id)),
    el('td', {}, t.queue), el('td', {}, t.type), el('td', {}, stateBadge(t.state)),
    el('td', { class: 'num' }, t.attempt + '/' + t.maxAttempts),
    el('td', { class: 'error-line', title: firstLine(t.lastError) }, firstLine(t.lastError) || '—'),
    el('td', {}, el('button', { type: 'button', class: 'run', 'aria-label': 'Run ' + t.id + ' now',
      onclick: () => act('Running ' + t.id + ' now', 'POST', '/v1/tasks/' + enc(t.id) + '/run', render) }, 'Run now')))));
  if (due.tasks.length === 0) body.append(el('tr', {}, el('td', { colspan: '8' }, 'Nothing waits for a later run.')));

  // The count before the action: exact from the queue counts unless a type narrows it, then what was listed.
  let n;
  let exact = true;
  if (!params.get('type')) {
    n = queues.queues.filter((q) => !params.get('queue') || q.queue === params.get('queue'))
      .reduce((sum, q) => sum + DUE_STATES.reduce((s, st) => s + (q.counts[st] || 0), 0), 0);
  } else {
    n = due.tasks.length;
    exact = n < DUE_LIMIT;
  }
  const label = n.toLocaleString('en-US') + (exact ? '' : '+');
  $('#due-count').textContent = label + ' delayed task' + (n === 1 ? '' : 's') + ' match' + (n === 1 ? 'es' : '')
    + (due.tasks.length < n ? '; the soonest ' + due.tasks.length + ' are listed.' : '.');
  const runAll = $('#due-run-all');
  runAll.disabled = n === 0;
  runAll.textContent = 'Run all ' + label + ' matching now…';
  runAll.onclick = () => confirm('Run ' + label + ' delayed task' + (n === 1 ? '' : 's') + describe(scope) + ' now?')
    && act('Run now', 'POST', '/v1/due/run' + (scope.toString() ? '?' + scope : ''), render);
}

// ------------------------------------------------------------------ dead letters

const FILTERS = ['queue', 'type', 'created_after', 'created_before'];
// A page reads a bounded stretch of the store, so a selective search may come back short with a cursor:
// keep going, page after page, until the page is full, the store says there is no more, or this long.
const SEARCH_BUDGET_MS = 3000;

function tasksQuery(params, state, limit, cursor) {
  const q = new URLSearchParams();
  for (const k of FILTERS) if (params.get(k)) q.set(k, params.get(k));
  if (cursor) q.set('cursor', cursor);
  if (state) q.set('state', state);
  q.set('limit', String(limit));
  return q;
}

// Fills one page of the search, following the store's cursor, keeping the tasks that pass `keep`;
// returns the tasks and the cursor to go on from (null when nothing more matches).
async function searchPage(params, state, progress, keep = () => true) {
  const tasks = [];
  let cursor = params.get('cursor');
  const started = Date.now();
  for (;;) {
    const page = await api('GET', '/v1/tasks?' + tasksQuery(params, state, PAGE - tasks.length, cursor));
    tasks.push(...page.tasks.filter(keep));
    cursor = page.next;
    if (!cursor || tasks.length >= PAGE || Date.now() - started > SEARCH_BUDGET_MS) break;
    if (progress) {
      progress.hidden = false;
      progress.textContent = 'Searching… ' + tasks.length + ' found so far.';
    }
  }
  return { tasks, next: cursor };
}

function pager(first, next, page, params, path) {
  next.disabled = !page.next;
  next.onclick = () => { params.set('cursor', page.next); location.hash = '#' + path + '?' + params; };
  first.disabled = !params.get('cursor');
  first.onclick = () => { params.delete('cursor'); location.hash = '#' + path + (params.toString() ? '?' + params : ''); };
}

// The list first (one page of DEAD, quick on any store), then the groups by error, which read more.
async function renderDead(params) {
  bindFilter($('#dead-search'), '/dead', ['queue', 'type'], params);
  const scope = scopeOf(params);
  const error = params.get('error');
  const groupsRead = api('GET', '/v1/dead/groups' + (scope.toString() ? '?' + scope : ''));
  groupsRead.catch(() => {}); // reported when awaited below
  const [page, queues] = await Promise.all([
    searchPage(params, 'DEAD', null, (t) => error === null || firstLine(t.lastError) === error),
    api('GET', '/v1/queues')]);
  drawDeadList(params, scope, error, page, queues);
  drawDeadGroups(scope, await groupsRead, !params.get('type') && error === null);
}

function drawDeadList(params, scope, error, page, queues) {
  const groupNote = $('#dead-group-filter');
  groupNote.hidden = error === null;
  groupNote.replaceChildren('Showing tasks whose error begins “' + error + '”. ',
    el('a', { href: '#/dead' + (scope.toString() ? '?' + scope : '') }, 'Show all'));

  const selected = new Set();
  const body = $('#dead tbody');
  const updateSelection = () => {
    $('#dead-replay-selected').disabled = selected.size === 0;
    $('#dead-purge-selected').disabled = selected.size === 0;
    $('#dead-replay-selected').textContent = 'Replay ' + selected.size + ' selected';
    $('#dead-purge-selected').textContent = 'Purge ' + selected.size + ' selected';
    $('#dead-select-all').checked = selected.size > 0 && selected.size === page.tasks.length;
  };
  body.replaceChildren(...page.tasks.map((t) => el('tr', { 'data-id': t.id },
    el('td', {}, el('input', { type: 'checkbox', class: 'pick', 'aria-label': 'select ' + t.id, onchange: (ev) => {
      if (ev.target.checked) selected.add(t.id); else selected.delete(t.id);
      updateSelection();
    } })),
    el('td', {}, el('a', { href: '#/task/' + enc(t.id) }, t.id)),
    el('td', {}, t.queue), el('td', {}, t.type),
    el('td', { class: 'died' }, at(t.finishedAt)),
    el('td', { class: 'num' }, t.attempt + '/' + t.maxAttempts),
    el('td', { class: 'error-line error', title: firstLine(t.lastError) }, firstLine(t.lastError) || '—'),
    el('td', {}, el('button', { type: 'button', class: 'replay', 'aria-label': 'Replay ' + t.id,
      onclick: () => act('Replayed ' + t.id, 'POST', '/v1/tasks/' + enc(t.id) + '/replay', render) }, 'Replay')))));
  if (page.tasks.length === 0) body.append(el('tr', {}, el('td', { colspan: '8' }, page.next ? 'None found yet.' : 'No dead task matches.')));
  $('#dead-select-all').checked = false;
  $('#dead-select-all').onchange = (ev) => {
    body.querySelectorAll('input.pick').forEach((box) => { box.checked = ev.target.checked; });
    selected.clear();
    if (ev.target.checked) page.tasks.forEach((t) => selected.add(t.id));
    updateSelection();
  };
  updateSelection();
  const each = (verb, method, path) => async () => {
    const ids = [...selected];
    if (!confirm(verb + ' ' + ids.length + ' selected dead task' + (ids.length === 1 ? '' : 's') + '?')) return;
    let done = 0;
    for (const id of ids) {
      try { await api(method, path(id)); done++; } catch (e) { if (e.status === 401) return; }
    }
    toast(verb + ': ' + done + ' of ' + ids.length);
    render();
  };
  $('#dead-replay-selected').onclick = each('Replay', 'POST', (id) => '/v1/tasks/' + enc(id) + '/replay');
  $('#dead-purge-selected').onclick = each('Purge', 'DELETE', (id) => '/v1/dead?id=' + enc(id));
  pager($('#dead-first-page'), $('#dead-next-page'), page, params, '/dead');

  // Whole-filter actions act on queue and type; a group (an error) is acted on through its selection.
  // Without a type the count is the queues' (exact); with one, the groups' (drawn when they come).
  if (error !== null) {
    setDeadCount(null, 'To act on this group, select its tasks.');
  } else if (!params.get('type')) {
    setDeadCount(queues.queues.filter((q) => !params.get('queue') || q.queue === params.get('queue'))
      .reduce((n, q) => n + (q.counts.DEAD || 0), 0), null, scope);
  } else {
    setDeadCount(null, 'Counting…');
  }
}

// The count shown on, and asked before, the whole-filter actions; null disables them with `note`.
function setDeadCount(total, note, scope, exact = true) {
  const label = total === null ? '' : total.toLocaleString('en-US') + (exact ? '' : '+');
  $('#dead-count').textContent = total === null ? note : label + ' match' + (total === 1 ? 'es' : '') + ' the filter.';
  for (const [id, verb, method, path] of [['#replay-all', 'Replay', 'POST', '/v1/dead/replay'],
    ['#purge-all', 'Purge', 'DELETE', '/v1/dead']]) {
    const b = $(id);
    b.disabled = total === null || total === 0;
    b.textContent = verb + ' all ' + label + (label ? ' ' : '') + 'matching…';
    b.onclick = () => confirm(verb + ' ' + label + ' dead task' + (total === 1 ? '' : 's') + describe(scope)
      + (verb === 'Purge' ? ' for good' : '') + '?') && act(verb, method, path + (scope.toString() ? '?' + scope : ''), render);
  }
}

function drawDeadGroups(scope, groups, countedByQueues) {
  const total = groups.groups.reduce((n, g) => n + g.count, 0);
  const label = total.toLocaleString('en-US') + (groups.complete ? '' : '+');
  $('#dead-groups tbody').replaceChildren(...groups.groups.map((g) => el('tr', { 'data-error': g.error },
    el('td', { class: 'error-line', title: g.error }, g.error || '(no error text)'),
    el('td', { class: 'num' }, g.count.toLocaleString('en-US')),
    el('td', {}, g.queues.join(', ')),
    el('td', {}, at(g.lastDiedAt)),
    el('td', {}, el('a', { href: '#/dead?' + new URLSearchParams([...scope, ['error', g.error]]), class: 'show-group' },
      'Show these')))));
  if (groups.groups.length === 0) $('#dead-groups tbody').append(el('tr', {}, el('td', { colspan: '5' }, 'No dead task.')));
  $('#dead-groups-note').textContent = groups.complete ? label + ' dead task' + (total === 1 ? '' : 's') + describe(scope) + '.'
    : 'Grouped from the newest ' + groups.scanned.toLocaleString('en-US') + ' dead tasks' + describe(scope) + '; more are dead.';
  if (!countedByQueues && $('#dead-count').textContent === 'Counting…') setDeadCount(total, null, scope, groups.complete);
}

// ------------------------------------------------------------------ workers

async function renderWorkers() {
  const [list, rabbit] = await Promise.all([api('GET', '/v1/workers'), api('GET', '/v1/rabbitmq')]);
  drawRabbit(rabbit);
  const body = $('#workers tbody');
  body.replaceChildren(...list.workers.map((w) => el('tr', { 'data-worker': w.workerId, class: w.gone ? 'gone' : null },
    el('th', { scope: 'row' }, w.workerId),
    el('td', { class: 'status' }, w.gone ? el('span', { class: 'gone-flag' }, 'gone') : 'live'),
    el('td', {}, w.queues.join(', ') || '—'),
    el('td', { class: 'num' }, String(w.running)),
    el('td', { class: 'running-tasks' }, ...(w.runningTasks.length ? w.runningTasks.flatMap((id, i) =>
      [i ? ' ' : '', el('a', { href: '#/task/' + enc(id) }, id.length > 12 ? '…' + id.slice(-8) : id)]) : ['—'])),
    el('td', { class: 'num' }, String(w.succeededLastHour)),
    el('td', { class: 'num' }, String(w.failedLastHour)),
    el('td', {}, at(w.seenAt)))));
  if (list.workers.length === 0) body.append(el('tr', {}, el('td', { colspan: '8' }, 'No worker seen in the last hour.')));
}

// The RabbitMQ relay's loops and inboxes, shown only when the server runs some.
function drawRabbit(rabbit) {
  $('#rabbitmq').hidden = !rabbit.configured;
  const millis = (ms) => ms < 10 ? ms.toFixed(2) : String(Math.round(ms));
  const n = (v) => v.toLocaleString('en-US');
  $('#rabbitmq-loops tbody').replaceChildren(...rabbit.loops.map((l) => el('tr', { 'data-loop': l.name },
    el('th', { scope: 'row' }, l.name),
    el('td', {}, l.role),
    el('td', {}, l.queue),
    el('td', { class: 'status' }, l.connected ? 'connected' : el('span', { class: 'gone-flag' }, 'disconnected')),
    ...['published', 'confirmed', 'nacked', 'returned', 'republished', 'consumed', 'rejected']
      .map((k) => el('td', { class: 'num', 'data-count': k }, n(l[k]))),
    el('td', { class: 'num' }, l.role === 'relay' && l.confirmed + l.returned > 0
      ? millis(l.confirmLatencyMeanMillis) + ' / ' + millis(l.confirmLatencyLastMillis) : '—'))));
}

// ------------------------------------------------------------------ events: kept history, then live

const stream = {
  events: [], // newest last, at most EVENTS_KEPT
  last: null, // the number of the last event seen, to resume after
  abort: null,
  refreshSoon: null,

  stop() {
    if (this.abort) this.abort.abort();
    this.abort = null;
    setLive(false);
  },

  async start() {
    if (this.abort || !token) return;
    const abort = new AbortController();
    this.abort = abort;
    try {
      if (this.last === null) {
        const recent = await api('GET', '/v1/events/recent');
        this.events = recent.events;
        this.last = recent.last;
        if (route().path === '/events') drawEvents();
      }
      const r = await fetch('/v1/events?after=' + this.last, { headers: { Authorization: 'Bearer ' + token }, signal: abort.signal });
      if (!r.ok) throw new Error('HTTP ' + r.status);
      setLive(true);
      const reader = r.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      let id = null;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let nl;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.startsWith('id: ')) id = Number(line.slice(4));
          if (!line.startsWith('data: ')) continue;
          const e = JSON.parse(line.slice(6));
          if (!e.kind) continue;
          if (id !== null) this.last = id;
          this.arrived(e);
        }
      }
    } catch (e) {
      // fall through: reconnect below unless stopped on purpose
    }
    setLive(false);
    if (this.abort === abort && !abort.signal.aborted) {
      this.abort = null;
      setTimeout(() => this.start(), 3000);
    }
  },

  arrived(e) {
    this.events.push(e);
    if (this.events.length > EVENTS_KEPT) this.events.shift();
    if (route().path === '/events') prependEvent(e);
    // many events in a burst cause one refresh, not one each
    const view = VIEWS[route().path];
    if (!this.refreshSoon && view && view.live) {
      this.refreshSoon = setTimeout(() => {
        this.refreshSoon = null;
        const now = route();
        if (VIEWS[now.path] === view) refreshQuietly(view, now.params);
      }, 1000);
    }
  },
};

function setLive(on) {
  $('#live').classList.toggle('on', on);
  $('#live').setAttribute('aria-label', 'live event stream: ' + (on ? 'on' : 'off'));
  $('#live .live-text').textContent = on ? 'live' : 'offline';
}

let eventsQueue = null;

function eventItem(e) {
  return el('li', { 'data-kind': e.kind }, at(e.at, false), ' ', stateBadge(e.state), ' ',
    el('span', { class: 'kind' }, e.kind), ' ' + e.queue + '/' + e.type + ' ',
    el('a', { href: '#/task/' + enc(e.id) }, e.id), e.attempt ? ' attempt ' + e.attempt : '',
    e.error ? el('span', { class: 'error' }, ' — ' + e.error) : '');
}

function prependEvent(e) {
  if (eventsQueue && e.queue !== eventsQueue) return;
  const list = $('#events');
  list.querySelector('.none')?.remove();
  list.prepend(eventItem(e));
  while (list.children.length > EVENTS_KEPT) list.lastChild.remove();
}

function drawEvents() {
  const shown = stream.events.filter((e) => !eventsQueue || e.queue === eventsQueue).slice().reverse();
  $('#events').replaceChildren(...shown.map(eventItem));
  if (shown.length === 0) $('#events').append(el('li', { class: 'none' }, 'No event yet.'));
}

async function renderEvents(params) {
  bindFilter($('#events-filter'), '/events', ['queue'], params);
  eventsQueue = params.get('queue');
  drawEvents();
}

// ------------------------------------------------------------------ task search

// datetime-local (the browser's time zone) <-> RFC 3339 in the URL
function toInstant(local) {
  return local ? new Date(local).toISOString() : '';
}

function toLocal(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (isNaN(d)) return '';
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' + pad(d.getHours()) + ':'
    + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
}

async function renderTasks(params) {
  $('#search-progress').hidden = true;
  const form = $('#search');
  for (const k of ['queue', 'type', 'state']) form.elements[k].value = params.get(k) || '';
  for (const k of ['created_after', 'created_before']) form.elements[k].value = toLocal(params.get(k));
  form.elements.id.value = '';
  form.onsubmit = (ev) => {
    ev.preventDefault();
    const id = form.elements.id.value.trim();
    if (id) { location.hash = '#/task/' + enc(id); return; }
    const q = new URLSearchParams();
    for (const k of ['queue', 'type', 'state']) if (form.elements[k].value) q.set(k, form.elements[k].value.trim());
    for (const k of ['created_after', 'created_before']) if (form.elements[k].value) q.set(k, toInstant(form.elements[k].value));
    location.hash = '#/tasks' + (q.toString() ? '?' + q : '');
  };
  const progress = $('#search-progress');
  const page = await searchPage(params, params.get('state'), progress);
  progress.hidden = !(page.next && page.tasks.length < PAGE);
  progress.textContent = page.tasks.length + ' found in the stretch searched so far; Next page searches on.';
  const body = $('#tasks tbody');
  body.replaceChildren(...page.tasks.map((t) => el('tr', { 'data-id': t.id },
    el('td', {}, el('a', { href: '#/task/' + enc(t.id) }, t.id)),
    el('td', {}, t.queue), el('td', {}, t.type), el('td', {}, stateBadge(t.state)),
    el('td', { class: 'num' }, t.attempt + '/' + t.maxAttempts), el('td', {}, at(t.createdAt)),
    el('td', {}, t.state === 'DEAD' ? el('button', { type: 'button', class: 'replay', 'aria-label': 'Replay ' + t.id,
      onclick: () => act('Replayed ' + t.id, 'POST', '/v1/tasks/' + enc(t.id) + '/replay', render) }, 'Replay') : ''))));
  if (page.tasks.length === 0) body.append(el('tr', {}, el('td', { colspan: '7' }, page.next ? 'None found yet.' : 'No task matches.')));
  pager($('#first-page'), $('#next-page'), page, params, '/tasks');
  bindBulk(params);
}

// Cancel or retry every task the search's filter matches: the server counts them first (dryRun), the
// user confirms that count, then the server acts and says how many it changed.
function bindBulk(params) {
  const filter = {};
  for (const k of ['queue', 'type', 'state']) if (params.get(k)) filter[k] = params.get(k);
  if (params.get('created_after')) filter.createdAfter = params.get('created_after');
  if (params.get('created_before')) filter.createdBefore = params.get('created_before');
  const state = params.get('state');
  const bulk = (verb, path) => async () => {
    let counted;
    try {
      counted = await api('POST', path, { ...filter, dryRun: true });
    } catch (e) {
      if (e.status !== 401) toast(verb + ' failed: ' + e.message);
      return;
    }
    const scope = describe(new URLSearchParams(filter)) || ' (no filter: all of them)';
    if (counted.count === 0) { toast('No task to ' + verb.toLowerCase() + scope); return; }
    if (!confirm(verb + ' ' + counted.count + ' tasks' + scope + '?')) return;
    await act(verb, 'POST', path, render, filter);
  };
  const cancel = $('#bulk-cancel');
  cancel.hidden = state !== null && !['WAITING', 'SCHEDULED', 'READY', 'RUNNING', 'RETRYING'].includes(state);
  cancel.onclick = bulk('Cancel', '/v1/tasks:cancel');
  const retry = $('#bulk-retry');
  retry.hidden = state !== null && !['SCHEDULED', 'RETRYING', 'DEAD'].includes(state);
  retry.onclick = bulk('Retry now', '/v1/tasks:retry');
}

// ------------------------------------------------------------------ task detail

function redacted(value) {
  if (Array.isArray(value)) return value.map(redacted);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redacted(v)]));
  return value === null ? null : '•••';
}

function showPayload() {
  if (!currentTask) return;
  const p = currentTask.payload;
  $('#task-payload').textContent = JSON.stringify($('#redact').checked ? redacted(p) : p, null, 2);
}

$('#redact').addEventListener('change', showPayload);

// The enqueue that made this task, to replay it by hand: every field a producer sets, none the store
// set. The token is left to the shell ($ERRAND_TOKEN), never copied out of the page.
function curlOf(t) {
  const body = { type: t.type, queue: t.queue, payload: t.payload };
  if (t.priority) body.priority = t.priority;
  body.maxAttempts = t.maxAttempts;
  if (t.timeout) body.timeout = t.timeout;
  for (const k of ['headers', 'kind', 'target']) if (t[k] !== undefined && t[k] !== null) body[k] = t[k];
  const quoted = "'" + JSON.stringify(body).replace(/'/g, "'\\''") + "'";
  return 'curl -X POST ' + location.origin + '/v1/tasks -H "Authorization: Bearer $ERRAND_TOKEN" '
    + "-H 'Content-Type: application/json' -d " + quoted;
}

$('#task-curl').addEventListener('click', async () => {
  if (!currentTask) return;
  const text = curlOf(currentTask);
  const box = $('#task-curl-text');
  box.textContent = text;
  box.hidden = false;
  try {
    await navigator.clipboard.writeText(text);
    toast('Copied the enqueue as curl');
  } catch (e) {
    // no clipboard (an insecure origin): the command is shown to copy by hand
    getSelection().selectAllChildren(box);
    toast('Select and copy the command shown');
  }
});

// Each failed attempt: its number, time and worker, the message, and the stack trace folded under it. A
// task that failed before the store kept histories has only its last error: that is shown instead.
function renderErrors(errors, lastError) {
  const list = $('#task-errors');
  if (errors.length === 0 && lastError) {
    const nl = lastError.indexOf('\n');
    errors = [{ attempt: 'last', message: nl < 0 ? lastError : lastError.slice(0, nl), error: lastError }];
  }
  list.replaceChildren(...errors.map((e) => {
    const trace = e.error.slice(e.message.length).replace(/^\n/, '');
    return el('li', { 'data-attempt': String(e.attempt) },
      el('div', { class: 'attempt-head' }, el('strong', {}, e.attempt === 'last' ? 'Last error' : 'Attempt ' + e.attempt),
        ' ', at(e.at),
        e.workerId ? el('span', { class: 'worker' }, ' on ' + e.workerId) : ''),
      el('pre', { class: 'error message' }, e.message),
      trace ? el('details', {}, el('summary', {}, 'stack trace'), el('pre', { class: 'trace' }, trace)) : '');
  }));
  if (errors.length === 0) list.append(el('li', { class: 'none' }, 'No attempt failed.'));
}

// An attempt's heartbeats as the store counted them: how many, the first and the last.
function heartbeatsLine(hb) {
  if (!hb) return el('div', { class: 'heartbeats', 'data-heartbeats': '0' }, 'No heartbeat');
  return el('div', { class: 'heartbeats', 'data-heartbeats': String(hb.count) },
    hb.count + ' heartbeat' + (hb.count === 1 ? '' : 's') + ': first ', at(hb.first),
    ...(hb.count > 1 ? [', last ', at(hb.last)] : []));
}

// The attempts in order: each failed one from the error history (when it ended, on which worker, its
// heartbeats, why), then the current one from the task: claimed, its heartbeats and lease, its outcome.
function renderTimeline(t, errors) {
  const steps = [el('li', { 'data-step': 'created' }, el('strong', {}, 'Enqueued'), ' ', at(t.createdAt))];
  for (const e of errors) {
    steps.push(el('li', { 'data-step': 'attempt', 'data-attempt': String(e.attempt), class: 'failed' },
      el('strong', {}, 'Attempt ' + e.attempt), ...(e.claimedAt ? [' claimed ', at(e.claimedAt), ','] : []), ' failed ', at(e.at),
      e.workerId ? ' on ' + e.workerId : '', heartbeatsLine(e.heartbeats), el('div', { class: 'error' }, e.message)));
  }
  const failedAttempts = new Set(errors.map((e) => e.attempt));
  if (t.attempt > 0 && !failedAttempts.has(t.attempt)) {
    const parts = [el('strong', {}, 'Attempt ' + t.attempt), ' claimed ', at(t.startedAt)];
    if (t.workerId) parts.push(' by ' + t.workerId);
    parts.push(heartbeatsLine(t.heartbeats));
    if (t.state === 'RUNNING') parts.push(el('div', {}, 'running; lease until ', at(t.leaseUntil), ' (heartbeats extend it)'));
    else if (t.finishedAt) parts.push(el('div', {}, t.state.toLowerCase() + ' ', at(t.finishedAt)));
    else parts.push(el('div', {}, stateBadge(t.state)));
    steps.push(el('li', { 'data-step': 'attempt', 'data-attempt': String(t.attempt), class: t.state === 'SUCCEEDED' ? 'ok' : null }, ...parts));
  }
  if (DUE_STATES.includes(t.state) || t.state === 'READY') {
    steps.push(el('li', { 'data-step': 'next' }, el('strong', {}, 'Next attempt'), ' ', t.state === 'READY' ? 'as soon as a worker is free' : at(t.runAt)));
  } else if (!['RUNNING'].includes(t.state) && (t.attempt === 0 || failedAttempts.has(t.attempt)) && t.finishedAt) {
    steps.push(el('li', { 'data-step': 'outcome' }, el('strong', {}, 'Outcome'), ' ', stateBadge(t.state), ' ', at(t.finishedAt)));
  }
  $('#task-timeline').replaceChildren(...steps);
}

// A task's progress, any JSON its worker reported: a bar for a fraction (0..1) or {current|done, total|of},
// the JSON itself otherwise.
function renderProgress(t) {
  const p = t.progress;
  const box = $('#task-progress-box');
  box.hidden = p === undefined || p === null;
  if (box.hidden) return;
  const pair = typeof p === 'object' && !Array.isArray(p) ? [p.current ?? p.done, p.total ?? p.of] : [];
  const fraction = typeof p === 'number' ? p
    : typeof pair[0] === 'number' && typeof pair[1] === 'number' && pair[1] > 0 ? pair[0] / pair[1] : null;
  const bar = $('#task-progress');
  bar.hidden = fraction === null;
  if (fraction !== null) bar.value = Math.max(0, Math.min(1, fraction));
  $('#task-progress-text').textContent = typeof p === 'number' ? Math.round(100 * p) + '%'
    : fraction !== null ? pair[0] + ' of ' + pair[1] : JSON.stringify(p);
}

// The URL a task of kind http calls; the server has already redacted its secret headers.
function renderTarget(t) {
  const box = $('#task-target-box');
  const target = t.target;
  box.hidden = !target;
  if (!target) return;
  const fields = [['request', target.method + ' ' + target.url], ['deadline', target.deadline]];
  for (const [name, value] of Object.entries(target.headers || {})) fields.push(['header ' + name, value]);
  if (target.body !== undefined) fields.push(['body', target.body]);
  if (target.expect) fields.push(['expect', JSON.stringify(target.expect)]);
  $('#task-target').replaceChildren(...fields.flatMap(([k, v]) => [el('dt', {}, k), el('dd', { 'data-field': k }, String(v))]));
}

async function renderTask(id) {
  const [t, history] = await Promise.all([api('GET', '/v1/tasks/' + enc(id)),
    api('GET', '/v1/tasks/' + enc(id) + '/errors')]);
  currentTask = t;
  $('#task-id').textContent = t.id;
  $('#task-curl-text').hidden = true;
  const fields = [['state', stateBadge(t.state)], ['queue', t.queue], ['type', t.type], ['attempt', t.attempt + ' of ' + t.maxAttempts],
    ['priority', t.priority], ['timeout', t.timeout], ['idempotency key', t.idempotencyKey], ['created', at(t.createdAt)],
    ['run at', at(t.runAt)], ['started', t.startedAt && at(t.startedAt)], ['finished', t.finishedAt && at(t.finishedAt)],
    ['worker', t.workerId], ['lease until', t.leaseUntil && at(t.leaseUntil)]];
  $('#task-fields').replaceChildren(...fields.filter(([, v]) => v !== undefined && v !== null && v !== '')
    .flatMap(([k, v]) => [el('dt', {}, k), el('dd', { 'data-field': k }, v instanceof Node ? v : String(v))]));
  renderTarget(t);
  showPayload();
  $('#task-result').textContent = t.result === null || t.result === undefined ? '—' : JSON.stringify(t.result, null, 2);
  renderProgress(t);
  renderTimeline(t, history.errors);
  renderErrors(history.errors, t.lastError);
  const replay = $('#task-replay');
  replay.hidden = t.state !== 'DEAD';
  replay.onclick = () => act('Replayed ' + t.id, 'POST', '/v1/tasks/' + enc(t.id) + '/replay', render);
  const run = $('#task-run');
  run.hidden = !DUE_STATES.includes(t.state);
  run.onclick = () => act('Running ' + t.id + ' now', 'POST', '/v1/tasks/' + enc(t.id) + '/run', render);
  const cancel = $('#task-cancel');
  cancel.hidden = !['SCHEDULED', 'READY', 'RETRYING', 'RUNNING'].includes(t.state);
  cancel.onclick = () => confirm('Cancel task ' + t.id + '?')
    && act('Cancelled ' + t.id, 'POST', '/v1/tasks/' + enc(t.id) + '/cancel', render);
}

// ------------------------------------------------------------------ schedules

// ISO-8601 durations as people write them: PT1H30M -> "1h 30m", PT0.5S -> "0.5s"
function duration(iso) {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?)?$/.exec(iso || '');
  if (!m) return iso;
  return [[m[1], 'd'], [m[2], 'h'], [m[3], 'm'], [m[4], 's']].filter(([v]) => v).map(([v, u]) => v + u).join(' ') || '0s';
}

async function renderSchedules() {
  const list = await api('GET', '/v1/schedules');
  const body = $('#schedules tbody');
  body.replaceChildren(...list.schedules.map((s) => el('tr', { 'data-schedule': s.name },
    el('th', { scope: 'row' }, s.name),
    el('td', {}, s.cron ? el('code', {}, s.cron) : 'every ' + duration(s.interval), s.zone && s.cron ? ' (' + s.zone + ')' : ''),
    el('td', {}, el('a', { href: '#/tasks?queue=' + enc(s.task.queue) + '&type=' + enc(s.task.type) },
      s.task.queue + '/' + s.task.type)),
    el('td', { class: s.enabled ? 'enabled' : 'disabled' }, s.enabled ? 'yes' : 'no'),
    el('td', { class: 'next-fire' }, at(s.nextFire)),
    el('td', { class: 'last-fire' }, at(s.lastFire)),
    el('td', { class: 'actions' }, ...scheduleActions(s)))));
  if (list.schedules.length === 0) body.append(el('tr', {}, el('td', { colspan: '7' }, 'No schedule.')));
}

// Run now for any schedule; enable, disable and delete for those kept in the store (a config file's
// schedules are changed in the file).
function scheduleActions(s) {
  const path = '/v1/schedules/' + enc(s.name);
  const button = (text, label, onclick, cls) => el('button', { type: 'button', class: cls, 'aria-label': label + ' ' + s.name,
    title: s.source === 'code' && text !== 'Run now' ? 'from the config file' : undefined, onclick }, text);
  const buttons = [button('Run now', 'Run now', () => act('Enqueued a run of ' + s.name, 'POST', path + '/run', render))];
  if (s.source === 'store') {
    buttons.push(s.enabled
      ? button('Disable', 'Disable', () => act('Disabled ' + s.name, 'POST', path + '/disable', render))
      : button('Enable', 'Enable', () => act('Enabled ' + s.name, 'POST', path + '/enable', render)));
    buttons.push(button('Delete', 'Delete', () => confirm('Delete schedule ' + s.name + '?')
      && act('Deleted ' + s.name, 'DELETE', path, render), 'danger'));
  }
  return buttons;
}

// ------------------------------------------------------------------ workflows

function renderWorkflowLookup() {
  const form = $('#workflow-lookup');
  form.onsubmit = (ev) => {
    ev.preventDefault();
    const id = form.elements.id.value.trim();
    if (id) location.hash = '#/workflow/' + enc(id);
  };
  return Promise.resolve();
}

// The nodes as an indented list: each under its first dependency (a DAG drawn as a tree), the others named.
async function renderWorkflow(id) {
  const w = await api('GET', '/v1/workflows/' + enc(id));
  $('#workflow-id').textContent = w.id;
  const fields = [['state', stateBadge(w.state)], ['nodes', w.nodes.length], ['idempotency key', w.idempotencyKey],
    ['created', at(w.createdAt)], ['finished', w.finishedAt && at(w.finishedAt)]];
  $('#workflow-fields').replaceChildren(...fields.filter(([, v]) => v !== undefined && v !== null && v !== '')
    .flatMap(([k, v]) => [el('dt', {}, k), el('dd', { 'data-field': k }, v instanceof Node ? v : String(v))]));
  const children = new Map();
  const roots = [];
  for (const n of w.nodes) {
    if (n.dependsOn.length === 0) roots.push(n);
    else {
      const first = n.dependsOn[0].node;
      if (!children.has(first)) children.set(first, []);
      children.get(first).push(n);
    }
  }
  const others = (deps) => {
    const names = deps.slice(1).map((d) => d.node + (d.onFailure === 'continue' ? ' (continue)' : ''));
    if (names.length === 0) return '';
    const shown = names.length > 5 ? names.slice(0, 5).join(', ') + ' and ' + (names.length - 5) + ' more' : names.join(', ');
    return el('span', { class: 'note' }, ' also after ' + shown);
  };
  const item = (n) => el('li', { 'data-node': n.name },
    el('strong', {}, n.name), n.finally ? ' (finally) ' : ' ', stateBadge(n.state || 'PRUNED'), ' ',
    el('a', { href: '#/task/' + enc(n.taskId) }, n.type || n.taskId), others(n.dependsOn),
    children.has(n.name) ? el('ul', {}, ...children.get(n.name).map(item)) : '');
  $('#workflow-nodes').replaceChildren(...roots.map(item));
  const cancel = $('#workflow-cancel');
  cancel.hidden = w.state !== 'RUNNING';
  cancel.onclick = () => confirm('Cancel workflow ' + w.id + '? Nodes that have not started are cancelled.')
    && act('Cancelled workflow ' + w.id, 'POST', '/v1/workflows/' + enc(w.id) + '/cancel', render);
}

render();
