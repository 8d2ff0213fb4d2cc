// The console's Webhooks tab in headless Chromium against the local dev
// server, used as an admin would: by roles and names. It adds an endpoint
// pointing at a receiver on this machine, sees its signing secret once,
// sends a test event and finds it in the delivery log, redelivers a real
// event, rotates the secret, disables and deletes the endpoint, and meets
// the server's refusals next to the field at fault. Every screen is
// checked with axe-core and photographed at 1280×800 and 390×844, light
// and dark, into .run/screenshots/.
//
// Environment: see helpers.mjs (PARTNERKIT_DEVSERVER, CHROMIUM_PATH).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SHOTS, VIEWPORTS, expectAccessible, shoot, assertNoThirdParty, openCenter, gotoTab } from './screens.mjs';
import { REPO_ROOT, createPartner, localToken, signWebhook, startHttpServer, startStack, stopHttpServer } from './helpers.mjs';


let stack;
let dev;
let api;
let browser;
let admin;
let receiver;
// What the receiver was sent: { id, timestamp, signature, body }.
const received = [];

before(async () => {
  stack = await startStack({ prefix: 'partnerkit-webhooks-' });
  ({ dev, api, browser } = stack);
  fs.mkdirSync(SHOTS, { recursive: true });
  admin = await localToken(api, { sub: 'hooks-admin', email: 'ops@example.com', admin: true });
  receiver = await startHttpServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      if (req.url.startsWith('/broken')) {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end('down for maintenance');
        return;
      }
      received.push({ id: req.headers['webhook-id'], timestamp: req.headers['webhook-timestamp'], signature: req.headers['webhook-signature'] || '', body });
      res.writeHead(204);
      res.end();
    });
  });
});

after(async () => {
  await stopHttpServer(receiver);
  await stack?.stop();
});

async function openWebhooks(token) {
  const s = await openCenter(browser, dev.base, token);
  await gotoTab(s.page, 'Webhooks');
  await s.page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
  return s;
}

// signedWith reports whether a delivery carries a signature made with secret.
function signedWith(r, secret) {
  return r.signature.split(' ').includes(signWebhook(secret, r.id, r.timestamp, r.body));
}

async function endpoints() {
  const res = await api('GET', '/webhook-endpoints', { token: admin });
  assert.equal(res.status, 200, res.text);
  return res.json.endpoints;
}

