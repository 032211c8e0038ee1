// Shared helpers of the browser tests: Chromium from Debian driven by
// playwright-core, axe-core injected into each page.
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: CHROMIUM_FLAGS,
  });
}

// A page that records console errors, CSP violations and failed requests.
export async function openPage(browser, { javaScript = true, viewport = { width: 1280, height: 900 } } = {}) {
  const context = await browser.newContext({ javaScriptEnabled: javaScript, viewport, locale: 'fr-FR' });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`exception: ${e.message}`));
  page.on('requestfailed', (r) => {
    // A suggestion fetch cancelled on purpose (the user typed on, or left
    // the page) is not a failure: the combobox aborts what it no longer needs.
    if (r.failure()?.errorText === 'net::ERR_ABORTED' && new URL(r.url()).pathname.startsWith('/api/v1/')) return;
    problems.push(`requête échouée: ${r.url()} (${r.failure()?.errorText})`);
  });
  page.on('response', (r) => { if (r.status() >= 400 && !r.url().includes('/introuvable')) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  return { context, page, problems };
}

// Runs axe-core on the current page (WCAG 2.1 A/AA and best practices).
export async function axe(page) {
  // Evaluated rather than injected as a <script>: the pages' CSP forbids
  // inline scripts (and would report the attempt).
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  });
}

export function check(condition, message, failures) {
  if (!condition) failures.push(message);
}

// Ends a scenario: its problems on stderr and a failing exit, or `success`.
export function finish(failures, success) {
  if (failures.length) {
    console.error(`${failures.length} problème(s) :\n- ${failures.join('\n- ')}`);
    process.exit(1);
  }
  console.log(success);
}
