// Errand dashboard: plain JavaScript over the same /v1 API as every client, with the token the user
// gives sent as a bearer header. Every list is paged by the server; the overview refreshes on the
// live event stream (read with fetch, since EventSource cannot send an Authorization header).
'use strict';

const STATES = ['WAITING', 'SCHEDULED', 'READY', 'RUNNING', 'RETRYING', 'SUCCEEDED', 'DEAD', 'CANCELLED'];
const PAGE = 50;
const $ = (sel) => document.querySelector(sel);
let token = sessionStorage.getItem('errand.token') || '';
let charts = null;
let refreshTimer = null;
let streamAbort = null;
let currentTask = null;

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(method, path) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = 'Bearer ' + token;
  const r = await fetch(path, { method, headers });
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
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c ?? ''));
  return e;
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : '';
}

async function act(label, method, path, after) {
  try {
    const r = await api(method, path);
    toast(label + (r && typeof r === 'object' && Object.keys(r).length ? ': ' + JSON.stringify(r) : ''));
    if (after) await after();
  } catch (e) {
    if (e.status !== 401) toast(label + ' failed: ' + e.message);
  }
}

// ------------------------------------------------------------------ login

function showLogin(message) {
  $('#main').hidden = true;
  $('#login').hidden = false;
  $('#login-error').textContent = message || '';
  stopStream();
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
  document.querySelectorAll('[data-nav]').forEach((a) => a.classList.toggle('active', a.dataset.nav === nav));
}

async function render() {
  clearInterval(refreshTimer);
  const { path, params } = route();
  try {
    if (path === '/' || path === '') {
      show('overview');
      await renderOverview();
      refreshTimer = setInterval(() => renderOverview().catch(() => {}), 5000);
      startStream();
    } else if (path === '/tasks' || path === '/dead') {
      show('tasks', path === '/dead' ? 'dead' : 'tasks');
      await renderTasks(params, path === '/dead');
    } else if (path.startsWith('/task/')) {
      show('task');
      await renderTask(decodeURIComponent(path.slice(6)));
    } else if (path === '/schedules') {
      show('schedules');
      await renderSchedules();
    } else {
      location.hash = '#/';
    }
  } catch (e) {
    if (e.status !== 401) toast(e.message);
  }
}

window.addEventListener('hashchange', render);

// ------------------------------------------------------------------ overview

// A count the store stopped at its bound reads "10,000+".
function count(q, state) {
  const n = q.counts[state].toLocaleString('en-US');
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

async function renderOverview() {
  const [queues, stats] = await Promise.all([api('GET', '/v1/queues'), api('GET', '/v1/stats')]);
  const body = $('#queues tbody');
  $('#bounded-note').hidden = !queues.queues.some((q) => (q.lowerBounds || []).length > 0);
  body.replaceChildren(...queues.queues.map((q) => el('tr', { 'data-queue': q.queue },
    el('td', {}, el('a', { href: '#/tasks?queue=' + encodeURIComponent(q.queue) }, q.queue),
      q.paused ? el('span', { class: 'paused' }, 'paused') : ''),
    ...STATES.map((s) => el('td', { class: 'num', 'data-state': s }, s === 'DEAD' && q.counts[s] > 0
      ? el('a', { href: '#/dead?queue=' + encodeURIComponent(q.queue) }, count(q, s))
      : count(q, s))),
    el('td', { class: 'num oldest', title: q.oldestReadyAt ? 'due since ' + when(q.oldestReadyAt) : 'nothing waits' },
      age(q.oldestReadyAgeSeconds)),
    el('td', {}, el('button', {
      type: 'button', class: 'pause', onclick: () => act((q.paused ? 'Resumed ' : 'Paused ') + q.queue, 'POST',
        '/v1/queues/' + encodeURIComponent(q.queue) + (q.paused ? '/resume' : '/pause'), renderOverview),
    }, q.paused ? 'Resume' : 'Pause')))));
  if (queues.queues.length === 0) body.append(el('tr', {}, el('td', { colspan: '10' }, 'No queue holds tasks yet.')));

  $('#workers tbody').replaceChildren(...stats.workers.map((w) => el('tr', {},
    el('td', {}, w.workerId), el('td', { class: 'num' }, String(w.running)), el('td', {}, when(w.seenAt)))));
  if (stats.workers.length === 0) $('#workers tbody').append(el('tr', {}, el('td', { colspan: '3' }, 'No worker seen in the last lease period.')));
  drawCharts(stats.minutes);
}

function drawCharts(minutes) {
  if (typeof Chart === 'undefined') return;
  const labels = minutes.map((m) => new Date(m.start).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
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
        { label: 'failed', data: [], borderColor: '#c62828', pointRadius: 0 }] } }),
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

// ------------------------------------------------------------------ live events

function stopStream() {
  if (streamAbort) streamAbort.abort();
  streamAbort = null;
  $('#live').classList.remove('on');
}