async function until(what, fn) {
  for (let i = 0; i < 100; i++) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('an admin adds an endpoint, sees its secret once, tests, redelivers, rotates, disables and deletes it', async () => {
  const { context, page, requested, errors } = await openWebhooks(admin);
  try {
    await page.getByText('No endpoints yet.').waitFor();
    // With no endpoint, the form is open.
    const url = page.getByLabel('Endpoint URL');
    await url.waitFor();
    await expectAccessible(page, 'webhooks empty');
    await shoot(page, 'admin-webhooks-empty');

    const target = `${receiver.base}/partnerkit`;
    await url.fill(target);
    await page.getByRole('checkbox', { name: /partner\.enrolled/ }).check();
    await page.getByRole('checkbox', { name: /commission\.created/ }).check();
    await page.getByLabel('Description (optional)').fill('CRM sync');
    await page.getByRole('button', { name: 'Add endpoint' }).click();

    // The secret, once, in a read-only field that has focus's heading above it.
    const secretField = page.getByLabel('Signing secret', { exact: true });
    await secretField.waitFor();
    const secret = await secretField.inputValue();
    assert.match(secret, /^whsec_[A-Za-z0-9+/=]+$/);
    assert.equal(await secretField.getAttribute('readonly'), '');
    await page.getByText('Shown once.').waitFor();
    assert.equal(await page.evaluate(() => document.querySelector('partnerkit-center').shadowRoot.activeElement?.textContent), `Signing secret of ${target}`);
    // The form is emptied for the next one.
    assert.equal(await url.inputValue(), '');

    const [ep] = await endpoints();
    assert.equal(ep.url, target);
    assert.deepEqual(ep.events, ['partner.enrolled', 'commission.created']);
    assert.equal(ep.description, 'CRM sync');
    assert.equal(ep.secret, undefined, 'the list answered a secret');

    const card = page.getByRole('article', { name: target });
    await card.getByText('Enabled', { exact: true }).first().waitFor();
    await card.getByText('No deliveries yet.').waitFor();
    await expectAccessible(page, 'webhooks added');
    await shoot(page, 'admin-webhooks-added');

    // A test event reaches the receiver, signed with the secret shown.
    await card.getByRole('button', { name: 'Send test event' }).click();
    await card.getByText(/^Test event delivered: HTTP 204 in [\d,]+ ms\.$/).waitFor();
    assert.equal(received.length, 1);
    assert.equal(JSON.parse(received[0].body).type, 'webhook.test');
    assert.ok(signedWith(received[0], secret), 'the test event is not signed with the secret shown');
    const log = card.getByRole('region', { name: `Delivery log of ${target}` });
    const testRow = log.getByRole('row', { name: /webhook\.test/ });
    await testRow.waitFor();
    const cells = await testRow.getByRole('cell').allInnerTexts();
    assert.equal(cells[0].split('\n')[1], received[0].id);
    assert.deepEqual([cells[1], cells[2], cells[3]], ['Delivered', '1', '204']);
    assert.match(cells[4], /^[\d,]+ ms$/);
    assert.notEqual(cells[5], '—', 'no last attempt shown');
    assert.deepEqual([cells[6], cells[7]], ['—', 'Test event']);

    // A real event: a partner enrolls; the outbox sends it; it is redelivered by hand.
    await createPartner(api, 'hooks-jane', 'jane@example.com');
    await until('partner.enrolled delivered', () => received.find((r) => JSON.parse(r.body).type === 'partner.enrolled'));
    const enrolled = received.find((r) => JSON.parse(r.body).type === 'partner.enrolled');
    await gotoTab(page, 'Partners');
    await gotoTab(page, 'Webhooks');
    const row = log.getByRole('row', { name: /partner\.enrolled/ });
    await row.waitFor();
    assert.equal((await row.getByRole('cell').nth(1).innerText()), 'Delivered');
    // Leaving and coming back, the secret is not shown again.
    assert.equal(await page.getByLabel('Signing secret', { exact: true }).count(), 0);
    assert.ok(!(await page.evaluate(() => document.querySelector('partnerkit-center').shadowRoot.textContent)).includes(secret));
    await expectAccessible(page, 'webhooks delivery log');
    await shoot(page, 'admin-webhooks-log');

    const before = received.length;
    await row.getByRole('button', { name: `Redeliver partner.enrolled ${enrolled.id}` }).click();
    await card.getByText(`partner.enrolled ${enrolled.id} is queued to be sent again.`).waitFor();
    await until('the redelivery', () => received.length > before);
    assert.equal(received.at(-1).id, enrolled.id, 'a redelivery keeps the webhook-id');
    // The log showed it pending; read again, it is delivered.
    await until('the redelivery logged', async () => {
      await gotoTab(page, 'Partners');
      await gotoTab(page, 'Webhooks');
      await row.waitFor();
      return (await row.getByRole('cell').nth(1).innerText()) === 'Delivered';
    });

    // Rotate: a new secret, shown once, that signs what follows.
    await card.getByRole('button', { name: 'Rotate secret' }).click();
    const rotated = card.getByLabel('Signing secret', { exact: true });
    await rotated.waitFor();
    const secret2 = await rotated.inputValue();
    assert.match(secret2, /^whsec_/);
    assert.notEqual(secret2, secret);
    await card.getByText(/^The previous secret keeps signing beside it until/).waitFor();
    await expectAccessible(page, 'webhooks rotated');
    await shoot(page, 'admin-webhooks-rotated');
    await card.getByRole('button', { name: 'Done: I have saved it' }).click();
    assert.equal(await card.getByLabel('Signing secret', { exact: true }).count(), 0);
    assert.equal(await page.evaluate(() => document.querySelector('partnerkit-center').shadowRoot.activeElement?.textContent), 'Rotate secret');
    await card.getByRole('button', { name: 'Send test event' }).click();
    await card.getByText(/^Test event delivered/).waitFor();
    assert.ok(signedWith(received.at(-1), secret2), 'the test event after rotating is not signed with the new secret');

    // Disable: says who did it, and focus stays on the button, now Enable.
    await card.getByRole('button', { name: 'Disable' }).click();
    await card.getByText('Disabled by an admin').waitFor();
    assert.equal(await page.evaluate(() => document.querySelector('partnerkit-center').shadowRoot.activeElement?.textContent), 'Enable');
    const [off] = await endpoints();
    assert.equal(off.status, 'disabled');
    assert.equal(off.disabled_reason, 'admin');
    await expectAccessible(page, 'webhooks disabled');
    await shoot(page, 'admin-webhooks-disabled');

    // Delete asks first; Cancel keeps it.
    await card.getByRole('button', { name: 'Delete', exact: true }).click();
    const confirm = card.getByRole('group', { name: /Delete this endpoint\?/ });
    await confirm.waitFor();
    await expectAccessible(page, 'webhooks delete confirmation');
    await shoot(page, 'admin-webhooks-delete');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await endpoints()).length, 1);
    await card.getByRole('button', { name: 'Delete', exact: true }).click();
    await confirm.getByRole('button', { name: 'Delete endpoint' }).click();
    await page.getByText('No endpoints yet.').waitFor();
    assert.deepEqual(await endpoints(), []);
    assert.deepEqual(errors, []);
    assertNoThirdParty(requested, [dev.base]);
  } finally {
    await context.close();
  }
});

