// End-to-end referral flow in headless Chromium against the local dev server.
//
// Environment: see helpers.mjs (PARTNERKIT_DEVSERVER, CHROMIUM_PATH).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPartner, escapeHtml, startHttpServer, startStack, statsOf, stopHttpServer, visit, withPage } from './helpers.mjs';

const COOKIE_DAYS = 90;

let stack; // see startStack
let landing; // { server, port, base }
let dev; // { child, port, base, output }
let api;
let browser;
let partner1;
let partner2;

// ---------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------

async function clicksOf(partner) {
  const stats = await statsOf(api, partner);
  assert.equal(typeof stats.clicks, 'number', `GET /partners/me has no stats.clicks: ${JSON.stringify(stats)}`);
  return stats.clicks;
}

function withTo(link, to) {
  const u = new URL(link);
  u.searchParams.set('to', to);
  return u.toString();
}

// ---------------------------------------------------------------------------
// setup / teardown
// ---------------------------------------------------------------------------

before(async () => {
  stack = await startStack({ prefix: 'partnerkit-browser-' });
  ({ landing, dev, api, browser } = stack);
  partner1 = await createPartner(api, 'u1', 'a@example.com');
  partner2 = await createPartner(api, 'u2', 'b@example.com');
});

after(async () => {
  await stack?.stop();
});

// ---------------------------------------------------------------------------
// tests
// ---------------------------------------------------------------------------

test('partners get distinct codes and links on the dev server', () => {
  assert.notEqual(partner1.partner_id, partner2.partner_id);
  assert.notEqual(partner1.code, partner2.code);
  for (const p of [partner1, partner2]) {
    const link = new URL(p.link);
    assert.equal(link.origin, dev.base, `link ${p.link} is not on PUBLIC_BASE_URL ${dev.base}`);
  }
});

test('first touch: the referral cookie and visitor id survive a second partner link', async () => {
  await withPage(browser, async ({ page, requested, context }) => {
    const t0 = Date.now() / 1000;
    const first = await visit(page, partner1.link, requested);
    const t1 = Date.now() / 1000;
    assert.equal(first.origin, landing.base, `landed on ${first}, want the landing page`);
    assert.equal(first.pathname, '/landing');
    const vid = first.searchParams.get('pk_vid');
    assert.ok(vid, `landing URL ${first} has no pk_vid`);
    assert.equal(await page.textContent('#vid'), vid, 'landing page did not render the visitor id');

    const cookies = await context.cookies();
    const ref = cookies.filter((c) => c.name === 'pk_ref');
    assert.equal(ref.length, 1, `want one pk_ref cookie, got ${JSON.stringify(cookies)}`);
    const [cookie] = ref;
    assert.equal(cookie.domain, '127.0.0.1');
    assert.equal(cookie.path, '/');
    assert.equal(cookie.httpOnly, true, 'pk_ref must be HttpOnly');
    assert.equal(cookie.sameSite, 'Lax', 'pk_ref must be SameSite=Lax');
    assert.ok(cookie.value.length > 0, 'pk_ref is empty');
    const lifetime = COOKIE_DAYS * 86400;
    assert.ok(
      cookie.expires >= t0 + lifetime - 60 && cookie.expires <= t1 + lifetime + 60,
      `pk_ref expires at ${cookie.expires}, want about ${COOKIE_DAYS} days from ${Math.round(t0)}`,
    );

    const second = await visit(page, partner2.link, requested);
    assert.equal(second.origin, landing.base, `landed on ${second}, want the landing page`);
    assert.equal(second.pathname, '/landing');
    assert.equal(second.searchParams.get('pk_vid'), vid, 'visitor id changed on the second click');

    const refAfter = (await context.cookies()).filter((c) => c.name === 'pk_ref');
    assert.equal(refAfter.length, 1);
    assert.equal(refAfter[0].value, cookie.value, 'pk_ref changed: first touch was overwritten');

    assert.equal(await clicksOf(partner1), 1, 'partner 1 clicks');
    assert.equal(await clicksOf(partner2), 1, 'partner 2 clicks');
  });
});

test('deep link: ?to=/pricing lands on that path of the landing site', async () => {
  await withPage(browser, async ({ page, requested }) => {
    const landed = await visit(page, withTo(partner1.link, '/pricing'), requested);
    assert.equal(landed.origin, landing.base, `landed on ${landed}`);
    assert.equal(landed.pathname, '/pricing');
    assert.ok(landed.searchParams.get('pk_vid'), `no pk_vid in ${landed}`);
    assert.equal(await page.textContent('#page'), '/pricing');
  });
});

test('deep link: an off-host ?to= never leaves the landing site', async () => {
  for (const to of ['https://evil.example/', '//evil.example/', '/\\evil.example/', 'javascript:alert(1)']) {
    await withPage(browser, async ({ page, requested }) => {
      const landed = await visit(page, withTo(partner1.link, to), requested);
      assert.equal(landed.origin, landing.base, `to=${to}: landed on ${landed}`);
      if (to === 'https://evil.example/') {
        assert.equal(landed.pathname, '/landing', `to=${to}: landed on ${landed}`);
      }
      const offHost = requested.filter((u) => /^https?:/i.test(u) && new URL(u).hostname !== '127.0.0.1');
      assert.deepEqual(offHost, [], `to=${to}: browser requested off-host URLs`);
    });
  }
});

test('an <img> or <iframe> on another site pointing at a link is not a click and sets no cookie', async () => {
  const before = await clicksOf(partner1);
  const link = escapeHtml(partner1.link);
  const other = await startHttpServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><title>Another site</title></head><body>
<img src="${link}" alt=""><iframe src="${link}" title="embedded link"></iframe></body></html>`);
  });
  try {
    await withPage(browser, async ({ page, requested, context }) => {
      await visit(page, `${other.base}/`, requested);
      await page.waitForLoadState('networkidle');
      assert.ok(requested.filter((u) => u.startsWith(partner1.link)).length >= 2, `the page did not load the link twice: ${requested.join(' ')}`);
      const cookies = (await context.cookies()).filter((c) => c.name === 'pk_ref');
      assert.deepEqual(cookies, [], 'an embedded load set the referral cookie');
    });
    assert.equal(await clicksOf(partner1), before, 'an <img> or <iframe> load was counted as a click');

    // A person following the same link from that site is counted.
    await withPage(browser, async ({ page, requested, context }) => {
      await visit(page, `${other.base}/`, requested);
      await page.evaluate((href) => { window.location.href = href; }, partner1.link);
      await page.waitForURL((u) => u.origin === landing.base);
      assert.ok(new URL(page.url()).searchParams.get('pk_vid'), `no pk_vid in ${page.url()}`);
      assert.equal((await context.cookies()).filter((c) => c.name === 'pk_ref').length, 1);
    });
    assert.equal(await clicksOf(partner1), before + 1);
  } finally {
    await stopHttpServer(other);
  }
});

test('a link passes its utm_* and other parameters on to the landing page unchanged', async () => {
  await withPage(browser, async ({ page, requested }) => {
    const url = `${partner2.link}?utm_source=news%20letter&utm_medium=email&sid=footer-1&to=%2Fpricing`;
    const landed = await visit(page, url, requested);
    assert.equal(landed.pathname, '/pricing');
    const query = await page.textContent('#query');
    assert.match(query, /^\?utm_source=news%20letter&utm_medium=email&sid=footer-1&pk_vid=v_[A-Za-z0-9_-]+$/, `landing query: ${query}`);
  });
});
