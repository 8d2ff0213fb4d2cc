// The Partner Center and admin console in headless Chromium against the
// local dev server, used as a person would: by roles and names, with the
// keyboard, on the stand-alone page and embedded in another origin's page.
// Every screen is checked with axe-core (no serious or critical violation)
// and photographed at 1280×800 and 390×844, light and dark, into
// .run/screenshots/ for review.
//
// Environment: see helpers.mjs (PARTNERKIT_DEVSERVER, CHROMIUM_PATH).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SHOTS, VIEWPORTS, expectAccessible, shoot, assertNoThirdParty, openCenter } from './screens.mjs';
import {
  REPO_ROOT, createPartner, deliver, escapeHtml, freePort, localToken, startHttpServer, startStack, stopHttpServer,
} from './helpers.mjs';


let stack; // see startStack
let dev;
let api;
let browser;
let host; // the SaaS's own page that embeds the center, on another origin
let jane; // a partner with a click, a signup, a payment and a statement
let admin;
let lastMonth;

function previousMonth() {
  const d = new Date();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - 1);
  return d.toISOString().slice(0, 7);
}

// The SaaS's app page: it loads embed.js from the API's origin and hands
// the signed-in user's JWT to the element.
function hostHandler(req, res) {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (url.pathname !== '/app') {
    res.writeHead(404).end();
    return;
  }
  const token = url.searchParams.get('token') ?? '';
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Example SaaS: partners</title>
<script type="module" src="${escapeHtml(dev.base)}/center/embed.js"></script></head>
<body><header><p>Example SaaS</p></header><main><h1>Refer and earn</h1>
<partnerkit-center token="${escapeHtml(token)}"></partnerkit-center></main></body></html>`);
}

before(async () => {
  const hostPort = await freePort();
  const hostOrigin = `http://127.0.0.1:${hostPort}`;
  stack = await startStack({ prefix: 'partnerkit-center-', extraEnv: { ALLOWED_ORIGINS: hostOrigin } });
  ({ dev, api, browser } = stack);
  // The host page is served from the origin allowed above.
  host = await startHttpServer(hostHandler, hostPort);
  fs.mkdirSync(SHOTS, { recursive: true });

  jane = await createPartner(api, 'center-jane', 'jane@example.com');
  admin = await localToken(api, { sub: 'center-admin', email: 'ops@example.com', admin: true });
  lastMonth = previousMonth();

  // A click through the link, a signup through it, a payment last month,
  // and the month closed: every section has something to show.
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(jane.link);
  const vid = new URL(page.url()).searchParams.get('pk_vid');
  await context.close();
  assert.ok(vid, 'the referral link gave no pk_vid');
  const signup = await deliver(dev.base, '/webhooks/signup', 'customer.created', {
    customer_id: 'cus_center_1', email: 'sam.customer@example.com', visitor_id: vid, created_at: new Date().toISOString(),
  });
  assert.equal(signup.json?.partner_id, jane.partner_id, `signup: ${signup.text}`);
  const paid = await deliver(dev.base, '/webhooks/billing', 'payment.succeeded', {
    payment_id: 'pay_center_1', customer_id: 'cus_center_1', amount: 9900, currency: 'USD', paid_at: `${lastMonth}-15T12:00:00Z`,
  });
  assert.equal(paid.status, 200, `payment: ${paid.text}`);
  const closed = await api('POST', '/_local/invoke/AccrualFunction', { body: { period: lastMonth } });
  assert.equal(closed.status, 200, `close ${lastMonth}: ${closed.text}`);
  assert.equal(closed.json?.statements, 1, `close ${lastMonth}: ${closed.text}`);
});

after(async () => {
  await stopHttpServer(host);
  await stack?.stop();
});

// open starts a page on the center with token and waits for its first
// screen; colorScheme and viewport are the browser's.
function open(token, opts) {
  return openCenter(browser, dev.base, token, opts);
}