test('the server’s refusals show next to the field at fault', async () => {
  const { context, page, errors } = await openWebhooks(admin);
  try {
    const url = page.getByLabel('Endpoint URL');
    await url.waitFor();
    const bad = 'http://example.com/partnerkit';
    const direct = await api('POST', '/webhook-endpoints', { token: admin, body: { url: bad, events: ['payout.paid'] } });
    assert.equal(direct.status, 400, direct.text);

    await url.fill(bad);
    await page.getByRole('checkbox', { name: /payout\.paid/ }).check();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const urlError = page.locator('#wh-url-err');
    await urlError.getByText(direct.json.error.message, { exact: true }).waitFor();
    assert.equal(await url.getAttribute('aria-invalid'), 'true');
    // The message is read with the field, and the field has focus.
    assert.match(await url.getAttribute('aria-describedby'), /\bwh-url-err\b/);
    assert.equal(await page.evaluate(() => document.querySelector('partnerkit-center').shadowRoot.activeElement?.id), 'wh-url');
    await expectAccessible(page, 'webhooks bad url');
    await shoot(page, 'admin-webhooks-bad-url');

    // No event type chosen: the server's message, by the events.
    await url.fill(`${receiver.base}/partnerkit`);
    await page.getByRole('checkbox', { name: /payout\.paid/ }).uncheck();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.locator('#wh-events-err').getByText('events must name at least one event type.', { exact: true }).waitFor();
    assert.equal(await urlError.isHidden(), true, 'the URL error stayed after the URL was fixed');
    assert.deepEqual(await endpoints(), []);

    // At the most endpoints a program may have, the 409 is an alert by the form.
    for (let i = 0; i < 50; i++) {
      const r = await api('POST', '/webhook-endpoints', { token: admin, body: { url: `${receiver.base}/full/${i}`, events: ['payout.paid'] } });
      assert.equal(r.status, 201, r.text);
    }
    await page.getByRole('checkbox', { name: /payout\.paid/ }).check();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'There are already 50 endpoints, the most a program may have.' });
    await alert.waitFor();
    assert.equal(await page.evaluate(() => document.querySelector('partnerkit-center').shadowRoot.activeElement?.getAttribute('role')), 'alert');
    await expectAccessible(page, 'webhooks full');
    for (const ep of await endpoints()) {
      const r = await api('DELETE', `/webhook-endpoints/${ep.endpoint_id}`, { token: admin });
      assert.equal(r.status, 204, r.text);
    }
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a test event the endpoint refuses says so, and the log shows it failed', async () => {
  const target = `${receiver.base}/broken`;
  const made = await api('POST', '/webhook-endpoints', { token: admin, body: { url: target, events: ['payout.paid'] } });
  assert.equal(made.status, 201, made.text);
  const { context, page, errors } = await openWebhooks(admin);
  try {
    const card = page.getByRole('article', { name: target });
    await card.getByRole('button', { name: 'Send test event' }).click();
    await card.getByText(/^Test event not delivered: HTTP 500 in [\d,]+ ms\.$/).waitFor();
    const row = card.getByRole('region', { name: `Delivery log of ${target}` }).getByRole('row', { name: /webhook\.test/ });
    await row.waitFor();
    const cells = await row.getByRole('cell').allInnerTexts();
    assert.deepEqual([cells[1], cells[2], cells[3].split('\n')[0]], ['Failed', '1', '500']);
    await expectAccessible(page, 'webhooks failed test');
    await shoot(page, 'admin-webhooks-failed-test');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    const r = await api('DELETE', `/webhook-endpoints/${made.json.endpoint_id}`, { token: admin });
    assert.equal(r.status, 204, r.text);
  }
});

