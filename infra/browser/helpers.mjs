// Shared helpers of the headless-Chromium tests: free ports, the dev server
// child process, a small JSON API client, the browser launch and the whole
// stack a test file runs against (startStack).
//
// Environment:
//   PARTNERKIT_DEVSERVER  path to a built dev server (go build ./infra/devserver);
//                         when unset the dev server is built into a temp dir.
//   CHROMIUM_PATH         Chromium executable (default /usr/bin/chromium).
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '..', '..');
const STARTUP_TIMEOUT_MS = 60_000;

export function freePort() {
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

export function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// Serves handler on a loopback port (a free one unless port is given);
// returns { server, port, base }.
export async function startHttpServer(handler, port = 0) {
  const server = http.createServer(handler);
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const bound = server.address().port;
  return { server, port: bound, base: `http://127.0.0.1:${bound}` };
}

export function stopHttpServer(srv) {
  if (!srv) return Promise.resolve();
  // Keep-alive connections from fetch would otherwise hold close() open.
  srv.server.closeAllConnections?.();
  return new Promise((resolve) => srv.server.close(resolve));
}

// A stand-in for the marketing site the redirect sends visitors to: serves
// /landing and /pricing, showing the path (#page), the visitor id pk_vid
// (#vid) and the query string (#query); any other path is a 404.
function landingHandler(req, res) {
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
}

// Starts the stand-in landing site; returns { server, port, base }.
export function startLandingServer() {
  return startHttpServer(landingHandler);
}

function devServerBinary(tmpDir) {
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

// Starts the dev server with LANDING_URL = landingURL on a free port.
// extraEnv is merged into the inherited environment; a null value removes
// a variable, so a test can rely on the documented local default.
export async function startDevServer({ landingURL, tmpDir, extraEnv = {} }) {
  const bin = devServerBinary(tmpDir);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = { ...process.env, PORT: String(port), LANDING_URL: landingURL, PUBLIC_BASE_URL: base };
  for (const [k, v] of Object.entries(extraEnv)) {
    if (v === null) delete env[k];
    else env[k] = v;
  }
  const child = spawn(bin, [], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
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

export async function stopChild(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

// Starts what a test file runs against, in order: a temp dir named after
// prefix, the site the referral links send visitors to (siteHandler served
// on a free port, or the stand-in landing site), the dev server with
// LANDING_URL = <site>/landing and extraEnv (see startDevServer), a JSON
// client of its API and Chromium. Returns { tmpDir, site, landing, dev, api,
// browser, stop }, landing being another name for site; stop() closes the
// browser, the dev server and the site and removes the temp dir. When a
// step fails, what was started so far is stopped before the error is thrown.
export async function startStack({ prefix = 'partnerkit-browser-', siteHandler, extraEnv = {} } = {}) {
  const stack = {};
  stack.stop = async () => {
    await stack.browser?.close().catch(() => {});
    if (stack.dev) await stopChild(stack.dev.child);
    await stopHttpServer(stack.site);
    if (stack.tmpDir) fs.rmSync(stack.tmpDir, { recursive: true, force: true });
  };
  try {
    stack.tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    stack.site = siteHandler ? await startHttpServer(siteHandler) : await startLandingServer();
    stack.landing = stack.site;
    stack.dev = await startDevServer({ landingURL: `${stack.site.base}/landing`, tmpDir: stack.tmpDir, extraEnv });
    stack.api = apiClient(stack.dev.base);
    stack.browser = await launchChromium();
  } catch (err) {
    await stack.stop();
    throw err;
  }
  return stack;
}

// Returns api(method, path, { token, body }) → { status, json, text } for
// JSON requests to base; redirects are not followed.
export function apiClient(base) {
  return async function api(method, urlPath, { token, body } = {}) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    const res = await fetch(base + urlPath, {
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
  };
}

// Asks /_local/token for a token of the claims request tokenRequest.
export async function localToken(api, tokenRequest) {
  const tok = await api('POST', '/_local/token', { body: tokenRequest });
  assert.equal(tok.status, 200, `POST /_local/token: ${tok.status} ${tok.text}`);
  assert.ok(tok.json?.token, `POST /_local/token returned no token: ${tok.text}`);
  return tok.json.token;
}

// Enrolls sub as a partner; returns the POST /partners answer and its token.
export async function createPartner(api, sub, email) {
  const token = await localToken(api, { sub, email });
  const created = await api('POST', '/partners', { token, body: {} });
  assert.equal(created.status, 201, `POST /partners: ${created.status} ${created.text}`);
  for (const key of ['partner_id', 'code', 'link']) {
    assert.ok(created.json?.[key], `POST /partners response lacks ${key}: ${created.text}`);
  }
  return { ...created.json, token };
}

// Reads GET /partners/me of partner; returns its stats.
export async function statsOf(api, partner) {
  const me = await api('GET', '/partners/me', { token: partner.token });
  assert.equal(me.status, 200, `GET /partners/me: ${me.status} ${me.text}`);
  assert.equal(typeof me.json?.stats, 'object', `GET /partners/me has no stats: ${me.text}`);
  return me.json.stats;
}

export function launchChromium() {
  return chromium.launch({
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
}

// Returns a new browser context and the list of URLs it requests.
export async function newContext(browser) {
  const context = await browser.newContext();
  const requested = [];
  context.on('request', (req) => requested.push(req.url()));
  return { context, requested };
}

// Runs fn({ page, requested, context }) on a new page of a new browser
// context (see newContext), which is closed afterwards; returns what fn
// returns.
export async function withPage(browser, fn) {
  const { context, requested } = await newContext(browser);
  try {
    const page = await context.newPage();
    return await fn({ page, requested, context });
  } finally {
    await context.close();
  }
}

// Navigates and returns the final URL; a navigation error is turned into a
// message that lists every URL the browser asked for.
export async function visit(page, url, requested) {
  try {
    await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
  } catch (err) {
    throw new Error(`navigation to ${url} failed: ${err.message}\nrequests: ${requested.join(' -> ')}`);
  }
  return new URL(page.url());
}

// The local stack's default WEBHOOK_SECRET: the Standard Webhooks test
// secret. Dev servers are started without WEBHOOK_SECRET to rely on it.
export const WEBHOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

// signWebhook computes webhook-signature per Standard Webhooks:
// HMAC-SHA256, keyed with the base64-decoded part of the secret after
// whsec_, over "{id}.{timestamp}.{body}".
export function signWebhook(secret, id, timestamp, body) {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const mac = crypto.createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}

// deliver sends a signed webhook {type, timestamp, data} to base + path
// and returns { status, json }.
export async function deliver(base, urlPath, type, data) {
  const body = JSON.stringify({ type, timestamp: new Date().toISOString(), data });
  const id = `msg_${crypto.randomUUID()}`;
  const ts = Math.floor(Date.now() / 1000);
  const res = await fetch(base + urlPath, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(ts),
      'webhook-signature': signWebhook(WEBHOOK_SECRET, id, ts, body),
    },
    body,
  });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, json, text };
}
