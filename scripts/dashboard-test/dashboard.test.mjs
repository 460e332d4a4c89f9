// Drives the Errand dashboard in headless Chromium: load the overview, find a task, replay a dead task,
// pause a queue, and check the page fits a phone's width. Run by run.sh, which starts the server and sets
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
const report = (await api('POST', '/v1/tasks', { type: 'build_report', queue: 'reports', payload: { month: '2026-10' } })).id;
const claimed = (await api('POST', '/v1/queues/mail/claim', { workerId: 'browser-test-worker', max: 2 })).tasks;
assert.equal(claimed.length, 2);
await api('POST', `/v1/tasks/${claimed[0].id}/complete`, { leaseToken: claimed[0].leaseToken, result: { sent: true } });
const deadId = claimed[1].id;
await api('POST', `/v1/tasks/${deadId}/fail`, { leaseToken: claimed[1].leaseToken,
  error: 'SMTP 550 mailbox unavailable\n  at Mailer.send(Mailer.java:42)', retryable: false });

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
  page.on('requestfailed', (r) => { if (!r.url().includes('/v1/events')) errors.push('request failed: ' + r.url()); });

  // 1. the overview asks for the token, then shows the queues, the charts and the worker
  await page.goto(base + '/');
  await page.locator('#token').fill(token);
  await page.locator('#login-form button').click();
  const mailRow = page.locator('#queues tr[data-queue="mail"]');
  await mailRow.waitFor();
  await page.locator('#queues tr[data-queue="reports"]').waitFor();
  assert.equal(await page.locator('#login').isVisible(), false, 'the sign-in box is gone once signed in');
  assert.equal(await mailRow.locator('td').nth(6).innerText(), '1', 'one dead task in mail');
  assert.equal(await mailRow.locator('td').nth(5).innerText(), '1', 'one succeeded task in mail');
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

  // 3. the dead-letter view: inspect, then replay the dead task
  await page.locator('[data-nav="dead"]').click();
  const deadRow = page.locator(`#tasks tr[data-id="${deadId}"]`);
  await deadRow.waitFor();
  await shot(page, '3-dead-letters');
  await page.locator(`#tasks a[href="#/task/${deadId}"]`).click();
  await page.locator('#task-id', { hasText: deadId }).waitFor();
  assert.match(await page.locator('#task-error').innerText(), /SMTP 550[\s\S]*Mailer\.java:42/);
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

  // 5. a phone's width: nothing wider than the screen (tables scroll inside their box)
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await mailRow.waitFor();
  assert.equal(await page.locator('#login').isVisible(), false, 'the token outlives a reload of the tab');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, 'page wider than a phone by ' + overflow + ' px');
  await shot(page, '6-phone');

  assert.deepEqual(errors, [], 'no script errors or failed requests');
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
