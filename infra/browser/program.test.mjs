// The console's Program tab in headless Chromium against the local dev
// server, used as an admin would: by roles and names. It edits the rules,
// previews them on last month's payments, saves a new version, meets
// another admin's save (409) and a refused value (400 next to its field).
// Every screen is checked with axe-core and photographed at 1280×800 and
// 390×844, light and dark, into .run/screenshots/.
//
// Environment: see helpers.mjs (PARTNERKIT_DEVSERVER, CHROMIUM_PATH).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SHOTS, VIEWPORTS, expectAccessible, shoot, assertNoThirdParty, openCenter, gotoTab } from './screens.mjs';
import { REPO_ROOT, createPartner, deliver, localToken, startStack } from './helpers.mjs';


let stack;
let dev;
let api;
let browser;
let admin;
let jane;
let lastMonth;

function previousMonth() {
  const d = new Date();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - 1);
  return d.toISOString().slice(0, 7);
}

before(async () => {
  stack = await startStack({ prefix: 'partnerkit-program-' });
  ({ dev, api, browser } = stack);
  fs.mkdirSync(SHOTS, { recursive: true });
  admin = await localToken(api, { sub: 'program-admin', email: 'ops@example.com', admin: true });
  lastMonth = previousMonth();

  // One referred customer who paid 99.00 USD last month, at today's 25%.
  jane = await createPartner(api, 'program-jane', 'jane@example.com');
  const signup = await deliver(dev.base, '/webhooks/signup', 'customer.created', {
    customer_id: 'cus_program_1', email: 'sam.customer@example.com', referral_code: jane.code, created_at: `${lastMonth}-02T10:00:00Z`,
  });
  assert.equal(signup.json?.partner_id, jane.partner_id, `signup: ${signup.text}`);
  const paid = await deliver(dev.base, '/webhooks/billing', 'payment.succeeded', {
    payment_id: 'pay_program_1', customer_id: 'cus_program_1', amount: 9900, currency: 'USD', paid_at: `${lastMonth}-15T12:00:00Z`,
  });
  assert.equal(paid.status, 200, `payment: ${paid.text}`);
});

after(async () => {
  await stack?.stop();
});

async function openProgram(token) {
  const s = await openCenter(browser, dev.base, token);
  await gotoTab(s.page, 'Program');
  await s.page.getByRole('heading', { name: 'Program settings' }).waitFor();
  return s;
}

async function program() {
  const res = await api('GET', '/program', { token: admin });
  assert.equal(res.status, 200, res.text);
  return res.json;
}

