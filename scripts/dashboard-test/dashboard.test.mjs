// Drives the Errand dashboard in headless Chromium over a seeded server: the queues (sorted, filtered,
// with limits, rates and totals; a queue with nothing left vanishes), the retrying view in order of next
// run with run-now, the dead letters with their error text, groups and counts before each action, the
// workers, the events kept before the page opened and then live, times in UTC or local, the task page's
// attempt timeline (with each attempt's heartbeats) and copy-as-curl, the task search, a workflow and
// the schedules, a target task's page and the target hosts, the RabbitMQ panel when a broker runs; every
// view at desktop and phone widths, with a screenshot each, all under the server's
// Content-Security-Policy, and the API description page under its own. Run by run.sh, which starts the
// server and sets ERRAND_URL, ERRAND_TOKEN (admin) and DASHBOARD_ARTIFACTS (where screenshots go).
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const base = process.env.ERRAND_URL;
const token = process.env.ERRAND_TOKEN;
const artifacts = process.env.DASHBOARD_ARTIFACTS;
assert.ok(base && token && artifacts, 'ERRAND_URL, ERRAND_TOKEN and DASHBOARD_ARTIFACTS must be set');

async function api(method, p, body) {
  const r = await fetch(base + p, { method, headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function until(what, check, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// A known workload: three mail tasks (one succeeds, one goes DEAD, one waits) and one report.
const ids = [];
for (let i = 0; i < 3; i++) ids.push((await api('POST', '/v1/tasks', { type: 'send_email', queue: 'mail', payload: { to: `user${i}@example.com` } })).id);
// a second apart, so that a search by creation time (to the second) can tell them apart
await new Promise((r) => setTimeout(r, 1100));
const report = (await api('POST', '/v1/tasks', { type: 'build_report', queue: 'reports', payload: { month: '2026-10' } })).id;
const claimed = (await api('POST', '/v1/queues/mail/claim', { workerId: 'browser-test-worker', max: 2 })).tasks;
assert.equal(claimed.length, 2);
await api('POST', `/v1/tasks/${claimed[0].id}/complete`, { leaseToken: claimed[0].leaseToken, result: { sent: true } });
const deadId = claimed[1].id;
await api('POST', `/v1/tasks/${deadId}/fail`, { leaseToken: claimed[1].leaseToken,
  error: 'SMTP 550 mailbox unavailable\n  at Mailer.send(Mailer.java:42)', retryable: false });

// A task that fails twice: a retry, then dead, each attempt on its own worker.
const flaky = (await api('POST', '/v1/tasks', { type: 'charge', queue: 'billing', maxAttempts: 2, payload: { order: 7 } })).id;
const first = (await api('POST', '/v1/queues/billing/claim', { workerId: 'billing-worker-1' })).tasks[0];
// the first attempt beats twice (the timeline shows the count, the first and the last); the second never
for (let i = 0; i < 2; i++) await api('POST', `/v1/tasks/${flaky}/heartbeat`, { leaseToken: first.leaseToken });
await api('POST', `/v1/tasks/${flaky}/fail`, { leaseToken: first.leaseToken, retryable: true,
  error: 'java.net.SocketTimeoutException: Read timed out\n\tat java.base/java.net.Socket.read(Socket.java:1)\n\tat Payments.charge(Payments.java:88)' });
let second = null;
await until('the retry to come due', async () => {
  second = (await api('POST', '/v1/queues/billing/claim', { workerId: 'billing-worker-2' })).tasks[0];
  return !!second;
}, 30_000);
await api('POST', `/v1/tasks/${flaky}/fail`, { leaseToken: second.leaseToken, retryable: true,
  error: 'PaymentDeclined: card 4242 declined\n\tat Payments.charge(Payments.java:91)' });

// Waiting tasks: three scheduled out of order, and one retrying after a failure with a long backoff.
const inThreeHours = (await api('POST', '/v1/tasks', { type: 'digest', queue: 'later', delay: '3h', payload: { n: 3 } })).id;
const inOneHour = (await api('POST', '/v1/tasks', { type: 'digest', queue: 'later', delay: '1h', payload: { n: 1 } })).id;
const inTwoHours = (await api('POST', '/v1/tasks', { type: 'digest', queue: 'other', delay: '2h', payload: { n: 2 } })).id;
const retrying = (await api('POST', '/v1/tasks', { type: 'sync', queue: 'flaky', maxAttempts: 5, payload: {} })).id;
const syncLease = (await api('POST', '/v1/queues/flaky/claim', { workerId: 'sync-worker' })).tasks[0];
await api('POST', `/v1/tasks/${retrying}/fail`, { leaseToken: syncLease.leaseToken, retryable: true,
  error: 'ConnectException: upstream refused\n\tat Sync.run(Sync.java:12)' });

// A worker holding a task that reports its progress; and one that took a one-second lease, finished the
// task and was not heard of again: gone once its lease and the grace (5 s) are over.
const exporting = (await api('POST', '/v1/tasks', { type: 'export', queue: 'exports', payload: { rows: 10 } })).id;
const exportLease = (await api('POST', '/v1/queues/exports/claim', { workerId: 'export-worker', leaseSeconds: 600 })).tasks[0];
assert.equal(exportLease.id, exporting);
await api('POST', `/v1/tasks/${exporting}/heartbeat`, { leaseToken: exportLease.leaseToken, progress: { current: 3, total: 10 } });
await api('POST', '/v1/tasks', { type: 'export', queue: 'exports', payload: { rows: 1 } });
const brief = (await api('POST', '/v1/queues/exports/claim', { workerId: 'vanished-worker', leaseSeconds: 1 })).tasks[0];
await api('POST', `/v1/tasks/${brief.id}/complete`, { leaseToken: brief.leaseToken });

// Limits on a queue; and a queue that was paused and resumed with nothing in it, which must not be listed.
await api('PUT', '/v1/queues/reports/limits', { maxRunning: 3 });
await api('POST', '/v1/queues/ghost/pause');
await api('POST', '/v1/queues/ghost/resume');

// A workflow: a chain of two steps.
const workflow = (await api('POST', '/v1/workflows', { chain: [{ type: 'extract', queue: 'etl', payload: {} },
  { type: 'load', queue: 'etl', payload: {} }] })).id;

// Schedules, one by cron and one by interval.
await api('PUT', '/v1/schedules/nightly-report', { cron: '30 2 * * *', zone: 'Europe/Berlin',
  task: { type: 'build_report', queue: 'reports', payload: { kind: 'daily' } } });
await api('PUT', '/v1/schedules/heartbeat', { interval: '1h', task: { type: 'ping', queue: 'beats' } });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run'],
});
const shot = (page, name) => page.screenshot({ path: path.join(artifacts, name + '.png'), fullPage: true });
// Accepts the next confirm() and returns its text, so a test can check the count it showed.
const confirmNext = (page) => new Promise((resolve) => page.once('dialog', (d) => { resolve(d.message()); d.accept(); }));
let failed = false;
try {
  // a zone other than the machine's (often UTC), so that local times and UTC times differ
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'Europe/Berlin' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // the server's Content-Security-Policy admits only its own files: anything inline it blocks shows here
  page.on('console', (m) => { if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) errors.push(m.text()); });
  page.on('requestfailed', (r) => { if (!r.url().includes('/v1/events')) errors.push('request failed: ' + r.url()); });

  // 1. the queues ask for the token, then show counts, status, limits, rates and totals
  await page.goto(base + '/');
  await page.locator('#token').fill(token);
  await page.locator('#login-form button').click();
  const mailRow = page.locator('#queues tr[data-queue="mail"]');
  await mailRow.waitFor();
  await page.locator('#queues tr[data-queue="reports"]').waitFor();
  assert.equal(await page.locator('#login').isVisible(), false, 'the sign-in box is gone once signed in');
  assert.equal(await mailRow.locator('td[data-state="DEAD"]').innerText(), '1', 'one dead task in mail');
  assert.equal(await mailRow.locator('td[data-state="SUCCEEDED"]').innerText(), '1', 'one succeeded task in mail');
  assert.match(await mailRow.locator('td.oldest').innerText(), /^\d+s$/, 'how long the oldest ready mail task has waited');
  assert.match(await page.locator('#queues tr[data-queue="reports"] td.limits').innerText(), /≤ 3 running/);
  assert.equal(await page.locator('#queues tr[data-queue="billing"] td.failure').innerText(), '100.0%', 'billing failed every attempt');
  assert.equal(await mailRow.locator('td.throughput').innerText(), '0.4', 'two mail attempts ended in the last 5 minutes');
  assert.equal(await page.locator('#queues tr[data-queue="ghost"]').count(), 0, 'a queue with nothing left is not listed');
  assert.equal(await page.locator('#queues tfoot td[data-total="DEAD"]').innerText(), '2', 'the dead tasks of every queue');
  assert.ok(await page.evaluate(() => typeof Chart === 'function'), 'the chart library loaded from the server');
  await page.locator('#live.on').waitFor();
  // sorted by dead count, most first: billing and mail lead; filtered by name: only mail
  await page.locator('#queues th button[data-sort="DEAD"]').click();
  const firstTwo = await page.locator('#queues tbody tr').evaluateAll((rows) => rows.slice(0, 2).map((r) => r.dataset.queue).sort());
  assert.deepEqual(firstTwo, ['billing', 'mail']);
  assert.equal(await page.locator('#queues th[aria-sort]').getAttribute('aria-sort'), 'descending');
  await page.locator('#queue-filter').fill('mai');
  await until('the filter to apply', async () => (await page.locator('#queues tbody tr').count()) === 1);
  assert.equal(await page.locator('#queues tbody tr').getAttribute('data-queue'), 'mail');
  await page.locator('#queue-filter').fill('');
  await shot(page, '1-queues');

  // 2. retrying and scheduled, soonest next run first, with the last error; run one now, then all of a queue
  await page.locator('[data-nav="retrying"]').click();
  const dueRows = page.locator('#due tbody tr[data-id]');
  await dueRows.nth(3).waitFor();
  const order = await dueRows.evaluateAll((rows) => rows.map((r) => r.dataset.id));
  assert.deepEqual(order.slice(1), [inOneHour, inTwoHours, inThreeHours], 'scheduled tasks by next run');
  assert.equal(order[0], retrying, 'the retry comes due before any of them');
  const runAts = await dueRows.evaluateAll((rows) => rows.map((r) => Date.parse(r.dataset.runAt)));
  assert.deepEqual(runAts, [...runAts].sort((a, b) => a - b), 'ordered by next run');
  const retryRow = page.locator(`#due tr[data-id="${retrying}"]`);
  assert.match(await retryRow.locator('td.error-line').innerText(), /^ConnectException: upstream refused$/);
  assert.match(await retryRow.innerText(), /RETRYING[\s\S]*1\/5/);
  assert.match(await page.locator(`#due tr[data-id="${inOneHour}"] td.next-run`).innerText(), /^in (59 min|1\.0 h) · /);
  await shot(page, '2-retrying');
  await page.locator(`#due tr[data-id="${inTwoHours}"] button.run`).click();
  await until('the task to run now', async () => (await api('GET', '/v1/tasks/' + inTwoHours)).state === 'READY');
  await page.locator(`#due tr[data-id="${inTwoHours}"]`).waitFor({ state: 'detached' });
  await page.goto(base + '/#/retrying?queue=later');
  await page.locator(`#due tr[data-id="${retrying}"]`).waitFor({ state: 'detached' }); // the filtered list is in
  assert.match(await page.locator('#due-count').innerText(), /^2 delayed tasks match/);
  const asked = confirmNext(page);
  await page.locator('#due-run-all').click();
  assert.match(await asked, /^Run 2 delayed tasks in queue later now\?$/, 'the count is shown before the action');
  await until('the queue to run now', async () => (await api('GET', '/v1/tasks/' + inThreeHours)).state === 'READY');

  // 3. find a task by id and read its detail: fields, timeline, copy-as-curl that replays the enqueue
  await page.locator('[data-nav="tasks"]').click();
  await page.locator('#search input[name="id"]').fill(report);
  await page.locator('#search button[type="submit"]').click();
  await page.locator('#task-id', { hasText: report }).waitFor();
  assert.match(await page.locator('#task-payload').innerText(), /2026-10/);
  await page.locator('#redact').check();
  assert.doesNotMatch(await page.locator('#task-payload').innerText(), /2026-10/);
  await page.locator('#redact').uncheck();
  await page.locator('#task-curl').click();
  const curl = await page.locator('#task-curl-text').innerText();
  assert.match(curl, /^curl -X POST http:\/\/127\.0\.0\.1:\d+\/v1\/tasks /);
  assert.doesNotMatch(curl, new RegExp(token), 'the token stays out of the command');
  const replayed = JSON.parse(execFileSync('sh', ['-c', curl + ' -s'], { env: { ...process.env, ERRAND_TOKEN: token } }).toString());
  assert.equal(replayed.type, 'build_report');
  assert.equal(replayed.queue, 'reports');
  assert.deepEqual(replayed.payload, { month: '2026-10' });
  assert.notEqual(replayed.id, report);
  await shot(page, '3-task-detail');

  // search by queue and state, paged on the server
  await page.goto(base + '/#/tasks?queue=mail&state=READY');
  await page.locator(`#tasks tr[data-id="${ids[2]}"]`).waitFor();

  // search by creation time: the window from the report's creation on holds it and what came later, not the mail
  const reportCreated = (await api('GET', '/v1/tasks/' + report)).createdAt;
  await page.goto(base + '/#/tasks');
  await page.locator('#search input[name="created_after"]').waitFor();
  const local = await page.evaluate((iso) => toLocal(iso), new Date(Date.parse(reportCreated) - 1).toISOString());
  // Chromium shows a datetime-local value of whole minutes without ':00', and fill() refuses a value the
  // field then reads back differently; so a time on the minute is filled as the field will show it.
  await page.locator('#search input[name="created_after"]').fill(local.replace(/T(\d\d:\d\d):00$/, 'T$1'));
  await page.locator('#search button[type="submit"]').click();
  await page.waitForURL(/created_after=\d{4}-\d\d-\d\dT/); // the window is in the address, as RFC 3339
  await page.locator(`#tasks tr[data-id="${ids[0]}"]`).waitFor({ state: 'detached' });
  await page.locator(`#tasks tr[data-id="${report}"]`).waitFor();
  await shot(page, '3b-created-after');

  // 3c. a failed task's attempts: the timeline, and each error with its worker and stack trace
  await page.goto(base + '/#/task/' + flaky);
  const attempts = page.locator('#task-errors li[data-attempt]');
  await attempts.nth(1).waitFor();
  assert.equal(await attempts.count(), 2, 'two failed attempts');
  assert.match(await attempts.nth(0).innerText(), /Attempt 1[\s\S]*billing-worker-1[\s\S]*SocketTimeoutException: Read timed out/);
  assert.match(await attempts.nth(1).innerText(), /Attempt 2[\s\S]*billing-worker-2[\s\S]*card 4242 declined/);
  await attempts.nth(0).locator('summary').click();
  assert.match(await attempts.nth(0).locator('pre.trace').innerText(), /Payments\.java:88/);
  await page.locator('[data-field="state"]', { hasText: 'DEAD' }).waitFor();
  const timeline = await page.locator('#task-timeline li').evaluateAll((items) => items.map((i) => i.dataset.step));
  assert.deepEqual(timeline, ['created', 'attempt', 'attempt', 'outcome']);
  assert.match(await page.locator('#task-timeline li[data-attempt="2"]').innerText(), /^Attempt 2 claimed .+ · .+, failed .+ · .+ on billing-worker-2/);
  assert.match(await page.locator('#task-timeline li[data-step="outcome"]').innerText(), /DEAD/);
  // each attempt's heartbeats: the first beat twice, the second never
  const beats = page.locator('#task-timeline li[data-attempt="1"] .heartbeats');
  assert.equal(await beats.getAttribute('data-heartbeats'), '2');
  assert.match(await beats.innerText(), /^2 heartbeats: first .+ · .+, last .+ · /);
  assert.equal(await page.locator('#task-timeline li[data-attempt="2"] .heartbeats').innerText(), 'No heartbeat');
  await shot(page, '3c-attempts');

  // 3d. a workflow, looked up by id: its nodes and their states
  await page.locator('[data-nav="workflows"]').click();
  await page.locator('#workflow-lookup input[name="id"]').fill(workflow);
  await page.locator('#workflow-lookup button').click();
  await page.locator('#workflow-id', { hasText: workflow }).waitFor();
  assert.match(await page.locator('#workflow-nodes').innerText(), /extract[\s\S]*load/);
  await shot(page, '3d-workflow');

  // 4. dead letters: the error text in the list, grouped with counts, counts before every action
  await page.locator('[data-nav="dead"]').click();
  const deadRow = page.locator(`#dead tr[data-id="${deadId}"]`);
  await deadRow.waitFor();
  assert.equal(await deadRow.locator('td.error-line').innerText(), 'SMTP 550 mailbox unavailable', 'the list shows the error');
  assert.match(await page.locator(`#dead tr[data-id="${flaky}"] td.error-line`).innerText(), /^PaymentDeclined: card 4242 declined$/);
  assert.notEqual(await deadRow.locator('td.died time').innerText(), '', 'when it died');
  const group = page.locator('#dead-groups tr[data-error="SMTP 550 mailbox unavailable"]');
  assert.match(await group.innerText(), /SMTP 550 mailbox unavailable\s+1\s+mail/);
  assert.match(await page.locator('#dead-count').innerText(), /^2 match the filter\./);
  assert.match(await page.locator('#replay-all').innerText(), /Replay all 2 matching/);
  await shot(page, '4-dead-letters');
  await group.locator('a.show-group').click();
  await page.locator(`#dead tr[data-id="${flaky}"]`).waitFor({ state: 'detached' });
  assert.equal(await page.locator('#dead tbody tr[data-id]').count(), 1, 'only the group is shown');
  await page.locator('#dead-select-all').check();
  const replayAsked = confirmNext(page);
  await page.locator('#dead-replay-selected').click();
  assert.equal(await replayAsked, 'Replay 1 selected dead task?');
  await until('the dead task to be READY', async () => (await api('GET', '/v1/tasks/' + deadId)).state === 'READY');
  await page.goto(base + '/#/dead?queue=billing');
  await page.locator(`#dead tr[data-id="${flaky}"]`).waitFor();
  assert.match(await page.locator('#purge-all').innerText(), /Purge all 1 matching/);

  // 5. the workers of the last hour: queues, running tasks, outcomes, last seen
  await page.locator('[data-nav="workers"]').click();
  const worker = page.locator('#workers tr[data-worker="browser-test-worker"]');
  await worker.waitFor();
  // live unless the seeding took longer than the liveness window; the server test checks 'gone'
  assert.match(await worker.innerText(), /browser-test-worker\s+(live|gone)\s+mail\s+0\s+—\s+1\s+1\s+\d+ (s|min) ago · /);
  const billingWorker = page.locator('#workers tr[data-worker="billing-worker-2"] td');
  assert.equal(await billingWorker.nth(5).innerText(), '1', 'billing-worker-2 failed one attempt in the hour');
  // a worker running a task links to it; one unheard of for longer than its lease is marked gone
  const exporter = page.locator('#workers tr[data-worker="export-worker"]');
  assert.match(await exporter.innerText(), /export-worker\s+live\s+exports\s+1\s/);
  assert.equal(await exporter.locator(`td.running-tasks a[href="#/task/${exporting}"]`).count(), 1);
  await until('vanished-worker to be gone', async () => (await api('GET', '/v1/workers')).workers
    .find((w) => w.workerId === 'vanished-worker')?.gone === true, 30_000);
  await page.reload();
  const vanished = page.locator('#workers tr[data-worker="vanished-worker"]');
  await vanished.waitFor();
  assert.equal(await vanished.locator('td.status').innerText(), 'gone', 'gone, in words');
  // the running task's page shows the progress its worker reported
  await exporter.locator('td.running-tasks a').click();
  await page.locator('#task-id', { hasText: exporting }).waitFor();
  assert.equal(await page.locator('#task-progress-text').innerText(), '3 of 10');
  assert.equal(await page.locator('#task-progress').evaluate((e) => e.value), 0.3);
  await shot(page, '5-progress');
  await page.locator('[data-nav="workers"]').click();
  await exporter.waitFor();
  // the RabbitMQ panel: the relay's two loops (run.sh's config) connected, or hidden without a broker
  if (process.env.ERRAND_RABBITMQ) {
    const loops = page.locator('#rabbitmq tr[data-loop]');
    await until('the RabbitMQ relay loops to be connected', async () => (await loops.count()) === 2
      && !(await page.locator('#rabbitmq').innerText()).includes('disconnected'), 15_000);
    assert.match(await loops.first().innerText(), /-relay-0\s+relay\s+errand\.outbox\s+connected\s+0\s+0\s+0\s+0\s+0\s+0\s+0\s+—/);
  } else {
    assert.equal(await page.locator('#rabbitmq').isHidden(), true, 'no RabbitMQ panel without a rabbitmq section');
  }
  await shot(page, '5-workers');

  // 6. events: what happened before the page opened is there, then new ones arrive live
  await page.locator('[data-nav="events"]').click();
  await page.locator(`#events li a`, { hasText: deadId }).first().waitFor();
  assert.ok(await page.locator('#events li[data-kind="dead"]').count() >= 2, 'the deaths before the page opened');
  const live = (await api('POST', '/v1/tasks', { type: 'send_email', queue: 'mail', payload: {} })).id;
  await page.locator('#events li a', { hasText: live }).waitFor();
  assert.equal(await page.locator('#events li').first().locator('a').innerText(), live, 'newest first');
  await shot(page, '6-events');

  // 7. times in UTC or local, each with its zone, relative where it helps
  await page.locator('#zone').selectOption('utc');
  assert.match(await page.locator('#events li time').first().innerText(), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
  await page.goto(base + '/#/retrying');
  await page.locator('#due tbody tr[data-id] td.next-run').first().waitFor();
  assert.match(await page.locator('#due td.next-run').first().innerText(), /^(in \d+|\d+ \w+ ago|now)[\s\S]* · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
  await page.locator('#zone').selectOption('local');
  assert.match(await page.locator('#due td.next-run').first().innerText(), / · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d GMT\+1$/);
  assert.equal(await page.evaluate(() => localStorage.getItem('errand.zone')), 'local', 'the setting is kept');

  // 8. pause a queue from the queues view; the state is in words, not only in colour
  await page.locator('[data-nav="overview"]').click();
  await mailRow.locator('button.pause', { hasText: 'Pause' }).click();
  await until('mail to be paused', async () => (await api('GET', '/v1/queues')).queues.find((q) => q.queue === 'mail').paused);
  await mailRow.locator('.paused', { hasText: 'paused' }).waitFor();
  await shot(page, '8-paused');

  // 9. the schedules with their next and last fire times
  await page.locator('[data-nav="schedules"]').click();
  const nightly = page.locator('#schedules tr[data-schedule="nightly-report"]');
  await nightly.waitFor();
  assert.match(await nightly.innerText(), /30 2 \* \* \*[\s\S]*Europe\/Berlin[\s\S]*reports\/build_report[\s\S]*yes/);
  assert.match(await nightly.locator('td.next-fire').innerText(), /^in .* · \d{4}-/, 'a next fire time with its zone');
  const beat = page.locator('#schedules tr[data-schedule="heartbeat"]');
  assert.match(await beat.innerText(), /every 1h\b/);
  await shot(page, '9-schedules');

  // 10. keyboard and screen readers: a skip link first, views reached by keyboard, named controls, headed tables
  await page.goto(base + '/#/');
  await page.reload();
  await mailRow.waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip');
  await page.locator('[data-nav="dead"]').focus();
  await page.keyboard.press('Enter');
  await page.locator(`#dead tr[data-id="${flaky}"]`).waitFor();
  assert.equal(await page.locator('[data-nav="dead"]').getAttribute('aria-current'), 'page');
  const unnamed = await page.evaluate(() => [...document.querySelectorAll('button, a[href], input, select')]
    .filter((e) => e.offsetParent !== null)
    .filter((e) => !(e.getAttribute('aria-label') || e.innerText.trim() || e.labels?.[0]?.innerText.trim() || e.placeholder))
    .map((e) => e.outerHTML));
  assert.deepEqual(unnamed, [], 'every visible control has a name');
  const headless = await page.evaluate(() => [...document.querySelectorAll('table')].filter((t) => !t.querySelector('thead th')).map((t) => t.id));
  assert.deepEqual(headless, [], 'every table has column headers');

  // 11. every view at a phone's width: nothing wider than the screen (tables scroll inside their box)
  await page.setViewportSize({ width: 390, height: 844 });
  const views = [['#/', mailRow], ['#/retrying', page.locator('#due tbody tr').first()],
    ['#/dead', page.locator(`#dead tr[data-id="${flaky}"]`)], ['#/workers', worker],
    ['#/events', page.locator('#events li').first()], ['#/tasks', page.locator('#search input[name="created_before"]')],
    ['#/task/' + flaky, attempts.nth(1)], ['#/schedules', nightly],
    ['#/workflows', page.locator('#workflow-lookup input[name="id"]')],
    ['#/workflow/' + workflow, page.locator('#workflow-id', { hasText: workflow })]];
  for (const [hash, ready] of views) {
    await page.goto(base + '/' + hash);
    await ready.waitFor();
    assert.equal(await page.locator('#login').isVisible(), false, 'the token outlives a reload of the tab');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, hash + ' is wider than a phone by ' + overflow + ' px');
    await shot(page, 'phone-' + (hash.replace(/[#/]+/g, '-').replace(/^-|-$/g, '') || 'queues').replace(/-[0-9a-f-]{20,}$/, ''));
    if (hash === '#/') {
      // the charts resize a frame after the view shows; until then a canvas keeps its desktop width, which
      // must not widen the page (it did, when the check above ran before the resize)
      await page.evaluate(() => document.querySelectorAll('.chart canvas').forEach((c) => { c.style.width = '1200px'; }));
      const stale = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(stale <= 1, hash + ' with a chart not yet resized is wider than a phone by ' + stale + ' px');
    }
  }

  // 12. an HTTP-target task: the task page shows its target, the authorization redacted, and the queues
  // view its host's requests (this server allows no loopback target, so the request counts as refused)
  await page.setViewportSize({ width: 1280, height: 900 });
  const target = (await api('POST', '/v1/tasks', { target: { url: 'http://127.0.0.1:9/jobs/expire',
    headers: { Authorization: 'Bearer dash-s3cret', 'X-Trace': 't-1' } }, payload: { order: 42 } })).id;
  await until('the target task to be refused', async () => (await api('GET', '/v1/tasks/' + target)).state === 'DEAD');
  await page.goto(base + '/#/task/' + target);
  await page.locator('#task-id', { hasText: target }).waitFor();
  assert.equal(await page.locator('#task-target [data-field="request"]').innerText(), 'POST http://127.0.0.1:9/jobs/expire');
  assert.equal(await page.locator('#task-target [data-field="header authorization"]').innerText(), '[redacted]');
  assert.equal(await page.locator('#task-target [data-field="header x-trace"]').innerText(), 't-1');
  assert.doesNotMatch(await page.content(), /dash-s3cret/, 'the secret is nowhere in the page');
  await shot(page, '12-target-task');
  await page.goto(base + '/#/');
  const targetHost = page.locator('#targets tr[data-host="127.0.0.1"]');
  await targetHost.waitFor();
  assert.equal(await targetHost.locator('[data-col="requests"]').innerText(), '1');
  assert.equal(await targetHost.locator('[data-col="no-answer"]').innerText(), '1');
  assert.equal(await targetHost.locator('[data-col="statuses"]').innerText(), 'refused: 1');
  await shot(page, '12-target-hosts');

  // 9. the API description renders under its own policy (one inline script, admitted by its hash)
  await page.goto(base + '/docs');
  await page.locator('.swagger-ui .info .title', { hasText: 'Errand' }).waitFor();
  await page.locator('.opblock-summary-path', { hasText: '/v1/tasks' }).first().waitFor();
  await shot(page, '9-docs');

  assert.deepEqual(errors, [], 'no script errors, policy violations or failed requests');
  console.log('dashboard-test: all checks passed; screenshots in ' + artifacts);
} catch (e) {
  failed = true;
  console.error('dashboard-test: ' + (e.stack || e));
  for (const p of browser.contexts().flatMap((c) => c.pages())) {
    await p.screenshot({ path: path.join(artifacts, 'failure.png'), fullPage: true }).catch(() => {});
  }
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