async function startStream() {
  if (streamAbort) return;
  const abort = new AbortController();
  streamAbort = abort;
  let refreshSoon = null;
  try {
    const headers = token ? { Authorization: 'Bearer ' + token } : {};
    const r = await fetch('/v1/events', { headers, signal: abort.signal });
    if (!r.ok) throw new Error('HTTP ' + r.status);
    $('#live').classList.add('on');
    const reader = r.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (!line.startsWith('data: ')) continue;
        const e = JSON.parse(line.slice(6));
        if (!e.kind) continue;
        const list = $('#events');
        list.prepend(el('li', {}, new Date(e.at).toLocaleTimeString() + ' ', el('span', { class: 'state ' + e.state }, e.kind),
          ' ' + e.queue + '/' + e.type + ' ', el('a', { href: '#/task/' + encodeURIComponent(e.id) }, e.id),
          e.error ? ' — ' + e.error : ''));
        while (list.children.length > 30) list.lastChild.remove();
        // many events in a burst cause one refresh, not one each
        if (!refreshSoon && route().path === '/') {
          refreshSoon = setTimeout(() => { refreshSoon = null; renderOverview().catch(() => {}); }, 1000);
        }
      }
    }
  } catch (e) {
    // fall through: reconnect below unless stopped on purpose
  }
  $('#live').classList.remove('on');
  if (streamAbort === abort && !abort.signal.aborted) {
    streamAbort = null;
    setTimeout(() => { if (route().path === '/') startStream(); }, 3000);
  }
}

// ------------------------------------------------------------------ task search and dead letters

const FILTERS = ['queue', 'type', 'created_after', 'created_before'];
// A page reads a bounded stretch of the store, so a selective search may come back short with a cursor:
// keep going, page after page, until the page is full, the store says there is no more, or this long.
const SEARCH_BUDGET_MS = 3000;

function tasksQuery(params, dead, limit, cursor) {
  const q = new URLSearchParams();
  for (const k of FILTERS) if (params.get(k)) q.set(k, params.get(k));
  if (cursor) q.set('cursor', cursor);
  const state = dead ? 'DEAD' : params.get('state');
  if (state) q.set('state', state);
  q.set('limit', String(limit));
  return q;
}

// datetime-local (the browser's time zone) <-> RFC 3339 in the URL
function toInstant(local) {
  return local ? new Date(local).toISOString() : '';
}

function toLocal(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (isNaN(d)) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' + pad(d.getHours()) + ':'
    + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
}

// Fills one page of the search, following the store's cursor; returns the tasks, the cursor to go on
// from (null when nothing more matches) and how many requests it took.
async function searchPage(params, dead) {
  const tasks = [];
  let cursor = params.get('cursor');
  let requests = 0;
  const started = Date.now();
  for (;;) {
    const page = await api('GET', '/v1/tasks?' + tasksQuery(params, dead, PAGE - tasks.length, cursor));
    requests++;
    tasks.push(...page.tasks);
    cursor = page.next;
    if (!cursor || tasks.length >= PAGE || Date.now() - started > SEARCH_BUDGET_MS) break;
    $('#search-progress').hidden = false;
    $('#search-progress').textContent = 'Searching… ' + tasks.length + ' found so far.';
  }
  return { tasks, next: cursor, requests };
}

