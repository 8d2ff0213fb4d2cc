// Invite-a-friend in headless Chromium against the local dev server: a
// partner invites an address, the email lands in the local outbox, the
// invitee follows its link, then unsubscribes through the email's
// unsubscribe page, after which no partner can invite the address again.
//
// Environment: see helpers.mjs (PARTNERKIT_DEVSERVER, CHROMIUM_PATH).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPartner, startStack, statsOf, visit, withPage } from './helpers.mjs';

const FRIEND = 'Friend.Of.Jane@Example.com';

let stack; // see startStack
let landing; // { server, port, base }
let dev; // { child, port, base, output }
let api;
let browser;
let jane;
let bob;

async function invite(partner, emails, message) {
  const res = await api('POST', '/partners/me/invites', { token: partner.token, body: { emails, message } });
  assert.equal(res.status, 200, `POST /partners/me/invites: ${res.status} ${res.text}`);
  assert.equal(res.json?.results?.length, emails.length, `results: ${res.text}`);
  return res.json.results.map((r) => r.status);
}

async function outboxTo(address) {
  const res = await api('GET', '/_local/outbox');
  assert.equal(res.status, 200, `GET /_local/outbox: ${res.status} ${res.text}`);
  return res.json.emails.filter((e) => e.to.includes(address));
}

before(async () => {
  stack = await startStack({ prefix: 'partnerkit-invites-' });
  ({ landing, dev, api, browser } = stack);
  jane = await createPartner(api, 'inv-jane', 'jane@example.com');
  bob = await createPartner(api, 'inv-bob', 'bob@example.com');
});

after(async () => {
  await stack?.stop();
});

test('invite, follow the link, unsubscribe in the browser, then the address is suppressed', async () => {
  const friend = FRIEND.toLowerCase();
  assert.deepEqual(await invite(jane, [FRIEND], 'Try it,\n<b>you</b> will like it.'), ['sent']);

  const emails = await outboxTo(friend);
  assert.equal(emails.length, 1, `outbox: ${JSON.stringify(emails)}`);
  const [mail] = emails;
  assert.equal(mail.from, 'partners@example.com');
  assert.deepEqual(mail.reply_to, ['jane@example.com']);
  assert.ok(mail.text.includes('<b>you</b> will like it.'), `text part: ${mail.text}`);
  assert.ok(mail.html.includes('&lt;b&gt;you&lt;/b&gt; will like it.'), `HTML part: ${mail.html}`);
  assert.equal(mail.headers['List-Unsubscribe-Post'], 'List-Unsubscribe=One-Click');
  const unsubscribeURL = mail.headers['List-Unsubscribe'].replace(/^<|>$/g, '');
  assert.ok(unsubscribeURL.startsWith(`${dev.base}/u/`), `List-Unsubscribe: ${mail.headers['List-Unsubscribe']}`);
  const link = mail.text.match(/https?:\/\/\S+\/r\/\S+\?inv=\S+/)?.[0];
  assert.ok(link?.startsWith(`${jane.link}?inv=`), `no invite link in: ${mail.text}`);

  await withPage(browser, async ({ page, requested }) => {
    // The invitee follows the link: a counted click of Jane's.
    const landed = await visit(page, link, requested);
    assert.equal(landed.origin, landing.base, `landed on ${landed}`);
    assert.ok(landed.searchParams.get('pk_vid'), `no pk_vid in ${landed}`);
    assert.equal((await statsOf(api, jane)).clicks, 1, "Jane's clicks");

    // The unsubscribe page shows a confirmation; nothing happens until it is sent.
    await visit(page, unsubscribeURL, requested);
    assert.equal(await page.textContent('#title'), 'Unsubscribe from invitations');
    assert.deepEqual(await invite(bob, [FRIEND]), ['already_referred'], 'showing the page must not unsubscribe');

    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#unsubscribe')]);
    assert.equal(await page.textContent('#title'), 'You are unsubscribed');
    assert.equal(new URL(page.url()).pathname, new URL(unsubscribeURL).pathname);

    // A forged link shows the error page.
    const forged = await page.goto(`${dev.base}/u/k1.forged.link`);
    assert.equal(forged.status(), 404);
    assert.equal(await page.textContent('#title'), 'Link not valid');
  });

  // Nobody may invite the address any more; nothing more was sent.
  assert.deepEqual(await invite(bob, [FRIEND]), ['suppressed']);
  assert.deepEqual(await invite(jane, [friend]), ['suppressed']);
  assert.equal((await outboxTo(friend)).length, 1, 'emails to the unsubscribed address');
});
