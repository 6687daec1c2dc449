#!/usr/bin/env node
// Browser smoke test for jiwon.
//
//   BASE_URL=http://127.0.0.1:8080 node tests/e2e/smoke.js
//
// Drives Debian's Chromium (/usr/bin/chromium) through playwright-core (no browser download),
// runs axe-core (WCAG 2.x A/AA rules) on the home, listing and announcement pages, follows the
// home filter form to the listing and from there to one announcement, and checks a 390x844
// mobile viewport for horizontal overflow. Each check prints `ok - NAME` or
// `not ok - NAME: REASON`; the last line is `e2e: N passed, M failed`; exit code 1 on failure.
//
// Environment:
//   BASE_URL            server under test (default http://127.0.0.1:8080)
//   CHROMIUM            browser binary (default /usr/bin/chromium)
//   E2E_SCREENSHOT_DIR  where screenshots go (default /tmp/jiwon-e2e)
//   E2E_CATEGORY        category chosen in the home filter (default 창업)
//   E2E_AXE_FAIL_ON     lowest axe impact that fails a check: minor (default: any violation),
//                       moderate, serious, critical, or none (report only)
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');
const axeSource = require('axe-core').source;

const BASE_URL = (process.env.BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOT_DIR = process.env.E2E_SCREENSHOT_DIR || '/tmp/jiwon-e2e';
const CATEGORY = process.env.E2E_CATEGORY || '창업';
const AXE_FAIL_ON = (process.env.E2E_AXE_FAIL_ON || 'minor').toLowerCase();
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const IMPACT_RANK = { minor: 1, moderate: 2, serious: 3, critical: 4, none: 99 };
const MOBILE = { width: 390, height: 844 };
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const HANGUL = /[\uAC00-\uD7A3]/;

let passed = 0;
let failed = 0;
const profiles = [];

function log(line) {
  process.stdout.write(line + '\n');
}

function norm(s) {
  return String(s == null ? '' : s).replace(/\s+/g, ' ').trim();
}

// Run one named check. A check that throws fails with the error's message.
async function check(name, fn) {
  try {
    const note = await fn();
    passed += 1;
    log(`ok - ${name}${note ? ` (${note})` : ''}`);
    return true;
  } catch (err) {
    failed += 1;
    const msg = norm(err && err.message ? err.message.split('\n')[0] : err);
    log(`not ok - ${name}: ${msg}`);
    return false;
  }
}

function need(value, what) {
  if (!value) throw new Error(`skipped: needs ${what}, which an earlier check did not provide`);
  return value;
}

async function launch(label, contextOptions) {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), `jiwon-e2e-${label}-`));
  profiles.push(userDataDir);
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    locale: 'ko-KR',
    timezoneId: 'Asia/Seoul',
    ...contextOptions,
  });
}

// Problems seen by the browser on any page: JS exceptions, console errors, HTTP >= 400, failed loads.
const browserProblems = [];
function watch(page) {
  page.setDefaultTimeout(20000);
  page.setDefaultNavigationTimeout(30000);
  page.on('pageerror', (e) => browserProblems.push(`JS error on ${page.url()}: ${norm(e.message)}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) {
      browserProblems.push(`console error on ${page.url()}: ${norm(m.text())}`);
    }
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !/\/favicon\.ico$/.test(r.url())) {
      browserProblems.push(`HTTP ${r.status()} for ${r.url()}`);
    }
  });
  page.on('requestfailed', (r) => {
    const f = r.failure();
    if (!/\/favicon\.ico$/.test(r.url()) && !(f && /ERR_ABORTED/.test(f.errorText))) {
      browserProblems.push(`request failed: ${r.url()} ${f ? f.errorText : ''}`);
    }
  });
  return page;
}

async function screenshot(page, name) {
  const file = path.join(SHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  log(`# screenshot: ${file}`);
  return file;
}

async function expectKoreanPage(page, response, what) {
  if (!response) throw new Error(`no response for ${what}`);
  if (response.status() !== 200) throw new Error(`${what} answered HTTP ${response.status()}`);
  const lang = await page.evaluate(() => document.documentElement.getAttribute('lang'));
  if (lang !== 'ko') throw new Error(`<html lang> is ${JSON.stringify(lang)}, expected "ko"`);
  const title = norm(await page.title());
  if (!title) throw new Error('<title> is empty');
  return title;
}

async function runAxe(page, label) {
  // Injected through the DevTools protocol, so a strict Content-Security-Policy does not block it.
  const hasAxe = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!hasAxe) await page.evaluate(axeSource);
  const results = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
    AXE_TAGS,
  );
  const threshold = IMPACT_RANK[AXE_FAIL_ON] || 1;
  let blocking = 0;
  for (const v of results.violations) {
    const rank = IMPACT_RANK[v.impact] || 1;
    if (rank >= threshold) blocking += 1;
    log(`#   axe ${label}: ${v.id} [${v.impact || 'n/a'}] ${v.help} — ${v.nodes.length} node(s) ${v.helpUrl}`);
    for (const n of v.nodes.slice(0, 8)) {
      const summary = norm((n.failureSummary || '').split('\n').slice(1, 2).join(' '));
      log(`#     ${n.target.join(' >> ')}${summary ? `  -- ${summary}` : ''}`);
    }
    if (v.nodes.length > 8) log(`#     … and ${v.nodes.length - 8} more`);
  }
  const ids = results.violations.map((v) => `${v.id}[${v.impact}]`).join(', ');
  if (blocking > 0) {
    throw new Error(`${results.violations.length} axe violation(s) (${ids})`);
  }
  return results.violations.length ? `report only: ${ids}` : 'no violations';
}

