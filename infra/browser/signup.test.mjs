// End-to-end signup attribution in headless Chromium against the local dev
// server. The test serves the integrator's side itself: a landing page
// whose script copies pk_vid into the signup form, and a "SaaS backend"
// route that receives the form, sends the signed customer.created webhook
// to POST /webhooks/signup and renders the answer.
//
// Environment: see helpers.mjs (PARTNERKIT_DEVSERVER, CHROMIUM_PATH).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { WEBHOOK_SECRET, createPartner, escapeHtml, localToken, signWebhook as sign, startStack, statsOf, visit, withPage } from './helpers.mjs';

let stack; // see startStack
let site; // the integrator's site: { server, port, base }
let dev;
let api;
let browser;
let adminToken;
let partnerA;
let partnerB;

// What the backend does with the next form post (a webhook-id to reuse,
// a signature to spoil); deliveries records what it sent and got back.
let nextDelivery = {};
const deliveries = [];

// ---------------------------------------------------------------------------
// the integrator's site
// ---------------------------------------------------------------------------

function landingPage() {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Example signup</title></head>
<body>
<h1>Sign up</h1>
<form id="signup" method="post" action="/signup">
  <label>Email <input id="email" name="email" type="email" required></label>
  <label>Customer id <input id="customer_id" name="customer_id" required></label>
  <input id="visitor_id" name="visitor_id" type="hidden">
  <button id="submit" type="submit">Create account</button>
</form>
<script>
  // The referral link sent the visitor here with ?pk_vid=; the signup
  // carries it to the backend, which puts it in the webhook.
  const vid = new URLSearchParams(location.search).get('pk_vid');
  if (vid) document.getElementById('visitor_id').value = vid;
</script>
</body></html>`;
}

function resultPage(status, text, json) {
  const fields = ['attributed', 'partner_id', 'source', 'touched_at', 'reason'];
  const rows = json && !json.error
    ? fields.map((f) => `<dt>${f}</dt><dd id="${f}">${escapeHtml(String(json[f] ?? ''))}</dd>`).join('\n')
    : '';
  const code = json?.error?.code ?? '';
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Signed up</title></head>
<body>
<p>Webhook answer: <span id="status">${status}</span> <span id="error_code">${escapeHtml(code)}</span></p>
<dl>${rows}</dl>
<pre id="result">${escapeHtml(text)}</pre>
</body></html>`;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

// The SaaS backend: creates the customer from the form, then tells
// partnerkit with a signed customer.created webhook.
async function signupRoute(req, res) {
  const form = new URLSearchParams(await readBody(req));
  const plan = nextDelivery;
  nextDelivery = {};
  const now = new Date().toISOString();
  const data = {
    customer_id: form.get('customer_id'),
    email: form.get('email'),
    created_at: now,
  };
  if (form.get('visitor_id')) data.visitor_id = form.get('visitor_id');
  const body = JSON.stringify({ type: 'customer.created', timestamp: now, data });
  const id = plan.id ?? `msg_${crypto.randomBytes(12).toString('hex')}`;
  const ts = String(Math.floor(Date.now() / 1000));
  let signature = sign(WEBHOOK_SECRET, id, ts, body);
  if (plan.tamper) {
    // Flip one bit of the MAC: still well-formed, no longer valid.
    const mac = Buffer.from(signature.slice(3), 'base64');
    mac[0] ^= 1;
    signature = `v1,${mac.toString('base64')}`;
  }
  const answer = await fetch(`${dev.base}/webhooks/signup`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': ts,
      'webhook-signature': signature,
    },
    body,
  });
  const text = await answer.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  deliveries.push({ id, data, status: answer.status, json });
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end(resultPage(answer.status, text, json));
}

function siteHandler(req, res) {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (url.pathname === '/landing' && req.method === 'GET') {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(landingPage());
    return;
  }
  if (url.pathname === '/signup' && req.method === 'POST') {
    signupRoute(req, res).catch((err) => {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`backend failed: ${err.stack}`);
    });
    return;
  }
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('not found');
}

// ---------------------------------------------------------------------------
// steps
// ---------------------------------------------------------------------------

// Follows a partner's link and checks the landing page copied pk_vid into
// the form; returns the visitor id.
async function arrive(page, requested, partner) {
  const landed = await visit(page, partner.link, requested);
  assert.equal(landed.origin, site.base, `landed on ${landed}, want the landing page`);
  assert.equal(landed.pathname, '/landing');
  const vid = landed.searchParams.get('pk_vid');
  assert.ok(vid, `landing URL ${landed} has no pk_vid`);
  assert.equal(await page.inputValue('#visitor_id'), vid, 'the landing page did not put pk_vid into the form');
  return vid;
}

// Fills and submits the signup form (a real form POST); returns the
// webhook answer the backend rendered and the delivery it made.
async function signUp(page, { email, customerId }) {
  await page.fill('#email', email);
  await page.fill('#customer_id', customerId);
  await Promise.all([page.waitForURL(`${site.base}/signup`), page.click('#submit')]);
  const status = Number(await page.textContent('#status'));
  const json = JSON.parse(await page.textContent('#result'));
  return { status, json, delivery: deliveries.at(-1) };
}

async function shown(page, field) {
  return page.textContent(`#${field}`);
}

async function attributionOf(customerId) {
  return api('GET', `/customers/${encodeURIComponent(customerId)}/attribution`, { token: adminToken });
}

// ---------------------------------------------------------------------------
// setup / teardown
// ---------------------------------------------------------------------------