// active is the text of the focused element in the center.
function active(page) {
  return page.evaluate(() => document.querySelector('partnerkit-center').shadowRoot.activeElement?.textContent ?? '');
}

// tabTo presses Tab until the element with text has focus.
async function tabTo(page, text) {
  for (let i = 0; i < 60; i++) {
    if ((await active(page)) === text) return;
    await page.keyboard.press('Tab');
  }
  assert.fail(`Tab never reached “${text}”`);
}

test('the Webhooks tab works with the keyboard alone', async () => {
  const { context, page, errors } = await openWebhooks(admin);
  try {
    await page.getByText('No endpoints yet.').waitFor();
    const target = `${receiver.base}/keyboard`;
    await tabTo(page, 'Add an endpoint');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.querySelector('partnerkit-center').shadowRoot.activeElement?.id), 'wh-url');
    await page.keyboard.type(target);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Space'); // partner.enrolled
    await page.keyboard.press('Enter'); // submits the form
    await page.getByLabel('Signing secret', { exact: true }).waitFor();
    assert.equal(await active(page), `Signing secret of ${target}`);
    await tabTo(page, 'Copy secret');
    await page.keyboard.press('Enter');
    await page.getByText('Copied', { exact: true }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), await page.getByLabel('Signing secret', { exact: true }).inputValue());
    await tabTo(page, 'Done: I have saved it');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.querySelector('partnerkit-center').shadowRoot.activeElement?.id), 'wh-url');

    const card = page.getByRole('article', { name: target });
    await card.waitFor();
    await tabTo(page, 'Send test event');
    await page.keyboard.press('Enter');
    await card.getByText(/^Test event delivered/).waitFor();
    await card.getByRole('row', { name: /webhook\.test/ }).waitFor();

    // Delete: focus goes to Cancel first; the confirm is one Shift+Tab back.
    await tabTo(page, 'Delete');
    await page.keyboard.press('Enter');
    assert.equal(await active(page), 'Cancel');
    await page.keyboard.press('Shift+Tab');
    assert.equal(await active(page), 'Delete endpoint');
    await page.keyboard.press('Enter');
    await page.getByText('No endpoints yet.').waitFor();
    assert.equal(await active(page), 'Endpoints');
    assert.deepEqual(await endpoints(), []);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a partner who is not an admin has no Webhooks tab and the API says no', async () => {
  const jane = await localToken(api, { sub: 'hooks-nonadmin', email: 'nobody@example.com' });
  const res = await api('GET', '/webhook-endpoints', { token: jane });
  assert.equal(res.status, 403, res.text);
  const context = await browser.newContext({ viewport: VIEWPORTS[0] });
  try {
    const page = await context.newPage();
    await page.goto(`${dev.base}/center/#token=${jane}`);
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    assert.equal(await page.getByRole('button', { name: 'Webhooks' }).count(), 0);
  } finally {
    await context.close();
  }
});