async function overflow(page, width) {
  return page.evaluate((w) => {
    const doc = document.documentElement;
    const culprits = [];
    if (doc.scrollWidth > w) {
      const describe = (el) => {
        let s = el.tagName.toLowerCase();
        if (el.id) s += `#${el.id}`;
        else if (el.classList.length) s += `.${[...el.classList].slice(0, 2).join('.')}`;
        return s;
      };
      for (const el of document.body.querySelectorAll('*')) {
        const r = el.getBoundingClientRect();
        if (r.width > 0 && r.right > w + 1) {
          // report the innermost offenders only
          const inner = [...el.children].some((c) => c.getBoundingClientRect().right > w + 1);
          if (!inner) culprits.push(`${describe(el.parentElement || el)} > ${describe(el)} (right=${Math.round(r.right)})`);
        }
        if (culprits.length >= 5) break;
      }
    }
    return { scrollWidth: doc.scrollWidth, culprits };
  }, width);
}

async function main() {
  fs.mkdirSync(SHOT_DIR, { recursive: true });
  log(`# e2e smoke test against ${BASE_URL} with ${CHROMIUM}`);

  const state = {};
  let desktop;
  const launched = await check('launch chromium (desktop 1280x900)', async () => {
    desktop = await launch('desktop', { viewport: { width: 1280, height: 900 } });
    return desktop.browser() ? desktop.browser().version() : 'persistent context';
  });

  if (launched) {
    const page = watch(desktop.pages()[0] || (await desktop.newPage()));

    // ---- home -------------------------------------------------------------------------------
    await check('home: GET / renders a Korean page (200, lang=ko, title)', async () => {
      const resp = await page.goto(`${BASE_URL}/`, { waitUntil: 'load' });
      const title = await expectKoreanPage(page, resp, 'GET /');
      state.home = true;
      await screenshot(page, 'home');
      return `title: ${title}`;
    });

    await check('home: h1 is visible, non-empty and Korean', async () => {
      need(state.home, 'the home page');
      const h1 = page.locator('h1').first();
      if (!(await h1.isVisible())) throw new Error('no visible <h1>');
      const text = norm(await h1.innerText());
      if (!text) throw new Error('<h1> is empty');
      const body = await page.locator('body').innerText();
      if (!HANGUL.test(text) && !HANGUL.test(body)) throw new Error('no Hangul text on the page');
      return `h1: ${text}`;
    });

    await check('home: axe WCAG 2 A/AA', async () => {
      need(state.home, 'the home page');
      return runAxe(page, 'home');
    });

    await check('home: filter form #home-filter with region and category selects', async () => {
      need(state.home, 'the home page');
      const form = page.locator('form#home-filter');
      if ((await form.count()) !== 1) throw new Error('no form#home-filter');
      const action = await form.getAttribute('action');
      if (!/\/announcements$/.test(action || '')) throw new Error(`form action is ${JSON.stringify(action)}`);
      const regions = await page.locator('#f-region option').evaluateAll((os) => os.map((o) => o.value));
      const cats = await page.locator('#f-category option').evaluateAll((os) => os.map((o) => o.value));
      for (const want of ['11', '31']) {
        if (!regions.includes(want)) throw new Error(`#f-region has no option value "${want}" (has ${regions.slice(0, 20).join(',')})`);
      }
      if (!cats.includes(CATEGORY)) throw new Error(`#f-category has no option "${CATEGORY}" (has ${cats.join(',')})`);
      const labelled = await page.evaluate(() =>
        ['f-region', 'f-category'].every((id) => {
          const el = document.getElementById(id);
          return el && (el.labels.length > 0 || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby'));
        }),
      );
      if (!labelled) throw new Error('a filter select has no label');
      state.form = true;
      return `${regions.length} region options, ${cats.length} category options`;
    });

    // ---- listing ----------------------------------------------------------------------------
    await check(`filter: category ${CATEGORY} submits to /announcements`, async () => {
      need(state.form, 'the home filter form');
      await page.selectOption('#f-category', CATEGORY);
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/announcements', { waitUntil: 'load' }),
        page.locator('#home-filter button[type="submit"]').first().click(),
      ]);
      const u = new URL(page.url());
      if (u.searchParams.get('category') !== CATEGORY) {
        throw new Error(`listing URL ${page.url()} does not carry category=${CATEGORY}`);
      }
      state.listingUrl = page.url();
      return decodeURI(u.pathname + u.search);
    });

    await check('listing: #result-count > 0 and at least one .ann-link', async () => {
      need(state.listingUrl, 'the listing page');
      const h1 = norm(await page.locator('h1').first().innerText());
      if (!h1) throw new Error('listing <h1> is empty');
      const countText = norm(await page.locator('#result-count').first().innerText());
      const m = countText.match(/\d[\d,]*/);
      const count = m ? Number(m[0].replace(/,/g, '')) : NaN;
      if (!(count > 0)) throw new Error(`#result-count is "${countText}"`);
      const links = await page.locator('ol.ann-list li.ann-item a.ann-link').count();
      if (links < 1) throw new Error('no ol.ann-list > li.ann-item a.ann-link');
      await screenshot(page, 'listing');
      state.listing = true;
      return `result-count "${countText}", ${links} links on the page`;
    });

    await check('listing: axe WCAG 2 A/AA', async () => {
      need(state.listing, 'the listing page');
      return runAxe(page, 'listing');
    });

    // ---- announcement -----------------------------------------------------------------------
    await check('detail: first .ann-link opens the announcement with the same title', async () => {
      need(state.listing, 'the listing page');
      const link = page.locator('ol.ann-list li.ann-item a.ann-link').first();
      const linkText = norm(await link.innerText());
      const href = await link.getAttribute('href');
      if (!/^\/announcements\/[^/?#]+$/.test(href || '')) throw new Error(`link href is ${JSON.stringify(href)}`);
      let resp;
      [resp] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), link.click()]);
      await expectKoreanPage(page, resp, `GET ${href}`);
      const title = norm(await page.locator('h1.ann-title').first().innerText());
      if (title !== linkText) throw new Error(`h1.ann-title "${title}" != link text "${linkText}"`);
      const facts = await page.locator('dl.ann-facts').first();
      if (!(await facts.isVisible())) throw new Error('no visible dl.ann-facts');
      const dts = await page.locator('dl.ann-facts dt').count();
      if (dts < 1) throw new Error('dl.ann-facts has no <dt>');
      await screenshot(page, 'detail');
      state.detailUrl = page.url();
      return `${href}: ${title} (${dts} facts)`;
    });

    await check('detail: axe WCAG 2 A/AA', async () => {
      need(state.detailUrl, 'the announcement page');
      return runAxe(page, 'detail');
    });
  }

  // ---- mobile -------------------------------------------------------------------------------
  let mobile;
  const mobileUp = await check(`launch chromium (mobile ${MOBILE.width}x${MOBILE.height})`, async () => {
    mobile = await launch('mobile', { viewport: MOBILE, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  });
  if (mobileUp) {
    const page = watch(mobile.pages()[0] || (await mobile.newPage()));
    const listingUrl = state.listingUrl || `${BASE_URL}/announcements?category=${encodeURIComponent(CATEGORY)}`;
    const pages = [
      ['home', `${BASE_URL}/`],
      ['listing', listingUrl],
      ['detail', state.detailUrl],
    ];
    for (const [name, url] of pages) {
      await check(`mobile ${MOBILE.width}x${MOBILE.height}: no horizontal overflow on ${name}`, async () => {
        need(url, `the ${name} page URL`);
        const resp = await page.goto(url, { waitUntil: 'load' });
        if (!resp || resp.status() !== 200) throw new Error(`GET ${url} answered ${resp ? resp.status() : 'nothing'}`);
        await screenshot(page, `mobile-${name}`);
        const o = await overflow(page, MOBILE.width);
        if (o.scrollWidth > MOBILE.width) {
          throw new Error(`scrollWidth ${o.scrollWidth} > ${MOBILE.width}; widest: ${o.culprits.join('; ') || 'n/a'}`);
        }
        return `scrollWidth ${o.scrollWidth}`;
      });
    }
  }

  await check('browser: no JS errors, console errors or failed requests', async () => {
    need(launched, 'a browser');
    if (browserProblems.length) {
      for (const p of browserProblems.slice(0, 20)) log(`#   ${p.slice(0, 300)}`);
      throw new Error(`${browserProblems.length} problem(s), first: ${browserProblems[0].slice(0, 200)}`);
    }
  });

  for (const ctx of [desktop, mobile]) {
    if (ctx) await ctx.close().catch(() => {});
  }
}

function cleanup() {
  for (const dir of profiles) {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch (_) {
      /* ignore */
    }
  }
}

const WATCHDOG_MS = Number(process.env.E2E_TIMEOUT_MS || 240000);
const watchdog = setTimeout(() => {
  failed += 1;
  log(`not ok - whole run finished within ${WATCHDOG_MS} ms: watchdog fired`);
  log(`e2e: ${passed} passed, ${failed} failed`);
  cleanup();
  process.exit(1);
}, WATCHDOG_MS);

main()
  .catch((err) => {
    failed += 1;
    log(`not ok - smoke test crashed: ${norm(err && err.stack ? err.stack.split('\n')[0] : err)}`);
  })
  .finally(() => {
    clearTimeout(watchdog);
    cleanup();
    log(`# screenshots in ${SHOT_DIR}`);
    log(`e2e: ${passed} passed, ${failed} failed`);
    process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
  });
