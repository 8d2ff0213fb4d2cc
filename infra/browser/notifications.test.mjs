// The Partner Center's Notifications settings in headless Chromium against
// the local dev server: the welcome email of a new partner reaches the
// local outbox through the outbox drain, and the partner turns a kind of
// email off with the keyboard alone; axe-core finds no serious or critical
// violation; screenshots at 1280×800 and 390×844, light and dark, go to
// .run/screenshots/.
//
// Environment: see helpers.mjs (PARTNERKIT_DEVSERVER, CHROMIUM_PATH).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SHOTS, VIEWPORTS, expectAccessible, shoot } from './screens.mjs';
import { REPO_ROOT, createPartner, startStack } from './helpers.mjs';


let stack;
let dev;
let api;
let browser;
let nina;

before(async () => {
  stack = await startStack({ prefix: 'partnerkit-notify-' });
  ({ dev, api, browser } = stack);
  fs.mkdirSync(SHOTS, { recursive: true });
  nina = await createPartner(api, 'notify-nina', 'nina@example.com');
});

after(async () => {
  await stack?.stop();
});

// outboxTo polls the local email outbox for mail to address.
async function outboxTo(address, want) {
  let mails = [];
  for (let i = 0; i < 50; i++) {
    const res = await api('GET', '/_local/outbox');
    mails = (res.json?.emails ?? []).filter((m) => m.to.includes(address));
    if (mails.length >= want) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return mails;
}

test('a new partner gets the welcome email with its link, once', async () => {
  const mails = await outboxTo('nina@example.com', 1);
  assert.equal(mails.length, 1, 'no welcome in the outbox');
  assert.match(mails[0].subject, /^Welcome to /);
  assert.ok(mails[0].text.includes(nina.link), `the welcome lacks ${nina.link}`);
  assert.match(mails[0].headers['List-Unsubscribe'] ?? '', /^<http:\/\/127\.0\.0\.1:\d+\/u\/[^>]+>$/);
  // The drain keeps running: nothing is sent twice.
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal((await outboxTo('nina@example.com', 2)).length, 1, 'the welcome was sent twice');
});

test('a partner turns milestone emails off with the keyboard', async () => {
  const context = await browser.newContext({ viewport: VIEWPORTS[1] });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.goto(`${dev.base}/center/#token=${nina.token}`);
    const section = page.getByRole('region', { name: 'Notifications' });
    await section.waitFor();
    const group = section.getByRole('group', { name: 'Email me about' });
    for (const name of ['Welcome', 'First referred signup', 'Payable statements', 'Milestones']) {
      assert.equal(await group.getByRole('checkbox', { name }).isChecked(), true, `${name} starts off`);
    }
    // Descriptions are read with each checkbox.
    const milestones = group.getByRole('checkbox', { name: 'Milestones' });
    assert.match(await milestones.getAttribute('aria-describedby'), /notify-milestones-hint/);

    await milestones.focus();
    await page.keyboard.press('Space');
    assert.equal(await milestones.isChecked(), false);
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.querySelector('partnerkit-center')?.shadowRoot?.activeElement;
      return el ? `${el.tagName}:${el.textContent}` : '';
    });
    assert.equal(focused, 'BUTTON:Save email settings', 'Tab after the last checkbox does not reach Save');
    await page.keyboard.press('Enter');
    await section.getByRole('status').filter({ hasText: 'Email settings saved.' }).waitFor();

    const saved = await api('GET', '/partners/me/notifications', { token: nina.token });
    assert.deepEqual(saved.json, { welcome: true, first_signup: true, statement_payable: true, milestones: false });

    await expectAccessible(page, 'notifications');
    await shoot(page, 'notifications', { element: section });

    // Opened again (the center drops the token from the address), the
    // saved choice is what the page shows.
    await page.goto('about:blank');
    await page.goto(`${dev.base}/center/#token=${nina.token}`);
    await section.waitFor();
    assert.equal(await section.getByRole('checkbox', { name: 'Milestones' }).isChecked(), false);
    assert.equal(await section.getByRole('checkbox', { name: 'Welcome' }).isChecked(), true);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