test('a partner sees the link, copies it, invites friends and reads last month’s statement', async () => {
  const { context, page, requested, errors } = await open(jane.token);
  try {
    await page.getByRole('heading', { name: 'Your referral link' }).waitFor();
    assert.equal(new URL(page.url()).hash, '', 'the token stayed in the address bar');
    await page.getByText(jane.link, { exact: true }).waitFor();

    await page.getByRole('button', { name: /Copy/ }).click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), jane.link);
    await page.getByText('Copied', { exact: true }).waitFor();

    // The numbers and the chart show the click and the signup.
    const stat = (label) => page.locator('.stat', { hasText: label }).locator('dd');
    assert.equal(await stat('Clicks').innerText(), '1');
    assert.equal(await stat('Signups').innerText(), '1');
    await page.getByRole('img', { name: /1 click and 1 signup in all/ }).waitFor();

    // Referred customers, masked.
    const customers = page.getByRole('region', { name: 'Referred customers' });
    await customers.getByText('s***@example.com').waitFor();
    assert.ok(!(await page.content()).includes('sam.customer@example.com'), 'a customer email was shown in full');

    // Last month's statement (the month field starts there).
    await page.getByRole('region', { name: new RegExp(`^Statements for`) }).waitFor();
    const statement = await page.getByRole('region', { name: /^Statements for/ }).innerText();
    assert.match(statement, /\$24\.75/);
    assert.match(statement, /Payable/);
    const lines = page.getByRole('region', { name: /^Commission lines for/ });
    await lines.getByText('pay_center_1').waitFor();
    // Each line says which rule made it.
    await lines.getByText('25% of 99.00 USD, rule v1').waitFor();
    await expectAccessible(page, 'partner dashboard');
    await shoot(page, 'partner');

    // Two invites; each address gets its status.
    await page.getByLabel('Email addresses').fill('amy@example.com, bo@example.com');
    await page.getByLabel('Message (optional)').fill('You will like it.');
    await page.getByRole('button', { name: 'Send invites' }).click();
    const results = page.getByRole('list', { name: 'Invite results' });
    await results.getByText('bo@example.com').waitFor();
    assert.equal(await results.getByText('Invite sent').count(), 2);
    await expectAccessible(page, 'invite results');
    assert.deepEqual(errors, []);
    assertNoThirdParty(requested, [dev.base]);
  } finally {
    await context.close();
  }
});

test('the partner flow works with the keyboard alone', async () => {
  const { context, page } = await open(jane.token);
  try {
    await page.getByRole('heading', { name: 'Your referral link' }).waitFor();
    // Tab from the top of the page to the copy button, then to the invite form.
    const focused = () => page.evaluate(() => {
      let el = document.activeElement;
      while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
      return `${el?.tagName.toLowerCase()}:${el?.getAttribute('aria-label') || el?.id || el?.textContent?.trim().slice(0, 40)}`;
    });
    const seen = [];
    for (let i = 0; i < 12 && !seen.includes('button:Send invites'); i++) {
      await page.keyboard.press('Tab');
      seen.push(await focused());
    }
    assert.ok(seen.includes('button:Copy link'), `focus order: ${seen.join(' → ')}`);
    assert.ok(seen.indexOf('textarea:inv-emails') > seen.indexOf('button:Copy link'), `focus order: ${seen.join(' → ')}`);
    assert.ok(seen.includes('button:Send invites'), `focus order: ${seen.join(' → ')}`);

    // Fill and send the invite form from the keyboard.
    while ((await focused()) !== 'textarea:inv-emails') await page.keyboard.press('Shift+Tab');
    await page.keyboard.type('kb@example.com');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'button:Send invites');
    await page.keyboard.press('Enter');
    await page.getByRole('list', { name: 'Invite results' }).getByText('kb@example.com').waitFor();
  } finally {
    await context.close();
  }
});

