// What every screen test checks and keeps of a screen: axe-core finds no
// serious or critical violation, nothing scrolls sideways, and screenshots
// at 1280×800 and 390×844, light and dark, go to .run/screenshots/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { REPO_ROOT } from './helpers.mjs';

export const SHOTS = path.join(REPO_ROOT, '.run', 'screenshots');
fs.mkdirSync(SHOTS, { recursive: true });

export const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
];

// expectAccessible runs axe-core on the page and fails on any serious or
// critical violation, naming each.
export async function expectAccessible(page, screen) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`), [],
    `${screen}: axe-core found serious or critical violations`);
}

// shoot writes the current screen (or one element of it) at both sizes,
// light and dark, and fails if the page scrolls sideways at either.
export async function shoot(page, name, { element } = {}) {
  for (const vp of VIEWPORTS) {
    await page.setViewportSize({ width: vp.width, height: vp.height });
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme });
      const file = path.join(SHOTS, `${name}-${vp.name}-${scheme}.png`);
      await (element ? element.screenshot({ path: file }) : page.screenshot({ path: file, fullPage: true }));
    }
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${name} at ${vp.name}: the page scrolls sideways by ${overflow}px`);
  }
  await page.setViewportSize(VIEWPORTS[0]);
  await page.emulateMedia({ colorScheme: 'light' });
}

// assertNoThirdParty fails if the page asked anything of an origin other
// than allowed ones.
export function assertNoThirdParty(requested, allowed) {
  const foreign = requested.filter((u) => !allowed.some((o) => u.startsWith(o)) && !u.startsWith('blob:') && !u.startsWith('data:'));
  assert.deepEqual(foreign, [], 'the center made third-party requests');
}

// openCenter opens the Partner Center at base signed in with token (none:
// signed out), or at url, in a new context, and collects every request
// and page error. The clipboard is granted, for the Copy buttons.
export async function openCenter(browser, base, token, { viewport = VIEWPORTS[0], colorScheme = 'light', url } = {}) {
  const context = await browser.newContext({ viewport, colorScheme });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  const requested = [];
  context.on('request', (r) => requested.push(r.url()));
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url ?? `${base}/center/${token ? `#token=${token}` : ''}`);
  return { context, page, requested, errors };
}

// gotoTab opens a section of the admin console by its name.
export function gotoTab(page, name) {
  return page.getByRole('navigation', { name: 'Partner Center sections' }).getByRole('button', { name }).click();
}