async function renderTasks(params, dead) {
  $('#tasks-title').textContent = dead ? 'Dead letters' : 'Tasks';
  $('#dead-actions').hidden = !dead;
  $('#search-progress').hidden = true;
  const form = $('#search');
  form.elements.state.disabled = dead;
  form.elements.id.hidden = dead;
  for (const k of ['queue', 'type', 'state']) form.elements[k].value = params.get(k) || (k === 'state' && dead ? 'DEAD' : '');
  for (const k of ['created_after', 'created_before']) form.elements[k].value = toLocal(params.get(k));
  form.elements.id.value = '';
  form.onsubmit = (ev) => {
    ev.preventDefault();
    const id = form.elements.id.value.trim();
    if (id && !dead) { location.hash = '#/task/' + encodeURIComponent(id); return; }
    const q = new URLSearchParams();
    for (const k of ['queue', 'type', 'state']) if (form.elements[k].value && !(dead && k === 'state')) q.set(k, form.elements[k].value.trim());
    for (const k of ['created_after', 'created_before']) if (form.elements[k].value) q.set(k, toInstant(form.elements[k].value));
    location.hash = '#' + (dead ? '/dead' : '/tasks') + (q.toString() ? '?' + q : '');
  };
  const page = await searchPage(params, dead);
  const progress = $('#search-progress');
  progress.hidden = !(page.next && page.tasks.length < PAGE);
  progress.textContent = page.tasks.length + ' found in the stretch searched so far; Next page searches on.';
  const body = $('#tasks tbody');
  body.replaceChildren(...page.tasks.map((t) => el('tr', { 'data-id': t.id },
    el('td', {}, el('a', { href: '#/task/' + encodeURIComponent(t.id) }, t.id)),
    el('td', {}, t.queue), el('td', {}, t.type), el('td', {}, el('span', { class: 'state ' + t.state }, t.state)),
    el('td', { class: 'num' }, t.attempt + '/' + t.maxAttempts), el('td', {}, when(t.createdAt)),
    el('td', {}, t.state === 'DEAD' ? el('button', { type: 'button', class: 'replay',
      onclick: () => act('Replayed ' + t.id, 'POST', '/v1/tasks/' + encodeURIComponent(t.id) + '/replay', render) }, 'Replay') : ''))));
  if (page.tasks.length === 0) body.append(el('tr', {}, el('td', { colspan: '7' }, page.next ? 'None found yet.' : 'No task matches.')));
  const next = $('#next-page');
  next.disabled = !page.next;
  next.onclick = () => { params.set('cursor', page.next); location.hash = '#' + route().path + '?' + params; };
  $('#first-page').disabled = !params.get('cursor');
  $('#first-page').onclick = () => { params.delete('cursor'); location.hash = '#' + route().path + (params.toString() ? '?' + params : ''); };
  const filter = new URLSearchParams();
  for (const k of ['queue', 'type']) if (params.get(k)) filter.set(k, params.get(k));
  const scope = filter.toString() ? ' matching ' + filter.toString().replace('&', ', ') : '';
  $('#replay-all').onclick = () => confirm('Replay every dead task' + scope + '?')
    && act('Replay', 'POST', '/v1/dead/replay' + (scope ? '?' + filter : ''), render);
  $('#purge-all').onclick = () => confirm('Delete every dead task' + scope + ' for good?')
    && act('Purge', 'DELETE', '/v1/dead' + (scope ? '?' + filter : ''), render);
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
        ' ' + when(e.at),
        e.workerId ? el('span', { class: 'worker' }, ' on ' + e.workerId) : ''),
      el('pre', { class: 'error message' }, e.message),
      trace ? el('details', {}, el('summary', {}, 'stack trace'), el('pre', { class: 'trace' }, trace)) : '');
  }));
  if (errors.length === 0) list.append(el('li', { class: 'none' }, 'No attempt failed.'));
}

async function renderTask(id) {
  const [t, history] = await Promise.all([api('GET', '/v1/tasks/' + encodeURIComponent(id)),
    api('GET', '/v1/tasks/' + encodeURIComponent(id) + '/errors')]);
  currentTask = t;
  $('#task-id').textContent = t.id;
  const fields = [['state', t.state], ['queue', t.queue], ['type', t.type], ['attempt', t.attempt + ' of ' + t.maxAttempts],
    ['priority', t.priority], ['timeout', t.timeout], ['idempotency key', t.idempotencyKey], ['created', when(t.createdAt)],
    ['run at', when(t.runAt)], ['started', when(t.startedAt)], ['finished', when(t.finishedAt)],
    ['worker', t.workerId], ['lease until', when(t.leaseUntil)]];
  $('#task-fields').replaceChildren(...fields.filter(([, v]) => v !== undefined && v !== null && v !== '')
    .flatMap(([k, v]) => [el('dt', {}, k), el('dd', { 'data-field': k }, String(v))]));
  showPayload();
  $('#task-result').textContent = t.result === null || t.result === undefined ? '—' : JSON.stringify(t.result, null, 2);
  renderErrors(history.errors, t.lastError);
  const replay = $('#task-replay');
  replay.hidden = t.state !== 'DEAD';
  replay.onclick = () => act('Replayed ' + t.id, 'POST', '/v1/tasks/' + encodeURIComponent(t.id) + '/replay', render);
  const cancel = $('#task-cancel');
  cancel.hidden = !['SCHEDULED', 'READY', 'RETRYING', 'RUNNING'].includes(t.state);
  cancel.onclick = () => confirm('Cancel task ' + t.id + '?')
    && act('Cancelled ' + t.id, 'POST', '/v1/tasks/' + encodeURIComponent(t.id) + '/cancel', render);
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
    el('td', {}, s.name),
    el('td', {}, s.cron ? el('code', {}, s.cron) : 'every ' + duration(s.interval), s.zone && s.cron ? ' (' + s.zone + ')' : ''),
    el('td', {}, el('a', { href: '#/tasks?queue=' + encodeURIComponent(s.task.queue) + '&type=' + encodeURIComponent(s.task.type) },
      s.task.queue + '/' + s.task.type)),
    el('td', { class: s.enabled ? 'enabled' : 'disabled' }, s.enabled ? 'yes' : 'no'),
    el('td', { class: 'next-fire' }, when(s.nextFire) || '—'),
    el('td', { class: 'last-fire' }, when(s.lastFire) || '—'))));
  if (list.schedules.length === 0) body.append(el('tr', {}, el('td', { colspan: '6' }, 'No schedule.')));
}

render();
