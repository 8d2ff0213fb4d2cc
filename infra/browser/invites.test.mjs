// Invite-a-friend in headless Chromium against the local dev server: a
// partner invites an address, the email lands in the local outbox, the
// invitee follows its link, then unsubscribes through the email's
// unsubscribe page, after which no partner can invite the address again.
//
// Environment:
//   PARTNERKIT_DEVSERVER  path to a built dev server (go build ./infra/devserver);
//                         when unset the test builds one into a temp dir.
//   CHROMIUM_PATH         Chromium executable (default /usr/bin/chromium).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import {
  apiClient,
  createPartner,
  escapeHtml,
  launchChromium,
  newContext,
  startDevServer,
  startHttpServer,
  statsOf,
  stopChild,
  stopHttpServer,
  visit,
} from './helpers.mjs';

const FRIEND = 'Friend.Of.Jane@Example.com';

let landing; // { server, port, base }
let dev; // { child, port, base, output }
let api;
let browser;
let tmpDir;
let jane;
let bob;

// A stand-in for the SaaS's landing page: shows the visitor id.
function startLandingServer() {
  return startHttpServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><meta charset="utf-8"><title>Landing</title></head>
<body><p id="vid">${escapeHtml(url.searchParams.get('pk_vid') ?? '')}</p></body></html>`);
  });
}

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
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerkit-invites-'));
  landing = await startLandingServer();
  dev = await startDevServer({ landingURL: `${landing.base}/landing`, tmpDir });
  api = apiClient(dev.base);
  browser = await launchChromium();
  jane = await createPartner(api, 'inv-jane', 'jane@example.com');
  bob = await createPartner(api, 'inv-bob', 'bob@example.com');
});

after(async () => {
  await browser?.close().catch(() => {});
  if (dev) await stopChild(dev.child);
  await stopHttpServer(landing);
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
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

  const { context, requested } = await newContext(browser);
  try {
    const page = await context.newPage();

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
  } finally {
    await context.close();
  }

  // Nobody may invite the address any more; nothing more was sent.
  assert.deepEqual(await invite(bob, [FRIEND]), ['suppressed']);
  assert.deepEqual(await invite(jane, [friend]), ['suppressed']);
  assert.equal((await outboxTo(friend)).length, 1, 'emails to the unsubscribed address');
});