test('an admin edits the rates, previews them on last month and saves a new version', async () => {
  const { context, page, requested, errors } = await openProgram(admin);
  try {
    await page.getByText('Version 1: the defaults from the deployment’s configuration.').waitFor();
    const defaults = page.getByRole('group', { name: 'Default commission' });
    assert.equal(await defaults.getByLabel('Rate (%)').inputValue(), '25');
    await expectAccessible(page, 'program settings');
    await shoot(page, 'admin-program');

    // 30% by default, a plan rule for "pro", and a 50.00 USD bounty.
    await defaults.getByLabel('Rate (%)').fill('30');
    const plans = page.getByRole('group', { name: 'Rates per plan' });
    await plans.getByRole('button', { name: 'Add a plan rule' }).click();
    assert.equal(await page.evaluate(() => document.querySelector('partnerkit-center').shadowRoot.activeElement?.name), 'plan',
      'adding a plan rule did not move focus to its first field');
    await plans.getByLabel('Plan', { exact: true }).fill('Pro');
    await plans.getByLabel('Rate (%)').fill('40');
    await plans.getByLabel('Duration').selectOption('first_payments');
    await plans.getByLabel('Payments').fill('12');
    const bounty = page.getByRole('group', { name: 'Bounty' });
    await bounty.getByRole('button', { name: 'Add a bounty' }).click();
    await bounty.getByLabel('Currency').fill('usd');
    await bounty.getByLabel('Amount').fill('50.00');

    // The dry run: 24.75 recorded against 29.70 + the 50.00 bounty.
    await page.getByRole('button', { name: 'Preview on last month' }).click();
    const byCurrency = page.getByRole('region', { name: /^Preview by currency/ });
    const row = byCurrency.getByRole('row', { name: /USD/ });
    await row.waitFor();
    assert.deepEqual(await row.getByRole('cell').allInnerTexts(), ['USD', '1', '$99.00', '$24.75', '$79.70', '+$54.95']);
    const partnerRow = page.getByRole('region', { name: /^Preview by partner/ }).getByRole('row', { name: new RegExp(jane.code) });
    assert.deepEqual(await partnerRow.getByRole('cell').allInnerTexts(), [jane.code, 'USD', '$24.75', '$79.70', '+$54.95']);
    // It says how it estimated: the payment recorded its place among the
    // customer's payments, so nothing about payment numbers is guessed.
    await page.getByRole('heading', { name: 'How it was estimated' }).waitFor();
    await page.getByText(/^Only payments that earned a commission when they were recorded are compared/).waitFor();
    await page.getByText(/^Hold days and payout minimums change when money is paid/).waitFor();
    assert.equal(await page.getByText(/estimated as one payment a month since signup/).count(), 0);
    await expectAccessible(page, 'program preview');
    await shoot(page, 'admin-program-preview');
    assert.equal((await program()).version, 1, 'the preview saved something');

    // Save: version 2, by this admin, with every edit.
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText(/^Version 2, saved by program-admin on/).waitFor();
    const v2 = await program();
    assert.equal(v2.version, 2);
    assert.equal(v2.updated_by, 'program-admin');
    assert.deepEqual(v2.default, { bps: 3000, duration: { kind: 'every_payment' } });
    assert.deepEqual(v2.plans, { pro: { bps: 4000, duration: { kind: 'first_payments', count: 12 } } });
    assert.deepEqual(v2.bounty, { USD: 5000 });
    // The history lists both versions, newest first.
    const history = page.getByRole('region', { name: 'Versions of the program settings, newest first' });
    const versions = await history.getByRole('row').allInnerTexts();
    assert.match(versions[1], /^Version 2\s+program-admin\s+.+\s+30%, every payment\s+pro: 40%, first 12 payments$/, versions.join('\n'));
    assert.match(versions[2], /^Version 1\s+Configuration\s+—\s+25%, every payment\s+—$/, versions.join('\n'));
    // The form shows what was saved.
    assert.equal(await page.getByRole('group', { name: 'Default commission' }).getByLabel('Rate (%)').inputValue(), '30');
    assert.equal(await page.getByRole('group', { name: 'Bounty' }).getByLabel('Amount').inputValue(), '50.00');
    assert.deepEqual(errors, []);
    assertNoThirdParty(requested, [dev.base]);
  } finally {
    await context.close();
  }
});

