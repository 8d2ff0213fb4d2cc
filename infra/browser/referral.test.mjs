// End-to-end referral flow in headless Chromium against the local dev server.
//
// Environment:
//   PARTNERKIT_DEVSERVER  path to a built dev server (go build ./infra/devserver);
//                         when unset the test builds one into a temp dir.
//   CHROMIUM_PATH         Chromium executable (default /usr/bin/chromium).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { spawn, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '..', '..');
const COOKIE_DAYS = 90;
const STARTUP_TIMEOUT_MS = 60_000;

let landing; // { server, port, base }
let dev; // { child, port, base, output }
let browser;
let tmpDir;
let partner1;
let partner2;

// ---------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// A stand-in for the marketing site the redirect sends visitors to.
async function startLandingServer() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname !== '/landing' && url.pathname !== '/pricing') {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
      return;
    }
    const vid = url.searchParams.get('pk_vid') ?? '';
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html>
<html><head><meta charset="utf-8"><title>Example ${escapeHtml(url.pathname)}</title></head>
<body>
<h1 id="page">${escapeHtml(url.pathname)}</h1>
<p id="vid">${escapeHtml(vid)}</p>
<p id="query">${escapeHtml(url.search)}</p>
</body></html>`);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return { server, port, base: `http://127.0.0.1:${port}` };
}

function devServerBinary() {
  const fromEnv = process.env.PARTNERKIT_DEVSERVER;
  if (fromEnv) {
    const bin = path.resolve(fromEnv);
    assert.ok(fs.existsSync(bin), `PARTNERKIT_DEVSERVER=${fromEnv} does not exist`);
    return bin;
  }
  const bin = path.join(tmpDir, 'devserver');
  execFileSync('go', ['build', '-o', bin, './infra/devserver'], { cwd: REPO_ROOT, stdio: 'inherit' });
  return bin;
}

async function startDevServer(landingURL) {
  const bin = devServerBinary();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(bin, [], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      LANDING_URL: landingURL,
      PUBLIC_BASE_URL: base,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`dev server did not print "listening on" within ${STARTUP_TIMEOUT_MS} ms; output:\n${output}`)),
      STARTUP_TIMEOUT_MS,
    );
    // The server announces itself with a line containing "listening on"
    // (on stdout; stderr is accepted too, where Go's log package writes).
    const onData = (chunk) => {
      output += chunk.toString();
      if (output.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`dev server exited early (code ${code}, signal ${signal}); output:\n${output}`));
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  const state = { child, port, base, get output() { return output; } };
  try {
    await ready;
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return state;
}

async function stopChild(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function api(method, urlPath, { token, body } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(dev.base + urlPath, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: 'manual',
  });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

async function createPartner(sub, email) {
  const tok = await api('POST', '/_local/token', { body: { sub, email } });
  assert.equal(tok.status, 200, `POST /_local/token: ${tok.status} ${tok.text}`);
  assert.ok(tok.json?.token, `POST /_local/token returned no token: ${tok.text}`);
  const created = await api('POST', '/partners', { token: tok.json.token, body: {} });
  assert.equal(created.status, 201, `POST /partners: ${created.status} ${created.text}`);
  for (const key of ['partner_id', 'code', 'link']) {
    assert.ok(created.json?.[key], `POST /partners response lacks ${key}: ${created.text}`);
  }
  return { ...created.json, token: tok.json.token };
}

async function clicksOf(partner) {
  const me = await api('GET', '/partners/me', { token: partner.token });
  assert.equal(me.status, 200, `GET /partners/me: ${me.status} ${me.text}`);
  assert.equal(typeof me.json?.stats?.clicks, 'number', `GET /partners/me has no stats.clicks: ${me.text}`);
  return me.json.stats.clicks;
}

function withTo(link, to) {
  const u = new URL(link);
  u.searchParams.set('to', to);
  return u.toString();
}

async function newContext() {
  const context = await browser.newContext();
  const requested = [];
  context.on('request', (req) => requested.push(req.url()));
  return { context, requested };
}

// Navigates and returns the final URL; a navigation error is turned into a
// message that lists every URL the browser asked for.
async function visit(page, url, requested) {
  try {
    await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
  } catch (err) {
    throw new Error(`navigation to ${url} failed: ${err.message}\nrequests: ${requested.join(' -> ')}`);
  }
  return new URL(page.url());
}

// ---------------------------------------------------------------------------
// setup / teardown
// ---------------------------------------------------------------------------

before(async () => {
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerkit-browser-'));
  landing = await startLandingServer();
  dev = await startDevServer(`${landing.base}/landing`);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Nothing but loopback resolves: a redirect off-host fails instead of
      // reaching the network.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
  partner1 = await createPartner('u1', 'a@example.com');
  partner2 = await createPartner('u2', 'b@example.com');
});

after(async () => {
  await browser?.close().catch(() => {});
  if (dev) await stopChild(dev.child);
  if (landing) await new Promise((resolve) => landing.server.close(resolve));
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
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
  const { context, requested } = await newContext();
  try {
    const page = await context.newPage();

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
  } finally {
    await context.close();
  }
});

test('deep link: ?to=/pricing lands on that path of the landing site', async () => {
  const { context, requested } = await newContext();
  try {
    const page = await context.newPage();
    const landed = await visit(page, withTo(partner1.link, '/pricing'), requested);
    assert.equal(landed.origin, landing.base, `landed on ${landed}`);
    assert.equal(landed.pathname, '/pricing');
    assert.ok(landed.searchParams.get('pk_vid'), `no pk_vid in ${landed}`);
    assert.equal(await page.textContent('#page'), '/pricing');
  } finally {
    await context.close();
  }
});

test('deep link: an off-host ?to= never leaves the landing site', async () => {
  for (const to of ['https://evil.example/', '//evil.example/', '/\\evil.example/', 'javascript:alert(1)']) {
    const { context, requested } = await newContext();
    try {
      const page = await context.newPage();
      const landed = await visit(page, withTo(partner1.link, to), requested);
      assert.equal(landed.origin, landing.base, `to=${to}: landed on ${landed}`);
      if (to === 'https://evil.example/') {
        assert.equal(landed.pathname, '/landing', `to=${to}: landed on ${landed}`);
      }
      const offHost = requested.filter((u) => /^https?:/i.test(u) && new URL(u).hostname !== '127.0.0.1');
      assert.deepEqual(offHost, [], `to=${to}: browser requested off-host URLs`);
    } finally {
      await context.close();
    }
  }
});
