// Errand dashboard: plain JavaScript over the same /v1 API as every client, with the token the user
// gives sent as a bearer header. Every list is paged by the server; the overview refreshes on the
// live event stream (read with fetch, since EventSource cannot send an Authorization header).
'use strict';

const STATES = ['SCHEDULED', 'READY', 'RUNNING', 'RETRYING', 'SUCCEEDED', 'DEAD', 'CANCELLED'];
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
    } else {
      location.hash = '#/';
    }
  } catch (e) {
    if (e.status !== 401) toast(e.message);
  }
}

window.addEventListener('hashchange', render);

// ------------------------------------------------------------------ overview

async function renderOverview() {
  const [queues, stats] = await Promise.all([api('GET', '/v1/queues'), api('GET', '/v1/stats')]);
  const body = $('#queues tbody');
  body.replaceChildren(...queues.queues.map((q) => el('tr', { 'data-queue': q.queue },
    el('td', {}, el('a', { href: '#/tasks?queue=' + encodeURIComponent(q.queue) }, q.queue),
      q.paused ? el('span', { class: 'paused' }, 'paused') : ''),
    ...STATES.map((s) => el('td', { class: 'num' }, s === 'DEAD' && q.counts[s] > 0
      ? el('a', { href: '#/dead?queue=' + encodeURIComponent(q.queue) }, String(q.counts[s]))
      : String(q.counts[s]))),
    el('td', {}, el('button', {
      type: 'button', class: 'pause', onclick: () => act((q.paused ? 'Resumed ' : 'Paused ') + q.queue, 'POST',
        '/v1/queues/' + encodeURIComponent(q.queue) + (q.paused ? '/resume' : '/pause'), renderOverview),
    }, q.paused ? 'Resume' : 'Pause')))));
  if (queues.queues.length === 0) body.append(el('tr', {}, el('td', { colspan: '9' }, 'No queue holds tasks yet.')));

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

function tasksQuery(params, dead) {
  const q = new URLSearchParams();
  for (const k of ['queue', 'type', 'cursor']) if (params.get(k)) q.set(k, params.get(k));
  const state = dead ? 'DEAD' : params.get('state');
  if (state) q.set('state', state);
  q.set('limit', String(PAGE));
  return q;
}

async function renderTasks(params, dead) {
  $('#tasks-title').textContent = dead ? 'Dead letters' : 'Tasks';
  $('#dead-actions').hidden = !dead;
  const form = $('#search');
  form.elements.state.disabled = dead;
  form.elements.id.hidden = dead;
  for (const k of ['queue', 'type', 'state']) form.elements[k].value = params.get(k) || (k === 'state' && dead ? 'DEAD' : '');
  form.elements.id.value = '';
  form.onsubmit = (ev) => {
    ev.preventDefault();
    const id = form.elements.id.value.trim();
    if (id && !dead) { location.hash = '#/task/' + encodeURIComponent(id); return; }
    const q = new URLSearchParams();
    for (const k of ['queue', 'type', 'state']) if (form.elements[k].value && !(dead && k === 'state')) q.set(k, form.elements[k].value.trim());
    location.hash = '#' + (dead ? '/dead' : '/tasks') + (q.toString() ? '?' + q : '');
  };
  const page = await api('GET', '/v1/tasks?' + tasksQuery(params, dead));
  const body = $('#tasks tbody');
  body.replaceChildren(...page.tasks.map((t) => el('tr', { 'data-id': t.id },
    el('td', {}, el('a', { href: '#/task/' + encodeURIComponent(t.id) }, t.id)),
    el('td', {}, t.queue), el('td', {}, t.type), el('td', {}, el('span', { class: 'state ' + t.state }, t.state)),
    el('td', { class: 'num' }, t.attempt + '/' + t.maxAttempts), el('td', {}, when(t.createdAt)),
    el('td', {}, t.state === 'DEAD' ? el('button', { type: 'button', class: 'replay',
      onclick: () => act('Replayed ' + t.id, 'POST', '/v1/tasks/' + encodeURIComponent(t.id) + '/replay', render) }, 'Replay') : ''))));
  if (page.tasks.length === 0) body.append(el('tr', {}, el('td', { colspan: '7' }, 'No task matches.')));
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

async function renderTask(id) {
  const t = await api('GET', '/v1/tasks/' + encodeURIComponent(id));
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
  $('#task-error').textContent = t.lastError || '—';
  const replay = $('#task-replay');
  replay.hidden = t.state !== 'DEAD';
  replay.onclick = () => act('Replayed ' + t.id, 'POST', '/v1/tasks/' + encodeURIComponent(t.id) + '/replay', render);
  const cancel = $('#task-cancel');
  cancel.hidden = !['SCHEDULED', 'READY', 'RETRYING', 'RUNNING'].includes(t.state);
  cancel.onclick = () => confirm('Cancel task ' + t.id + '?')
    && act('Cancelled ' + t.id, 'POST', '/v1/tasks/' + encodeURIComponent(t.id) + '/cancel', render);
}

render();