before(async () => {
  stack = await startStack({ prefix: 'partnerkit-browser-', siteHandler, extraEnv: { WEBHOOK_SECRET: null } });
  ({ site, dev, api, browser } = stack);
  partnerA = await createPartner(api, 'u-a', 'a@example.com');
  partnerB = await createPartner(api, 'u-b', 'b@example.com');
  adminToken = await localToken(api, { sub: 'admin', admin: true });
});

after(async () => {
  await stack?.stop();
});

// ---------------------------------------------------------------------------
// tests (in order: each builds on the store the previous ones left)
// ---------------------------------------------------------------------------

test('signup after a partner link is attributed to that partner, once', async () => {
  await withPage(browser, async ({ page, requested }) => {
    const vid = await arrive(page, requested, partnerA);

    const first = await signUp(page, { email: 'carol@example.com', customerId: 'cus_1' });
    assert.equal(first.status, 200, `webhook answer ${first.status} ${JSON.stringify(first.json)}`);
    assert.equal(first.delivery.data.visitor_id, vid, 'the webhook did not carry the visitor id');
    assert.equal(await shown(page, 'attributed'), 'true');
    assert.equal(await shown(page, 'partner_id'), partnerA.partner_id);
    assert.equal(await shown(page, 'source'), 'click');
    assert.deepEqual(Object.keys(first.json).sort(), ['attributed', 'customer_id', 'partner_id', 'source', 'touched_at']);
    assert.equal(first.json.customer_id, 'cus_1');
    assert.ok(!Number.isNaN(Date.parse(first.json.touched_at)), `touched_at ${first.json.touched_at} is not a time`);

    // Partner B's link in the same browser: first touch keeps the visitor.
    const vidAgain = await arrive(page, requested, partnerB);
    assert.equal(vidAgain, vid, 'the visitor id changed on the second partner link');

    // The same customer again, under a new webhook-id: the decision stands.
    const second = await signUp(page, { email: 'carol@example.com', customerId: 'cus_1' });
    assert.notEqual(second.delivery.id, first.delivery.id);
    assert.equal(second.status, 200);
    assert.deepEqual(second.json, first.json, 'a later signup webhook changed the attribution');
    assert.equal(await shown(page, 'partner_id'), partnerA.partner_id);

    const why = await attributionOf('cus_1');
    assert.equal(why.status, 200, `GET /customers/cus_1/attribution: ${why.status} ${why.text}`);
    const { candidates, ...decision } = why.json;
    assert.deepEqual(decision, first.json, 'the admin view disagrees with the webhook answer');
    const won = candidates.filter((c) => c.outcome === 'won');
    assert.deepEqual(won, [
      { source: 'click', partner_id: partnerA.partner_id, touched_at: first.json.touched_at, outcome: 'won' },
    ], `candidates ${JSON.stringify(candidates)}`);

    const [statsA, statsB] = [await statsOf(api, partnerA), await statsOf(api, partnerB)];
    assert.equal(statsA.signups, 1, 'partner A signups');
    assert.equal(statsB.signups, 0, 'partner B signups');
    assert.equal(statsA.clicks, 1, 'partner A clicks');
    assert.equal(statsB.clicks, 1, 'partner B clicks (counted, though not first touch)');
  });
});

test("a new visitor who follows partner B's link is attributed to B", async () => {
  await withPage(browser, async ({ page, requested }) => {
    await arrive(page, requested, partnerB);
    const r = await signUp(page, { email: 'dave@example.com', customerId: 'cus_2' });
    assert.equal(r.status, 200, `webhook answer ${r.status} ${JSON.stringify(r.json)}`);
    assert.equal(await shown(page, 'attributed'), 'true');
    assert.equal(await shown(page, 'partner_id'), partnerB.partner_id);
    assert.equal(await shown(page, 'source'), 'click');
    assert.equal((await statsOf(api, partnerB)).signups, 1, 'partner B signups');
    assert.equal((await statsOf(api, partnerA)).signups, 1, 'partner A signups');
  });
});

test('a tampered signature is refused and writes nothing; the same webhook-id, signed, is accepted', async () => {
  await withPage(browser, async ({ page, requested }) => {
    await arrive(page, requested, partnerA);

    nextDelivery = { tamper: true };
    const refused = await signUp(page, { email: 'erin@example.com', customerId: 'cus_3' });
    assert.equal(refused.status, 401, `tampered delivery: ${refused.status} ${JSON.stringify(refused.json)}`);
    assert.equal(refused.json?.error?.code, 'invalid_signature');
    assert.equal(await shown(page, 'error_code'), 'invalid_signature');
    assert.equal((await attributionOf('cus_3')).status, 404, 'the refused delivery recorded an attribution');
    assert.equal((await statsOf(api, partnerA)).signups, 1, 'the refused delivery counted a signup');

    // The backend delivers again under the same webhook-id, correctly
    // signed: had the refusal been recorded, this would replay it.
    await page.goBack();
    assert.ok(await page.inputValue('#visitor_id'), 'back on the landing page, the form lost the visitor id');
    nextDelivery = { id: refused.delivery.id };
    const accepted = await signUp(page, { email: 'erin@example.com', customerId: 'cus_3' });
    assert.equal(accepted.delivery.id, refused.delivery.id);
    assert.equal(accepted.status, 200, `signed delivery: ${accepted.status} ${JSON.stringify(accepted.json)}`);
    assert.equal(await shown(page, 'attributed'), 'true');
    assert.equal(await shown(page, 'partner_id'), partnerA.partner_id);
    assert.equal((await attributionOf('cus_3')).status, 200);
    assert.equal((await statsOf(api, partnerA)).signups, 2, 'partner A signups');
  });
});
