// Drives the Errand dashboard in headless Chromium: load the overview, find a task, search by creation
// time, read a failed task's error history, replay a dead task, pause a queue, list the schedules, and
// check the pages fit a phone's width, all under the server's Content-Security-Policy, and the API
// description page renders under its own. Run by run.sh, which starts the server and sets
// ERRAND_URL, ERRAND_TOKEN (admin) and DASHBOARD_ARTIFACTS (where screenshots go).
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
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
await api('POST', `/v1/tasks/${flaky}/fail`, { leaseToken: first.leaseToken, retryable: true,
  error: 'java.net.SocketTimeoutException: Read timed out\n\tat java.base/java.net.Socket.read(Socket.java:1)\n\tat Payments.charge(Payments.java:88)' });
let second = null;
await until('the retry to come due', async () => {
  second = (await api('POST', '/v1/queues/billing/claim', { workerId: 'billing-worker-2' })).tasks[0];
  return !!second;
}, 30_000);
await api('POST', `/v1/tasks/${flaky}/fail`, { leaseToken: second.leaseToken, retryable: true,
  error: 'PaymentDeclined: card 4242 declined\n\tat Payments.charge(Payments.java:91)' });

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
let failed = false;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // the server's Content-Security-Policy admits only its own files: anything inline it blocks shows here
  page.on('console', (m) => { if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) errors.push(m.text()); });
  page.on('requestfailed', (r) => { if (!r.url().includes('/v1/events')) errors.push('request failed: ' + r.url()); });

  // 1. the overview asks for the token, then shows the queues, the charts and the worker
  await page.goto(base + '/');
  await page.locator('#token').fill(token);
  await page.locator('#login-form button').click();
  const mailRow = page.locator('#queues tr[data-queue="mail"]');
  await mailRow.waitFor();
  await page.locator('#queues tr[data-queue="reports"]').waitFor();
  assert.equal(await page.locator('#login').isVisible(), false, 'the sign-in box is gone once signed in');
  assert.equal(await mailRow.locator('td').nth(7).innerText(), '1', 'one dead task in mail');
  assert.equal(await mailRow.locator('td').nth(6).innerText(), '1', 'one succeeded task in mail');
  assert.match(await mailRow.locator('td.oldest').innerText(), /^\d+s$/, 'how long the oldest ready mail task has waited');
  await page.locator('#workers td', { hasText: 'browser-test-worker' }).waitFor();
  assert.ok(await page.evaluate(() => typeof Chart === 'function'), 'the chart library loaded from the server');
  await page.locator('#live.on').waitFor();
  await shot(page, '1-overview');

  // live: an enqueue shows in the event list and the counts without a reload
  const live = (await api('POST', '/v1/tasks', { type: 'send_email', queue: 'mail', payload: {} })).id;
  await page.locator('#events a', { hasText: live }).waitFor();

  // 2. find a task by id and read its detail
  await page.locator('[data-nav="tasks"]').click();
  await page.locator('#search input[name="id"]').fill(report);
  await page.locator('#search button[type="submit"]').click();
  await page.locator('#task-id', { hasText: report }).waitFor();
  assert.match(await page.locator('#task-payload').innerText(), /2026-10/);
  await page.locator('#redact').check();
  assert.doesNotMatch(await page.locator('#task-payload').innerText(), /2026-10/);
  await shot(page, '2-task-detail');

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
  // the unfiltered list showed the mail; the search's list leaves it out
  await page.locator(`#tasks tr[data-id="${ids[0]}"]`).waitFor({ state: 'detached' });
  await page.locator(`#tasks tr[data-id="${report}"]`).waitFor();
  await shot(page, '2b-created-after');

  // 2c. a failed task's error history: each attempt, its worker, its message, its stack trace
  await page.goto(base + '/#/task/' + flaky);
  const attempts = page.locator('#task-errors li[data-attempt]');
  await attempts.nth(1).waitFor();
  assert.equal(await attempts.count(), 2, 'two failed attempts');
  assert.match(await attempts.nth(0).innerText(), /Attempt 1[\s\S]*billing-worker-1[\s\S]*SocketTimeoutException: Read timed out/);
  assert.match(await attempts.nth(1).innerText(), /Attempt 2[\s\S]*billing-worker-2[\s\S]*card 4242 declined/);
  await attempts.nth(0).locator('summary').click();
  assert.match(await attempts.nth(0).locator('pre.trace').innerText(), /Payments\.java:88/);
  await page.locator('[data-field="state"]', { hasText: 'DEAD' }).waitFor();
  await shot(page, '2c-error-history');

  // 3. the dead-letter view: inspect, then replay the dead task
  await page.locator('[data-nav="dead"]').click();
  const deadRow = page.locator(`#tasks tr[data-id="${deadId}"]`);
  await deadRow.waitFor();
  await shot(page, '3-dead-letters');
  await page.locator(`#tasks a[href="#/task/${deadId}"]`).click();
  await page.locator('#task-id', { hasText: deadId }).waitFor();
  const only = page.locator('#task-errors li[data-attempt="1"]');
  await only.waitFor();
  assert.match(await only.locator('pre.message').innerText(), /^SMTP 550 mailbox unavailable$/);
  assert.match(await only.locator('pre.trace').textContent(), /Mailer\.java:42/);
  await page.locator('#task-replay').click();
  await until('the dead task to be READY', async () => (await api('GET', '/v1/tasks/' + deadId)).state === 'READY');
  await page.locator('[data-field="state"]', { hasText: 'READY' }).waitFor();
  await shot(page, '4-replayed');

  // 4. pause a queue from the overview
  await page.locator('[data-nav="overview"]').click();
  await mailRow.locator('button.pause', { hasText: 'Pause' }).click();
  await until('mail to be paused', async () => (await api('GET', '/v1/queues')).queues.find((q) => q.queue === 'mail').paused);
  await mailRow.locator('.paused').waitFor();
  await shot(page, '5-paused');

  // 5. the schedules with their next and last fire times
  await page.locator('[data-nav="schedules"]').click();
  const nightly = page.locator('#schedules tr[data-schedule="nightly-report"]');
  await nightly.waitFor();
  assert.match(await nightly.innerText(), /30 2 \* \* \*[\s\S]*Europe\/Berlin[\s\S]*reports\/build_report[\s\S]*yes/);
  assert.notEqual(await nightly.locator('td.next-fire').innerText(), '—', 'a next fire time');
  const beat = page.locator('#schedules tr[data-schedule="heartbeat"]');
  assert.match(await beat.innerText(), /every 1h\b/);
  await shot(page, '6-schedules');

  // 6. a phone's width: nothing wider than the screen (tables scroll inside their box)
  await page.setViewportSize({ width: 390, height: 844 });
  for (const [hash, ready] of [['#/', mailRow], ['#/schedules', nightly], ['#/task/' + flaky, attempts.nth(1)],
    ['#/tasks', page.locator('#search input[name="created_before"]')]]) {
    await page.goto(base + '/' + hash);
    await ready.waitFor();
    assert.equal(await page.locator('#login').isVisible(), false, 'the token outlives a reload of the tab');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, hash + ' is wider than a phone by ' + overflow + ' px');
  }
  await page.goto(base + '/#/');
  await mailRow.waitFor();
  await shot(page, '7-phone');
  await page.goto(base + '/#/task/' + flaky);
  await attempts.nth(1).waitFor();
  await shot(page, '8-phone-error-history');

  // 9. the API description renders under its own policy (one inline script, admitted by its hash)
  await page.setViewportSize({ width: 1280, height: 900 });
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