test('a user who is not a partner joins with one click; no token or an expired one asks to sign in', async () => {
  const token = await localToken(api, { sub: 'center-newbie', email: 'newbie@example.com' });
  const { context, page } = await open(token);
  try {
    await page.getByRole('button', { name: 'Become a partner' }).waitFor();
    await expectAccessible(page, 'join');
    await shoot(page, 'join');
    await page.getByRole('button', { name: 'Become a partner' }).click();
    await page.getByRole('heading', { name: 'Your referral link' }).waitFor();
    await page.getByText(/\/r\/[a-z0-9-]+$/).first().waitFor();
  } finally {
    await context.close();
  }

  for (const [name, t] of [['none', ''], ['expired', await localToken(api, { sub: 'center-old', email: 'old@example.com', exp: 1 })]]) {
    const s = await open(t);
    try {
      await s.page.getByRole('heading', { name: 'Sign in to see your Partner Center' }).waitFor();
      await expectAccessible(s.page, `signed out (${name})`);
      if (name === 'none') await shoot(s.page, 'signed-out');
    } finally {
      await s.context.close();
    }
  }
});

test('a partner token never shows the console', async () => {
  const { context, page } = await open(jane.token);
  try {
    await page.getByRole('heading', { name: 'Your referral link' }).waitFor();
    assert.equal(await page.getByRole('navigation').count(), 0, 'a partner sees admin navigation');
    assert.equal(await page.getByRole('button', { name: 'Payouts' }).count(), 0);
  } finally {
    await context.close();
  }
  const res = await api('GET', '/payouts?period=' + lastMonth, { token: jane.token });
  assert.equal(res.status, 403);
});

test('an admin finds a partner, suspends them, pays a statement and overrides an attribution', async () => {
  const bob = await createPartner(api, 'center-bob', 'bob@example.com');
  const { context, page, requested, errors } = await open(admin);
  try {
    const nav = page.getByRole('navigation', { name: 'Partner Center sections' });
    await nav.waitFor();

    // Partners: search by code prefix, open, suspend, reactivate.
    await nav.getByRole('button', { name: 'Partners' }).click();
    await page.getByRole('heading', { name: 'Partners' }).waitFor();
    await expectAccessible(page, 'partners list');
    await shoot(page, 'admin-partners');
    await page.getByLabel('Search partners').fill(jane.code.slice(0, 4));
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('button', { name: `Open partner ${jane.code}` }).click();
    await page.getByRole('heading', { name: `Partner ${jane.code}` }).waitFor();
    await page.getByRole('button', { name: 'Suspend partner' }).click();
    await page.getByRole('button', { name: 'Reactivate partner' }).waitFor();
    await page.getByText('Suspended', { exact: true }).waitFor();
    await expectAccessible(page, 'partner page (admin)');
    await shoot(page, 'admin-partner');
    assert.equal((await api('GET', `/partners/${jane.partner_id}`, { token: admin })).json.status, 'suspended');
    await page.getByRole('button', { name: 'Reactivate partner' }).click();
    await page.getByRole('button', { name: 'Suspend partner' }).waitFor();

    // Payouts: the CSV, then mark the statement paid.
    await nav.getByRole('button', { name: 'Payouts' }).click();
    await page.getByRole('heading', { name: 'Payouts' }).waitFor();
    const table = page.getByRole('region', { name: /^Statements for/ });
    await table.getByText('jane@example.com').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    const csv = fs.readFileSync(await download.path(), 'utf8');
    assert.match(csv, /^statement_id,partner_id,email,currency,total,status\n/);
    assert.match(csv, new RegExp(`,${jane.partner_id},jane@example.com,USD,2475,payable\\n`));
    await expectAccessible(page, 'payouts');
    await shoot(page, 'admin-payouts');
    await table.getByRole('button', { name: /^Mark paid: jane@example.com/ }).click();
    await table.getByLabel('Payment reference').fill('WIRE-2026-001');
    await table.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('region', { name: /^Statements for/ }).getByText('WIRE-2026-001').waitFor();
    await page.getByRole('region', { name: /^Statements for/ }).getByText('Paid', { exact: true }).waitFor();

    // Attribution: look up, override to bob with a note, see the evidence.
    await nav.getByRole('button', { name: 'Attribution' }).click();
    await page.getByLabel('Customer id').fill('cus_center_1');
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.getByRole('heading', { name: 'Customer cus_center_1' }).waitFor();
    await page.getByLabel('Partner id').fill(bob.partner_id);
    await page.getByLabel('Note').fill('Bob closed the deal by phone.');
    await page.getByRole('button', { name: 'Credit this customer' }).click();
    const evidence = page.getByRole('region', { name: 'Evidence' });
    await evidence.getByText('Overridden').waitFor();
    await evidence.getByText('Set by an admin').waitFor();
    await evidence.getByText(/Bob closed the deal by phone\./).waitFor();
    await expectAccessible(page, 'attribution');
    await shoot(page, 'admin-attribution');
    const a = await api('GET', '/customers/cus_center_1/attribution', { token: admin });
    assert.equal(a.json.partner_id, bob.partner_id, a.text);
    assert.equal(a.json.source, 'manual', a.text);
    assert.deepEqual(errors, []);
    assertNoThirdParty(requested, [dev.base]);
  } finally {
    await context.close();
  }
});