test('a save over another admin’s says so and offers to reload', async () => {
  const { context, page, errors } = await openProgram(admin);
  try {
    const before = await program();
    await page.getByText(new RegExp(`^Version ${before.version}, saved by`)).waitFor();
    // Another admin saves meanwhile.
    const other = await localToken(api, { sub: 'program-other', email: 'other@example.com', admin: true });
    const put = await api('PUT', '/program', { token: other, body: { ...before, hold_days: 30 } });
    assert.equal(put.status, 200, put.text);

    await page.getByLabel('Hold (days)').fill('14');
    await page.getByRole('button', { name: 'Save settings' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Someone else changed the settings' });
    await alert.waitFor();
    await alert.getByText(/Your changes are not saved/).waitFor();
    await expectAccessible(page, 'program conflict');
    await shoot(page, 'admin-program-conflict');
    assert.equal((await program()).hold_days, 30, 'the stale save overwrote the other admin’s');

    await alert.getByRole('button', { name: 'Reload the settings' }).click();
    await page.getByText(new RegExp(`^Version ${before.version + 1}, saved by program-other on`)).waitFor();
    assert.equal(await page.getByLabel('Hold (days)').inputValue(), '30');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a refused value is shown next to its field, and nothing is saved', async () => {
  const { context, page, errors } = await openProgram(admin);
  try {
    const before = await program();
    const rate = page.getByRole('group', { name: 'Default commission' }).getByLabel('Rate (%)');

    // Refused by the form itself: not a percentage.
    await rate.fill('a lot');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('group', { name: 'Default commission' }).getByText('Enter a percentage, such as 25 or 12.5').waitFor();

    // Refused by the server, which names the field: over 100%.
    await rate.fill('150');
    await page.getByRole('button', { name: 'Save settings' }).click();
    const fieldError = page.getByRole('group', { name: 'Default commission' }).getByText(/^a rate must be 0 to 10000 basis points \(10000 = 100%\), not 15000\.$/);
    await fieldError.waitFor();
    assert.equal(await rate.getAttribute('aria-invalid'), 'true');
    // The field is described by its error, and has the focus.
    assert.match(await rate.evaluate((el) => el.getAttribute('aria-describedby')), /-err$/);
    assert.equal(await rate.evaluate((el) => el.getRootNode().activeElement === el), true, 'focus is not on the refused field');
    await page.getByRole('alert').filter({ hasText: 'Not saved: default.bps' }).waitFor();
    // The preview refuses it the same way.
    await page.getByRole('button', { name: 'Preview on last month' }).click();
    await page.getByRole('alert').filter({ hasText: 'Not previewed: default.bps' }).waitFor();
    await fieldError.waitFor();
    assert.equal(await page.getByRole('region', { name: /^Preview by currency/ }).count(), 0);

    // A plan's count, named by the server as plans.<key>.duration.count.
    await rate.fill('25');
    const plans = page.getByRole('group', { name: 'Rates per plan' });
    await plans.getByRole('button', { name: 'Add a plan rule' }).click();
    await plans.getByLabel('Plan', { exact: true }).last().fill('team');
    await plans.getByLabel('Rate (%)').last().fill('20');
    await plans.getByLabel('Duration').last().selectOption('months');
    await plans.getByLabel('Months').last().fill('0');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await plans.getByText(/^months needs a count from 1 to 1200, not 0\.$/).waitFor();
    await page.getByRole('alert').filter({ hasText: 'Not saved: plans.team.duration.count: months needs a count' }).waitFor();
    await expectAccessible(page, 'program field error');
    await shoot(page, 'admin-program-error');

    // A malformed plan key: the message sits under that row's key.
    await plans.getByLabel('Months').last().fill('12');
    await plans.getByRole('button', { name: 'Add a plan rule' }).click();
    await plans.getByLabel('Plan', { exact: true }).last().fill('Pro Plan');
    await plans.getByLabel('Rate (%)').last().fill('10');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await plans.getByText(/^a plan key is 1 to 64 lower-case letters/).waitFor();
    await page.getByRole('alert').filter({ hasText: 'Not saved: plans.pro plan: a plan key' }).waitFor();
    assert.equal(await plans.getByLabel('Plan', { exact: true }).last().getAttribute('aria-invalid'), 'true');

    // Removing the rows clears the way; nothing was saved meanwhile.
    await plans.getByRole('button', { name: 'Remove plan Pro Plan' }).click();
    await plans.getByRole('button', { name: 'Remove plan team' }).click();
    assert.equal(await plans.getByRole('listitem').count(), before.plans ? Object.keys(before.plans).length : 0);
    assert.equal((await program()).version, before.version);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('the Program tab works with the keyboard alone, and a partner never sees it', async () => {
  const { context, page } = await openProgram(admin);
  try {
    const focused = () => page.evaluate(() => {
      let el = document.activeElement;
      while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
      return `${el?.tagName.toLowerCase()}:${el?.getAttribute('aria-label') || el?.name || el?.textContent?.trim().slice(0, 40)}`;
    });
    const seen = [];
    for (let i = 0; i < 60 && !seen.includes('button:Save settings'); i++) {
      await page.keyboard.press('Tab');
      seen.push(await focused());
    }
    for (const want of ['input:default-rate', 'select:default-kind', 'button:Add a plan rule', 'input:hold_days', 'button:Save settings']) {
      assert.ok(seen.includes(want), `focus never reached ${want}: ${seen.join(' → ')}`);
    }
    assert.ok(seen.indexOf('input:default-rate') < seen.indexOf('button:Save settings'), seen.join(' → '));
  } finally {
    await context.close();
  }

  const s = await openCenter(browser, dev.base, jane.token);
  try {
    await s.page.getByRole('heading', { name: 'Your referral link' }).waitFor();
    assert.equal(await s.page.getByRole('button', { name: 'Program' }).count(), 0);
  } finally {
    await s.context.close();
  }
  for (const [method, p] of [['GET', '/program'], ['POST', '/program/preview']]) {
    const res = await api(method, p, { token: jane.token, body: method === 'POST' ? { default: { bps: 1, duration: { kind: 'every_payment' } } } : undefined });
    assert.equal(res.status, 403, `${method} ${p}: ${res.text}`);
  }
});

test('amounts follow each currency’s minor unit, rates keep two decimals, and the second tier turns on and off', async () => {
  const { context, page, errors } = await openProgram(admin);
  try {
    const before = await program();
    await page.getByRole('group', { name: 'Default commission' }).getByLabel('Rate (%)').fill('12.5');
    const bounty = page.getByRole('group', { name: 'Bounty' });
    await bounty.getByRole('button', { name: 'Add a bounty' }).click();
    await bounty.getByLabel('Currency').last().fill('JPY');
    await bounty.getByLabel('Amount').last().fill('500.5');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await bounty.getByText('JPY amounts have no decimals.').waitFor();
    await bounty.getByLabel('Amount').last().fill('500');

    const cap = page.getByRole('group', { name: 'Cap' });
    await cap.getByRole('button', { name: 'Add a cap' }).click();
    await cap.getByLabel('Currency').fill('KWD');
    await cap.getByLabel('Amount').fill('1.25');
    const tier = page.getByRole('group', { name: 'Second tier' });
    assert.equal(await tier.getByLabel('Override rate (%)').isVisible(), false, 'the rate shows while the second tier is off');
    await tier.getByLabel('Pay a second tier').check();
    await tier.getByLabel('Override rate (%)').fill('10');
    const payouts = page.getByRole('group', { name: 'Payout minimum', exact: true });
    await payouts.getByRole('button', { name: 'Add a payout minimum' }).click();
    await payouts.getByLabel('Currency').fill('eur');
    await payouts.getByLabel('Amount').fill('20');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText(new RegExp(`^Version ${before.version + 1}, saved by program-admin`)).waitFor();

    const saved = await program();
    assert.equal(saved.default.bps, 1250);
    assert.equal(saved.bounty.JPY, 500);
    assert.equal(saved.cap.KWD, 1250);
    assert.deepEqual(saved.second_tier, { bps: 1000 });
    assert.equal(saved.min_payout.EUR, 2000);
    // Shown back as they were meant.
    assert.equal(await page.getByRole('group', { name: 'Default commission' }).getByLabel('Rate (%)').inputValue(), '12.5');
    assert.equal(await page.getByRole('group', { name: 'Cap' }).getByLabel('Amount').inputValue(), '1.250');
    assert.equal(await page.getByRole('group', { name: 'Payout minimum', exact: true }).getByLabel('Amount').inputValue(), '20.00');

    // The second tier off again: the saved document has none.
    await page.getByRole('group', { name: 'Second tier' }).getByLabel('Pay a second tier').uncheck();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText(new RegExp(`^Version ${before.version + 2}, saved by`)).waitFor();
    assert.equal((await program()).second_tier, undefined);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