test('embedded in the SaaS’s own page on another origin, with the user’s token', async () => {
  const url = `${host.base}/app?token=${encodeURIComponent(jane.token)}`;
  const { context, page, requested, errors } = await open(null, { url });
  try {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: host.base });
    await page.getByRole('heading', { name: 'Your referral link' }).waitFor();
    await page.getByText(jane.link, { exact: true }).waitFor();
    await page.getByRole('button', { name: /Copy/ }).click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), jane.link);
    const stat = (label) => page.locator('.stat', { hasText: label }).locator('dd');
    assert.equal(await stat('Clicks').innerText(), '1');
    await page.getByRole('list', { name: 'Invite results' }).waitFor({ state: 'attached' });
    await expectAccessible(page, 'embedded');
    await shoot(page, 'embedded');
    assert.deepEqual(errors, []);
    assertNoThirdParty(requested, [dev.base, host.base]);
  } finally {
    await context.close();
  }
});

test('promo links: created in the center, followed in Chromium with their sub-id, repeat clicks one unique click, numbers per link', async () => {
  const kim = await createPartner(api, 'center-kim', 'kim@example.com');
  const url = `${dev.base}/r/${kim.code}/spring`;
  let s = await open(kim.token);
  try {
    const { page } = s;
    await page.getByRole('heading', { name: 'Your referral link' }).waitFor();
    await page.getByText('No promo links yet.').waitFor();
    await page.getByText('Create a promo link').click();
    await page.getByLabel('Name', { exact: true }).fill('Spring newsletter');
    await page.getByLabel('Target page (optional)').fill('/pricing');
    await page.getByLabel('Sub-id (optional)').fill('nl-spring');
    await page.getByLabel('Slug (optional)').fill('spring');
    await page.getByRole('button', { name: 'Create link' }).click();
    await page.getByText(url, { exact: true }).waitFor();

    // The same slug again is refused in words, next to the form.
    await page.getByText('Create a promo link').click();
    await page.getByLabel('Name', { exact: true }).fill('Again');
    await page.getByLabel('Slug (optional)').fill('spring');
    await page.getByRole('button', { name: 'Create link' }).click();
    await page.getByRole('alert').getByText(/already have a link with the slug "spring"/).waitFor();
    await expectAccessible(page, 'promo link form with an error');
    await shoot(page, 'links-form');
  } finally {
    await s.context.close();
  }

  // A visitor follows the link with its campaign parameters, then twice
  // more within the hour.
  const visitor = await browser.newContext();
  const vp = await visitor.newPage();
  await vp.goto(`${url}?utm_source=newsletter&utm_medium=email`);
  const landed = new URL(vp.url());
  assert.equal(landed.pathname, '/pricing', vp.url());
  assert.equal(landed.searchParams.get('utm_source'), 'newsletter', vp.url());
  assert.equal(landed.searchParams.get('utm_medium'), 'email', vp.url());
  assert.equal(landed.searchParams.get('sid'), 'nl-spring', vp.url());
  const vid = landed.searchParams.get('pk_vid');
  assert.ok(vid, vp.url());
  for (let i = 0; i < 2; i++) {
    await vp.goto(url);
    assert.equal(new URL(vp.url()).searchParams.get('pk_vid'), vid, 'a returning visitor got another visitor id');
  }
  await visitor.close();
  const signup = await deliver(dev.base, '/webhooks/signup', 'customer.created', {
    customer_id: 'cus_center_kim', email: 'pat.customer@example.com', visitor_id: vid, created_at: new Date().toISOString(),
  });
  assert.equal(signup.json?.partner_id, kim.partner_id, signup.text);

  const list = await api('GET', '/partners/me/links', { token: kim.token });
  const spring = list.json.links.find((l) => l.slug === 'spring');
  assert.equal(spring.stats.clicks, 3, list.text);
  assert.equal(spring.stats.unique_clicks, 1, list.text);
  assert.equal(spring.stats.signups, 1, list.text);
  assert.equal(list.json.sub_ids[0]?.sid, 'nl-spring', list.text);
  const evidence = await api('GET', '/customers/cus_center_kim/attribution', { token: admin });
  assert.equal(evidence.json.link_id, spring.link_id, evidence.text);
  assert.equal(evidence.json.sid, 'nl-spring', evidence.text);

  s = await open(kim.token);
  try {
    const { page, requested, errors } = s;
    const links = page.getByRole('region', { name: 'Promo links and their numbers over the last 30 days' });
    const row = links.getByRole('row', { name: /Spring newsletter/ });
    await row.waitFor();
    const cells = await row.getByRole('cell').allInnerTexts();
    assert.deepEqual(cells.slice(1, 6), ['3', '1', '1', '100%', '0'], `row: ${cells.join(' | ')}`);
    await links.getByRole('button', { name: 'Copy link: Spring newsletter' }).click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), url);
    await links.getByRole('button', { name: '30-day chart: Spring newsletter' }).click();
    await page.getByRole('img', { name: /Spring newsletter: daily clicks and signups .*3 clicks and 1 signup in all/ }).waitFor({ timeout: 5000 }).catch(async (err) => {
      throw new Error(`${err.message}\n${await page.locator('.linkchart').innerText()}`);
    });
    await page.getByRole('region', { name: 'Top sub-ids over the last 30 days' }).getByText('nl-spring').waitFor();
    await expectAccessible(page, 'promo links');
    await shoot(page, 'links');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV (last 30 days)' }).click()]);
    const csv = fs.readFileSync(await download.path(), 'utf8');
    assert.match(csv, /^date,link_id,name,url,sid,archived,clicks,unique_clicks,signups,customers\n/);
    const today = new Date().toISOString().slice(0, 10);
    assert.match(csv, new RegExp(`\\n${today},${spring.link_id},Spring newsletter,${url},nl-spring,false,3,1,1,0\\n`));

    // Archive it, then restore it.
    await links.getByRole('button', { name: 'Archive link: Spring newsletter' }).click();
    await page.getByRole('region', { name: 'Promo links and their numbers over the last 30 days' })
      .getByRole('button', { name: 'Restore link: Spring newsletter' }).click();
    await page.getByRole('region', { name: 'Promo links and their numbers over the last 30 days' })
      .getByRole('button', { name: 'Archive link: Spring newsletter' }).waitFor();
    assert.deepEqual(errors, []);
    assertNoThirdParty(requested, [dev.base]);
  } finally {
    await s.context.close();
  }

  // The admin's numbers: the program per day and its top partners.
  s = await open(admin);
  try {
    const { page, errors } = s;
    await page.getByRole('navigation', { name: 'Partner Center sections' }).getByRole('button', { name: 'Numbers' }).click();
    await page.getByRole('heading', { name: 'Program numbers' }).waitFor();
    const top = page.getByRole('region', { name: 'Top partners by signups over the last 30 days' });
    await top.getByRole('button', { name: `Open partner ${kim.code}` }).waitFor();
    await expectAccessible(page, 'program numbers');
    await shoot(page, 'admin-numbers');
    await top.getByRole('button', { name: `Open partner ${kim.code}` }).click();
    await page.getByRole('heading', { name: `Partner ${kim.code}` }).waitFor();
    await page.getByRole('region', { name: 'Promo links and their numbers over the last 30 days' }).getByText('Spring newsletter').waitFor();
    assert.deepEqual(errors, []);
  } finally {
    await s.context.close();
  }
});
