#!/usr/bin/env node
// Browser smoke test for jiwon.
//
//   BASE_URL=http://127.0.0.1:8080 node tests/e2e/smoke.js
//
// Drives Debian's Chromium (/usr/bin/chromium) through playwright-core (no browser download),
// runs axe-core (WCAG 2.x A/AA rules) on the home, listing and announcement pages, follows the
// home filter form to the listing and from there to one announcement, and checks a 390x844
// mobile viewport for horizontal overflow. On the phone it then walks an owner through the site:
// the header at 390 px, sign-up (first with mistakes), the verification mail from the development
// outbox (/dev/outbox, so the server must run without SMTP and not in production — `jiwon demo`),
// confirm, log out and in, the business profile (사업자등록번호 check digit, KSIC, 울산 시군구), a
// subscription from a search result, a bookmark, the consent history and, signed out, the
// email-only subscription form through to its confirm link; every one of those pages gets axe,
// the overflow check and a tap-size check, the signed-in ones axe at desktop width too, and the
// subscription forms are walked with Tab. Signed in as the demo agency's editor (credentials read
// from the demo server's log, DEMO_LOG), it opens the console, the demo draft and its alert page
// (reach before publishing), publishes it with the console's button, reads the results (sends per
// channel, views D-5…D+7) and the alert mail in the outbox; then, as the operator, /admin/jobs
// and /admin/deliveries — axe, overflow and tap sizes on each. Each check prints `ok - NAME` or
// `not ok - NAME: REASON`; the last line is `e2e: N passed, M failed`; exit code 1 on failure.
//
// Environment:
//   BASE_URL            server under test (default http://127.0.0.1:8080)
//   DEMO_LOG            the `jiwon demo` output with its staff accounts; without it (or without
//                       editor and operator lines) the agency pages print `SKIPPED: agency pages: …`
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

// Error statuses a check provokes on purpose (a form re-rendered with 422): `expectHttp` before
// submitting; each expectation is used up by one matching response.
const expectedHttp = [];
function expectHttp(method, pathname, status) {
  expectedHttp.push({ method, pathname, status });
}
function expected(r) {
  let pathname;
  try {
    pathname = new URL(r.url()).pathname;
  } catch (_) {
    return false;
  }
  const i = expectedHttp.findIndex(
    (e) => e.status === r.status() && e.method === r.request().method() && e.pathname === pathname,
  );
  if (i < 0) return false;
  expectedHttp.splice(i, 1);
  return true;
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
    if (r.status() >= 400 && !/\/favicon\.ico$/.test(r.url()) && !expected(r)) {
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

// ---- owner and alert pages ------------------------------------------------------------------
//
// A person on a phone: signs up (first with mistakes), opens the verification mail in the
// development outbox (/dev/outbox — `jiwon demo` has no SMTP), confirms, logs out and in again,
// fills in the business profile, subscribes to new announcements from a search, bookmarks an
// announcement, reads the consent history, and finally (signed out) opens the email-only
// subscription form. Every page gets axe and the 390 px overflow check; the signed-in pages are
// then checked with axe at desktop width too.

// 사업자등록번호 with a valid check digit (weights 1 3 7 1 3 7 1 3 5, plus ⌊5·d9/10⌋;
// src/alerts/profile.rs normalize_business_number).
function businessNumber(first9) {
  const W = [1, 3, 7, 1, 3, 7, 1, 3, 5];
  const d = first9.split('').map(Number);
  let sum = d.reduce((s, x, i) => s + x * W[i], 0);
  sum += Math.floor((d[8] * 5) / 10);
  const check = (10 - (sum % 10)) % 10;
  return `${first9.slice(0, 3)}-${first9.slice(3, 5)}-${first9.slice(5)}${check}`;
}

function decodeQuotedPrintable(s) {
  const bytes = [];
  const src = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < src.length; i += 1) {
    if (src[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(src.slice(i + 1, i + 3))) {
      bytes.push(parseInt(src.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(src[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

// The decoded text/plain part of a raw message (lettre writes base64 or quoted-printable).
function mailText(raw) {
  const eml = raw.replace(/\r\n/g, '\n');
  const boundaries = [...eml.matchAll(/boundary="?([^";\n]+)"?/gi)].map((m) => m[1]);
  let parts = [eml];
  for (const b of boundaries) parts = parts.flatMap((p) => p.split(`--${b}`));
  for (const part of parts) {
    const p = part.replace(/^\n+/, '');
    const cut = p.indexOf('\n\n');
    if (cut < 0) continue;
    const headers = p.slice(0, cut).toLowerCase();
    const body = p.slice(cut + 2);
    if (!/content-type:\s*text\/plain/.test(headers)) continue;
    if (/content-transfer-encoding:\s*base64/.test(headers)) {
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    }
    if (/content-transfer-encoding:\s*quoted-printable/.test(headers)) return decodeQuotedPrintable(body);
    return body;
  }
  return null;
}

// Open /dev/outbox in the browser until a message to `address` shows up, open it, and return
// { name, text, link } where link is the first `<pathPrefix><token>` URL in its text.
async function mailFromOutbox(page, address, pathPrefix, timeoutMs = 60000) {
  const seen = new Set();
  const deadline = Date.now() + timeoutMs;
  const wanted = new RegExp(`https?://[^\\s"'<>]+${pathPrefix.replace(/[/.]/g, '\\$&')}[A-Za-z0-9_-]+`);
  for (;;) {
    const resp = await page.goto(`${BASE_URL}/dev/outbox`, { waitUntil: 'load' });
    if (!resp || resp.status() !== 200) {
      throw new Error(`GET /dev/outbox answered ${resp ? resp.status() : 'nothing'} (is this a production server?)`);
    }
    const hrefs = await page.locator('a[href^="/dev/outbox/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    for (const href of hrefs.slice(0, 50)) {
      if (seen.has(href)) continue;
      seen.add(href);
      const r = await page.request.get(`${BASE_URL}${href}`);
      if (r.status() !== 200) continue;
      const raw = await r.text();
      const to = raw.split(/\r?\n/).find((l) => /^to:/i.test(l)) || '';
      if (!to.toLowerCase().includes(address.toLowerCase())) continue;
      // The person clicks the message in the list.
      const [nav] = await Promise.all([
        page.waitForNavigation({ waitUntil: 'load' }),
        page.locator(`a[href="${href}"]`).first().click(),
      ]);
      if (!nav || nav.status() !== 200) throw new Error(`opening ${href} answered ${nav ? nav.status() : 'nothing'}`);
      const text = mailText(await nav.text());
      if (!text) throw new Error(`${href} has no text/plain part`);
      const m = text.match(wanted);
      if (!m) throw new Error(`${href} (to ${address}) has no ${pathPrefix}… link: ${norm(text).slice(0, 160)}`);
      return { name: href.split('/').pop(), text, link: m[0] };
    }
    if (Date.now() > deadline) {
      throw new Error(`no mail to ${address} in /dev/outbox after ${Math.round(timeoutMs / 1000)} s (${seen.size} messages looked at)`);
    }
    await page.waitForTimeout(2000);
  }
}

// The mailed link, on the server under test (the mail carries the server's configured base URL).
function onServer(link) {
  const u = new URL(link);
  if (u.origin !== new URL(BASE_URL).origin) log(`#   mailed link is on ${u.origin}; following its path on ${BASE_URL}`);
  return `${BASE_URL}${u.pathname}${u.search}`;
}

// Header at phone width: every link, button and the search box rendered, inside the viewport,
// on one line, not clipped by an ancestor, not covered by or overlapping another.
async function headerLayout(page, width) {
  return page.evaluate((w) => {
    const problems = [];
    const items = [...document.querySelectorAll('.site-header a:not(.skip), .site-header button, .site-header input:not([type="hidden"])')];
    const boxes = [];
    for (const el of items) {
      const label = norm(el.innerText || el.value || el.getAttribute('placeholder') || el.tagName);
      const r = el.getBoundingClientRect();
      if (r.width < 1 || r.height < 1) {
        problems.push(`"${label}" is not rendered`);
        continue;
      }
      if (r.left < -0.5 || r.right > w + 0.5) problems.push(`"${label}" spans x ${Math.round(r.left)}..${Math.round(r.right)}, outside 0..${w}`);
      if (el.closest('.top-nav') && r.height + 0.5 < 44) problems.push(`"${label}" is ${Math.round(r.height)} px tall, less than 44 px to tap`);
      const lines = el.getClientRects().length;
      if (lines > 1) problems.push(`"${label}" breaks over ${lines} lines`);
      if (getComputedStyle(el).display !== 'inline' && el.scrollWidth > el.clientWidth + 1 && el.tagName !== 'INPUT') {
        problems.push(`"${label}" text is wider than its box (${el.scrollWidth} > ${el.clientWidth})`);
      }
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const cs = getComputedStyle(p);
        if (cs.overflowX === 'visible' && cs.overflowY === 'visible') continue;
        const pr = p.getBoundingClientRect();
        if (r.left < pr.left - 0.5 || r.right > pr.right + 0.5 || r.top < pr.top - 0.5 || r.bottom > pr.bottom + 0.5) {
          problems.push(`"${label}" is clipped by ${p.tagName.toLowerCase()}.${[...p.classList].join('.')}`);
        }
      }
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      if (!hit || !(el === hit || el.contains(hit) || hit.contains(el))) {
        problems.push(`"${label}" is covered by ${hit ? hit.tagName.toLowerCase() : 'nothing'}`);
      }
      boxes.push([label, r]);
    }
    for (let i = 0; i < boxes.length; i += 1) {
      for (let j = i + 1; j < boxes.length; j += 1) {
        const [la, a] = boxes[i];
        const [lb, b] = boxes[j];
        const ox = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const oy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (ox > 1 && oy > 1) problems.push(`"${la}" overlaps "${lb}"`);
      }
    }
    function norm(s) {
      return String(s || '').replace(/\s+/g, ' ').trim();
    }
    return { problems, labels: boxes.map(([l]) => l) };
  }, width);
}

// Form controls in <main> big enough to hit on a phone: text fields, selects and buttons at
// least 44 px tall (the site's own standard, site.css), `.small-button`s and everything else at
// least 24x24 (WCAG 2.5.8). Checkboxes and radios count through their label.
async function tapTargets(page) {
  return page.evaluate(() => {
    const small = [];
    let n = 0;
    for (const el of document.querySelectorAll('main input, main select, main textarea, main button, main a.button')) {
      if (el.type === 'hidden' || !el.getClientRects().length) continue;
      let box = el.getBoundingClientRect();
      let min = 44;
      let minW = 24;
      if (el.type === 'checkbox' || el.type === 'radio') {
        const label = el.closest('label') || (el.labels && el.labels[0]);
        if (!label) continue;
        box = label.getBoundingClientRect();
        min = 24;
      } else if (el.classList.contains('small-button')) {
        min = 24;
      }
      n += 1;
      if (box.height + 0.5 < min || box.width + 0.5 < minW) {
        const name = el.id || el.name || (el.innerText || '').trim().slice(0, 20) || el.tagName.toLowerCase();
        small.push(`${name} ${Math.round(box.width)}x${Math.round(box.height)} (< ${min} px)`);
      }
    }
    return { n, small };
  });
}

// Every visible control of `formSelector` has a non-empty label; returns how many.
async function labelledControls(page, formSelector) {
  const res = await page.locator(formSelector).first().evaluate((form) => {
    const unlabelled = [];
    let n = 0;
    for (const el of form.querySelectorAll('input, select, textarea')) {
      if (el.type === 'hidden' || el.disabled || !el.getClientRects().length) continue;
      n += 1;
      const byLabel = [...(el.labels || [])].map((l) => l.innerText.trim()).join(' ');
      const byAria = el.getAttribute('aria-label') || (el.getAttribute('aria-labelledby') || '')
        .split(/\s+/).map((id) => (document.getElementById(id) || {}).innerText || '').join(' ');
      if (!(byLabel + byAria).trim()) unlabelled.push(el.id || `${el.type}[name=${el.name}]`);
    }
    return { n, unlabelled };
  });
  if (res.unlabelled.length) throw new Error(`controls without a label: ${res.unlabelled.join(', ')}`);
  return res.n;
}

// Press Tab from the top of the page through `formSelector`: every control is reached (a radio
// group counts once — arrow keys move inside it), shows a focus outline, and ends up on screen.
async function tabThrough(page, formSelector) {
  // Tag the form's controls with the key they count under (one per radio group).
  const wanted = await page.locator(formSelector).first().evaluate((form) => {
    const keys = [];
    for (const el of form.querySelectorAll('input, select, textarea, button, a[href]')) {
      if (el.type === 'hidden' || el.disabled || !el.getClientRects().length) continue;
      const key = el.type === 'radio'
        ? `radio:${el.name}`
        : el.id || `${el.tagName.toLowerCase()}:${el.name || ''}:${el.value || el.innerText.trim() || ''}`;
      el.dataset.e2eKey = key;
      if (!keys.includes(key)) keys.push(key);
    }
    return keys;
  });
  await page.evaluate(() => {
    if (document.activeElement) document.activeElement.blur();
    window.scrollTo(0, 0);
  });
  await page.keyboard.press('Tab'); // into the document (skip link)
  const reached = new Set();
  const problems = [];
  let inside = false;
  const limit = wanted.length + 60;
  for (let i = 0; i < limit; i += 1) {
    const info = await page.evaluate((sel) => {
      const el = document.activeElement;
      const form = document.querySelector(sel);
      if (!el || !form || !form.contains(el)) return { inside: false };
      const r = el.getBoundingClientRect();
      const cs = getComputedStyle(el);
      return {
        inside: true,
        key: el.dataset.e2eKey || `${el.tagName.toLowerCase()} (not a visible control)`,
        outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0,
        onScreen: r.bottom > 0 && r.top < window.innerHeight && r.right > 0 && r.left < window.innerWidth,
      };
    }, formSelector);
    if (info.inside) {
      inside = true;
      reached.add(info.key);
      if (!info.outline) problems.push(`${info.key} has no focus outline`);
      if (!info.onScreen) problems.push(`${info.key} is focused off screen`);
    } else if (inside) {
      break; // Tab left the form
    }
    await page.keyboard.press('Tab');
  }
  const missing = wanted.filter((k) => !reached.has(k));
  if (missing.length) problems.unshift(`not reached with Tab: ${missing.slice(0, 8).join(', ')}${missing.length > 8 ? ' …' : ''}`);
  if (problems.length) throw new Error(problems.slice(0, 4).join('; '));
  return `${reached.size} stops, all ${wanted.length} controls reached`;
}

// axe, the 390 px overflow check and the tap-size check on whatever `page` shows now.
async function phoneChecks(page, name, ok) {
  const W = MOBILE.width;
  await check(`${name}: axe WCAG 2 A/AA (mobile)`, async () => {
    need(ok, `the ${name} page`);
    return runAxe(page, name);
  });
  await check(`${name}: no horizontal overflow at ${W} px`, async () => {
    need(ok, `the ${name} page`);
    await screenshot(page, `mobile-${name.replace(/[^a-z0-9]+/gi, '-')}`);
    const o = await overflow(page, W);
    if (o.scrollWidth > W) throw new Error(`scrollWidth ${o.scrollWidth} > ${W}; widest: ${o.culprits.join('; ') || 'n/a'}`);
    return `scrollWidth ${o.scrollWidth}`;
  });
  await check(`${name}: form controls big enough to tap at ${W} px`, async () => {
    need(ok, `the ${name} page`);
    const t = await tapTargets(page);
    if (t.small.length) throw new Error(`too small: ${t.small.slice(0, 5).join('; ')}`);
    return `${t.n} controls`;
  });
}

// Click something that navigates and wait for the new page.
async function clickAndWaitOn(page, locator, waitFor) {
  const [resp] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load', ...(waitFor ? { url: waitFor } : {}) }),
    locator.click(),
  ]);
  return resp;
}

async function ownerFlow(mobile, desktop) {
  const page = watch(mobile.newPage ? await mobile.newPage() : mobile.pages()[0]);
  const W = MOBILE.width;
  const run = Date.now().toString(36) + Math.random().toString(36).slice(2, 6);
  const email = `e2e-${run}@example.com`;
  const password = `e2e 비밀번호 ${run}`;
  const bn9 = String(100000000 + Math.floor(Math.random() * 899999999));
  const goodBn = businessNumber(bn9);
  const badBn = goodBn.slice(0, -1) + String((Number(goodBn.slice(-1)) + 1) % 10);
  const s = {};
  const visited = []; // [name, url] of signed-in pages, for the desktop axe pass

  const pageChecks = (name, ok) => phoneChecks(page, name, ok);
  const clickAndWait = (locator, waitFor) => clickAndWaitOn(page, locator, waitFor);

  // The error summary's links each lead to something on the page.
  async function summaryLinks(selector) {
    const hrefs = await page.locator(`${selector} a[href^="#"]`).evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    if (!hrefs.length) throw new Error(`${selector} has no links to the fields`);
    const { dangling, outOfOrder } = await page.evaluate((hs) => {
      const els = hs.map((h) => document.getElementById(h.slice(1)));
      const bad = [];
      for (let i = 1; i < els.length; i += 1) {
        if (els[i - 1] && els[i] && !(els[i - 1].compareDocumentPosition(els[i]) & Node.DOCUMENT_POSITION_FOLLOWING)) {
          bad.push(`${hs[i - 1]} before ${hs[i]}`);
        }
      }
      return { dangling: hs.filter((h, i) => !els[i]), outOfOrder: bad };
    }, hrefs);
    if (dangling.length) throw new Error(`error summary links to nothing: ${dangling.join(', ')}`);
    if (outOfOrder.length) throw new Error(`error summary is not in the form's order: ${outOfOrder.join(', ')}`);
  }

  async function fieldError(inputId) {
    const el = page.locator(`#${inputId}`);
    const invalid = await el.getAttribute('aria-invalid');
    const described = (await el.getAttribute('aria-describedby')) || '';
    const errId = described.split(/\s+/).find((id) => /-error$/.test(id));
    if (invalid !== 'true' || !errId) throw new Error(`#${inputId} is not marked invalid (aria-invalid=${invalid}, aria-describedby="${described}")`);
    const msg = norm(await page.locator(`#${errId}`).innerText());
    if (!HANGUL.test(msg)) throw new Error(`#${errId} is not a Korean message: "${msg}"`);
    return msg;
  }

  // 1. header on home at 390 px, signed out
  await check(`header ${W} px (signed out): links 가입, 알림 받기, 로그인 … inside the screen, none cut off`, async () => {
    const resp = await page.goto(`${BASE_URL}/`, { waitUntil: 'load' });
    await expectKoreanPage(page, resp, 'GET /');
    const h = await headerLayout(page, W);
    for (const want of ['가입', '알림 받기', '로그인', '공고 찾기']) {
      if (!h.labels.includes(want)) throw new Error(`no header link "${want}" (has ${h.labels.join(', ')})`);
    }
    await screenshot(page, 'mobile-header-signed-out');
    if (h.problems.length) throw new Error(h.problems.slice(0, 4).join('; '));
    return h.labels.join(' · ');
  });

  // 2. sign-up with mistakes
  await check('signup: header 가입 opens the sign-up form', async () => {
    const resp = await clickAndWait(page.locator('.site-header a[href="/signup"]'));
    await expectKoreanPage(page, resp, 'GET /signup');
    if ((await page.locator('form[action="/signup"]').count()) !== 1) throw new Error('no form[action="/signup"]');
    s.signup = true;
    return `${await labelledControls(page, 'form[action="/signup"]')} labelled controls`;
  });
  await pageChecks('signup', s.signup);

  await check('signup: bad input re-renders the form with Korean errors at the fields', async () => {
    need(s.signup, 'the sign-up form');
    await page.fill('#i-email', 'sajang-at-example.com');
    await page.fill('#i-password', 'short');
    await page.fill('#i-password_confirm', 'different');
    expectHttp('POST', '/signup', 422);
    const resp = await clickAndWait(page.locator('form[action="/signup"] button[type="submit"]'));
    if (!resp || resp.status() !== 422) throw new Error(`POST /signup answered ${resp ? resp.status() : 'nothing'}, expected 422`);
    const summary = norm(await page.locator('#error-summary').innerText());
    if (!HANGUL.test(summary)) throw new Error(`no Korean error summary (#error-summary: "${summary}")`);
    const msgs = [];
    for (const id of ['i-email', 'i-password', 'i-agree']) msgs.push(await fieldError(id));
    await summaryLinks('#error-summary');
    if ((await page.inputValue('#i-email')) !== 'sajang-at-example.com') throw new Error('the email typed was not kept');
    s.signupErrors = true;
    return msgs.join(' / ');
  });
  await pageChecks('signup-errors', s.signupErrors);

  // 3. sign up properly, verify from the outbox, log out, log in
  await check('signup: good input → "확인 메일을 보냈습니다"', async () => {
    need(s.signup, 'the sign-up form');
    await page.fill('#i-email', email);
    await page.fill('#i-password', password);
    await page.fill('#i-password_confirm', password);
    await page.fill('#i-display_name', '김사장');
    await page.check('#i-agree');
    const resp = await clickAndWait(page.locator('form[action="/signup"] button[type="submit"]'));
    if (!resp || resp.status() !== 200 || new URL(page.url()).pathname !== '/signup/sent') {
      throw new Error(`ended on ${page.url()} (HTTP ${resp ? resp.status() : '-'})`);
    }
    s.sent = true;
    return email;
  });
  await check('signup: the "sent" page\'s resend field holds the address just used', async () => {
    need(s.sent, 'a sign-up');
    const field = page.locator('form[action="/verify/resend"] input[name="email"]');
    if ((await field.count()) !== 1) throw new Error('no resend form with an email field on /signup/sent');
    const value = await field.inputValue();
    if (value !== email) throw new Error(`the resend field holds "${value}", expected "${email}"`);
    return value;
  });
  await pageChecks('signup-sent', s.sent);

  await check('signup: the verification mail is in /dev/outbox with a /verify/ link', async () => {
    need(s.sent, 'a sign-up');
    const mail = await mailFromOutbox(page, email, '/verify/');
    s.verifyLink = mail.link;
    return mail.name;
  });

  await check('verify: the link opens a confirm page (GET spends nothing), its button signs in → /me', async () => {
    need(s.verifyLink, 'the verification link');
    const resp = await page.goto(onServer(s.verifyLink), { waitUntil: 'load' });
    await expectKoreanPage(page, resp, 'GET /verify/…');
    s.verify = true;
    await runAxe(page, 'verify');
    const o = await overflow(page, W);
    await screenshot(page, 'mobile-verify');
    if (o.scrollWidth > W) throw new Error(`verify page scrollWidth ${o.scrollWidth} > ${W}`);
    const form = page.locator('form[action^="/verify/"][method="post"]');
    if ((await form.count()) !== 1) throw new Error('no POST form on the verify page');
    await clickAndWait(form.locator('button[type="submit"]'));
    const u = new URL(page.url());
    if (u.pathname !== '/me') throw new Error(`confirming went to ${page.url()}`);
    const notice = norm(await page.locator('.notice[role="status"]').first().innerText());
    if (!/확인/.test(notice)) throw new Error(`no "verified" notice on /me (got "${notice}")`);
    s.me = true;
    return notice;
  });

  await check('logout and login: header 로그아웃, then 로그인 with the new account → /me', async () => {
    need(s.me, 'a verified owner');
    await clickAndWait(page.locator('.site-header form[action="/logout"] button'));
    if ((await page.locator('.site-header a[href="/login"]').count()) !== 1) throw new Error('still signed in after 로그아웃');
    const resp = await clickAndWait(page.locator('.site-header a[href="/login"]'));
    await expectKoreanPage(page, resp, 'GET /login');
    s.login = true;
    await page.fill('#email', email);
    await page.fill('#password', password);
    // Leave the login page on screen for the checks below: they run before submitting.
    return 'login form filled';
  });
  await pageChecks('login', s.login);
  await check('login: submit → /me with the account shown', async () => {
    need(s.login, 'the login form');
    await clickAndWait(page.locator('form[action="/login"] button[type="submit"]'));
    if (new URL(page.url()).pathname !== '/me') throw new Error(`login went to ${page.url()}`);
    const body = await page.locator('main').innerText();
    if (!body.includes(email)) throw new Error(`/me does not show ${email}`);
    s.loggedIn = true;
    visited.push(['me', `${BASE_URL}/me`]);
    return norm(await page.locator('h1').first().innerText());
  });
  await pageChecks('me', s.loggedIn);

  await check(`header ${W} px (signed in): 내 정보, 내 알림, 로그아웃 inside the screen, none cut off`, async () => {
    need(s.loggedIn, 'a signed-in owner');
    const h = await headerLayout(page, W);
    for (const want of ['내 정보', '내 알림', '로그아웃']) {
      if (!h.labels.includes(want)) throw new Error(`no header item "${want}" (has ${h.labels.join(', ')})`);
    }
    await screenshot(page, 'mobile-header-signed-in');
    if (h.problems.length) throw new Error(h.problems.slice(0, 4).join('; '));
    return h.labels.join(' · ');
  });

  // 4. business profile
  await check('profile: /me → 사업 정보·알림 설정 form', async () => {
    need(s.loggedIn, 'a signed-in owner');
    const resp = await clickAndWait(page.locator('main a[href="/me/profile"]').first());
    await expectKoreanPage(page, resp, 'GET /me/profile');
    s.profile = true;
    visited.push(['profile', `${BASE_URL}/me/profile`]);
    return `${await labelledControls(page, 'form[action="/me/profile"]')} labelled controls`;
  });
  await pageChecks('profile', s.profile);

  await check(`profile: 사업자등록번호 with a wrong check digit (${badBn}) → Korean error at the field`, async () => {
    need(s.profile, 'the profile form');
    await page.fill('#i-business_number', badBn);
    await page.fill('#i-business_name', '지원식당');
    await page.fill('#i-ksic_code', '56111');
    expectHttp('POST', '/me/profile', 422);
    const resp = await clickAndWait(page.locator('form[action="/me/profile"] button[type="submit"]'));
    if (!resp || resp.status() !== 422) throw new Error(`POST /me/profile answered ${resp ? resp.status() : 'nothing'}, expected 422`);
    const msg = await fieldError('i-business_number');
    await summaryLinks('#error-summary');
    if ((await page.inputValue('#i-business_name')) !== '지원식당') throw new Error('상호 typed was not kept');
    s.profileErrors = true;
    return msg;
  });
  await pageChecks('profile-errors', s.profileErrors);

  await check(`profile: ${goodBn}, KSIC 56111, a 시군구 in 울산 → saved and shown on /me`, async () => {
    need(s.profile, 'the profile form');
    await page.fill('#i-business_number', goodBn);
    await page.fill('#i-ksic_code', '56111');
    const ulsan = await page.locator('#i-region_code optgroup[label*="울산"] option').evaluateAll((os) =>
      os.filter((o) => !/전체$/.test(o.textContent.trim())).map((o) => ({ value: o.value, text: o.textContent.trim() })));
    if (!ulsan.length) throw new Error('no 울산 시군구 in #i-region_code');
    const region = ulsan.find((o) => /남구/.test(o.text)) || ulsan[0];
    await page.selectOption('#i-region_code', region.value);
    const resp = await clickAndWait(page.locator('form[action="/me/profile"] button[type="submit"]'));
    if (!resp || resp.status() !== 200 || !/saved=1/.test(page.url())) throw new Error(`saving ended on ${page.url()} (HTTP ${resp ? resp.status() : '-'})`);
    const notice = norm(await page.locator('.notice[role="status"]').first().innerText());
    if (!/저장/.test(notice)) throw new Error(`no "저장했습니다" notice (got "${notice}")`);
    await page.goto(`${BASE_URL}/me`, { waitUntil: 'load' });
    const facts = norm(await page.locator('#h-business + dl, section[aria-labelledby="h-business"] dl').first().innerText());
    for (const want of [goodBn, '56111', region.text.replace(/^울산광?역?시?\s*/, '')]) {
      if (!facts.includes(want)) throw new Error(`/me 사업 정보 does not show "${want}": ${facts}`);
    }
    return `${region.text}; ${notice}`;
  });

  // 5. subscription from a search result
  await check('alerts: search 창업 → "이 조건으로 새 공고 알림 받기" → pre-filled subscription form', async () => {
    need(s.loggedIn, 'a signed-in owner');
    await page.fill('#site-q', CATEGORY);
    await Promise.all([page.waitForURL((u) => u.pathname === '/announcements', { waitUntil: 'load' }), page.press('#site-q', 'Enter')]);
    const link = page.locator('a', { hasText: '이 조건으로 새 공고 알림 받기' }).first();
    if ((await link.count()) !== 1) throw new Error('no "이 조건으로 새 공고 알림 받기" link on the result page');
    s.searchUrl = page.url();
    const resp = await clickAndWait(link);
    await expectKoreanPage(page, resp, 'GET /alerts/new');
    const kw = await page.inputValue('#i-keywords');
    if (kw !== CATEGORY) throw new Error(`키워드 is "${kw}", expected the search "${CATEGORY}"`);
    s.subForm = true;
    s.subName = await page.inputValue('#i-name');
    visited.push(['subscription-form', page.url()]);
    return `${decodeURI(new URL(page.url()).search)}; name "${s.subName}"`;
  });
  await pageChecks('subscription-form', s.subForm);
  await check('alerts: no web push choice (the demo has no VAPID key), and the form says why', async () => {
    need(s.subForm, 'the subscription form');
    const push = await page.locator('form[action="/alerts"] input[name="channel"][value="push"]').count();
    if (push) throw new Error('a web push checkbox is offered without VAPID keys');
    const offered = await page.locator('form[action="/alerts"] input[name="channel"]').evaluateAll((es) => es.map((e) => e.value));
    if (!offered.includes('email')) throw new Error(`channels offered: ${offered.join(', ')}`);
    const hint = norm(await page.locator('form[action="/alerts"]').innerText());
    if (!/웹 푸시[^.]*준비 중/.test(hint)) throw new Error('no hint that web push is not ready');
    return `channels: ${offered.join(', ')}`;
  });
  await check('alerts: every subscription-form control has a label', async () => {
    need(s.subForm, 'the subscription form');
    return `${await labelledControls(page, 'form[action="/alerts"]')} controls`;
  });
  await check('alerts: the subscription form can be filled with Tab alone', async () => {
    need(s.subForm, 'the subscription form');
    return tabThrough(page, 'form[action="/alerts"]');
  });

  await check('alerts: 알림 신청 (울산 too) → listed on /me/subscriptions', async () => {
    need(s.subForm, 'the subscription form');
    await page.locator('#f-region label', { hasText: '울산' }).first().locator('input').check();
    const resp = await clickAndWait(page.locator('form[action="/alerts"] button[type="submit"]'));
    if (!resp || resp.status() !== 200 || new URL(page.url()).pathname !== '/me/subscriptions') {
      throw new Error(`ended on ${page.url()} (HTTP ${resp ? resp.status() : '-'})`);
    }
    const item = page.locator('.sub-list li', { hasText: s.subName });
    if ((await item.count()) < 1) throw new Error(`"${s.subName}" is not in .sub-list`);
    const text = norm(await item.first().innerText());
    if (!text.includes(CATEGORY) || !text.includes('울산')) throw new Error(`listed as "${text}"`);
    s.subs = true;
    visited.push(['subscriptions', `${BASE_URL}/me/subscriptions`]);
    return text.slice(0, 120);
  });
  await pageChecks('subscriptions', s.subs);

  // 6. bookmark
  await check('bookmarks: an announcement\'s "관심 공고로 저장" → listed on /me/bookmarks', async () => {
    need(s.loggedIn, 'a signed-in owner');
    await page.goto(s.searchUrl || `${BASE_URL}/announcements?q=${encodeURIComponent(CATEGORY)}`, { waitUntil: 'load' });
    const first = page.locator('ol.ann-list li.ann-item a.ann-link').first();
    const title = norm(await first.innerText());
    await clickAndWait(first);
    const resp = await clickAndWait(page.locator('a[href^="/bookmarks/new?announcement="]').first());
    await expectKoreanPage(page, resp, 'GET /bookmarks/new');
    s.bookmarkForm = true;
    s.bookmarkTitle = title;
    s.bookmarkFormUrl = page.url();
    return title;
  });
  await pageChecks('bookmark-form', s.bookmarkForm);
  await check('bookmarks: 저장 → the announcement is listed', async () => {
    need(s.bookmarkForm, 'the bookmark page');
    await clickAndWait(page.locator('form[action="/me/bookmarks"] button[type="submit"]'));
    if (new URL(page.url()).pathname !== '/me/bookmarks') throw new Error(`ended on ${page.url()}`);
    const titles = await page.locator('.sub-list li h2').allInnerTexts();
    if (!titles.map(norm).includes(s.bookmarkTitle)) throw new Error(`"${s.bookmarkTitle}" not in ${JSON.stringify(titles.slice(0, 3))}`);
    s.bookmarks = true;
    visited.push(['bookmark-form', s.bookmarkFormUrl], ['bookmarks', `${BASE_URL}/me/bookmarks`]);
    return `${titles.length} bookmark(s)`;
  });
  await pageChecks('bookmarks', s.bookmarks);

  // consent history
  await check('consents: /me → 수신 동의 기록 lists the subscription\'s email consent', async () => {
    need(s.loggedIn, 'a signed-in owner');
    await page.goto(`${BASE_URL}/me`, { waitUntil: 'load' });
    const resp = await clickAndWait(page.locator('main a[href="/me/consents"]').first());
    await expectKoreanPage(page, resp, 'GET /me/consents');
    s.consents = true;
    visited.push(['consents', `${BASE_URL}/me/consents`]);
    const rows = await page.locator('tbody tr').allInnerTexts();
    if (s.subs && !rows.some((r) => /이메일/.test(r) && /동의/.test(r))) throw new Error(`no 이메일 동의 row: ${JSON.stringify(rows.slice(0, 3))}`);
    return `${rows.length} row(s)`;
  });
  await pageChecks('consents', s.consents);

  // The signed-in pages at desktop width too.
  if (desktop && visited.length) {
    const dpage = watch(await desktop.newPage());
    await desktop.addCookies(await mobile.cookies());
    for (const [name, url] of visited) {
      await check(`${name}: axe WCAG 2 A/AA (desktop, signed in)`, async () => {
        const resp = await dpage.goto(url, { waitUntil: 'load' });
        if (!resp || resp.status() !== 200) throw new Error(`GET ${url} answered ${resp ? resp.status() : 'nothing'}`);
        if ((await dpage.locator('.site-header a[href="/me"]').count()) !== 1) throw new Error('not signed in');
        return runAxe(dpage, `${name}-desktop`);
      });
    }
    await dpage.close();
  }

  // 7. the email-only subscription form, signed out
  await check('alerts (no account): signed out, header 알림 받기 → email-only form', async () => {
    if (s.loggedIn) await clickAndWait(page.locator('.site-header form[action="/logout"] button'));
    await page.goto(`${BASE_URL}/`, { waitUntil: 'load' });
    const resp = await clickAndWait(page.locator('.site-header a[href="/alerts/new"]'));
    await expectKoreanPage(page, resp, 'GET /alerts/new');
    if ((await page.locator('#i-email[type="email"]').count()) !== 1) throw new Error('no email field (#i-email) on the signed-out form');
    if ((await page.locator('input[name="consent"]').count()) !== 1) throw new Error('no consent checkbox');
    if ((await page.locator('input[name="channel"]').count()) !== 1) throw new Error('signed out, more channels than email are offered');
    s.anonForm = true;
    return `${await labelledControls(page, 'form[action="/alerts"]')} labelled controls`;
  });
  await pageChecks('subscription-form-anonymous', s.anonForm);
  await check('alerts (no account): the form can be filled with Tab alone', async () => {
    need(s.anonForm, 'the email-only form');
    return tabThrough(page, 'form[action="/alerts"]');
  });
  await check('alerts (no account): without email and consent → Korean errors at the fields', async () => {
    need(s.anonForm, 'the email-only form');
    await page.locator('#f-category label', { hasText: CATEGORY }).first().locator('input').check();
    expectHttp('POST', '/alerts', 422);
    const resp = await clickAndWait(page.locator('form[action="/alerts"] button[type="submit"]'));
    if (!resp || resp.status() !== 422) throw new Error(`POST /alerts answered ${resp ? resp.status() : 'nothing'}, expected 422`);
    const summary = norm(await page.locator('[role="alert"]').first().innerText());
    if (!HANGUL.test(summary)) throw new Error(`no Korean error summary ("${summary}")`);
    await summaryLinks('[role="alert"]');
    const consent = page.locator('input[name="consent"]');
    const id = await consent.getAttribute('id');
    if (!id) throw new Error('the consent checkbox has no id');
    const msgs = [await fieldError('i-email'), await fieldError(id)];
    s.anonErrors = true;
    return msgs.join(' / ');
  });
  await pageChecks('subscription-form-anonymous-errors', s.anonErrors);
  await check('alerts (no account): email + consent → "확인 메일을 보냈습니다"', async () => {
    need(s.anonForm, 'the email-only form');
    await page.fill('#i-email', `alerts-${email}`);
    await page.locator('input[name="consent"]').check();
    const resp = await clickAndWait(page.locator('form[action="/alerts"] button[type="submit"]'));
    if (!resp || resp.status() !== 200) throw new Error(`POST /alerts answered ${resp ? resp.status() : 'nothing'}`);
    const h1 = norm(await page.locator('h1').first().innerText());
    if (!/확인 메일/.test(h1)) throw new Error(`h1 is "${h1}"`);
    s.anonSent = true;
    return h1;
  });
  await pageChecks('subscription-check-email', s.anonSent);
  await check('alerts (no account): the confirm mail\'s link → confirm page → 알림 신청 확인', async () => {
    need(s.anonSent, 'an email-only subscription');
    const mail = await mailFromOutbox(page, `alerts-${email}`, '/alerts/confirm/');
    const resp = await page.goto(onServer(mail.link), { waitUntil: 'load' });
    await expectKoreanPage(page, resp, 'GET /alerts/confirm/…');
    await runAxe(page, 'subscription-confirm');
    await screenshot(page, 'mobile-subscription-confirm');
    const o = await overflow(page, W);
    if (o.scrollWidth > W) throw new Error(`confirm page scrollWidth ${o.scrollWidth} > ${W}`);
    await clickAndWait(page.locator('form[action^="/alerts/confirm/"] button[type="submit"]'));
    const h1 = norm(await page.locator('h1').first().innerText());
    await runAxe(page, 'subscription-confirmed');
    return `${mail.name}: ${h1}`;
  });

  await page.close();
}

// ---- agency and operator pages ------------------------------------------------------------
//
// `jiwon demo` prints its staff accounts with fresh random passwords; scripts/test.sh hands the
// server's log to this script as DEMO_LOG. On a phone, the demo agency's editor logs in, opens
// the console's demo draft, reads its alert page (who would hear of it), publishes it with the
// console's own button, and reads the alert page again (sends per channel, views per day); then
// the operator reads the delivery and job pages. Every page gets axe, the overflow and the
// tap-size checks.

// { editor: {email, password}, operator: {…} } from the demo's printed account lines, or a reason.
function demoAccounts() {
  const file = process.env.DEMO_LOG;
  if (!file) return { reason: 'DEMO_LOG is not set (the log of `jiwon demo`, which prints the staff passwords)' };
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return { reason: `cannot read DEMO_LOG ${file}: ${err.code || err.message}` };
  }
  // e.g. "  editor@demo.jiwon.kr        EY1lEGdrmuboih   (editor)"
  const found = {};
  const plain = text.replace(/\x1b\[[0-9;]*m/g, '');
  for (const m of plain.matchAll(/^\s+(\S+@\S+)\s+(\S+)\s+\((editor|operator|owner)\)\s*$/gm)) {
    found[m[3]] = { email: m[1], password: m[2] };
  }
  const missing = ['editor', 'operator'].filter((r) => !found[r]);
  if (missing.length) return { reason: `no ${missing.join(' or ')} account line in DEMO_LOG ${file}` };
  return found;
}

// "MM-DD" of today in Korea (the console counts views per KST day).
function kstToday() {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul', month: '2-digit', day: '2-digit' }).formatToParts(new Date());
  const get = (t) => parts.find((p) => p.type === t).value;
  return `${get('month')}-${get('day')}`;
}

async function agencyFlow() {
  const accounts = demoAccounts();
  if (accounts.reason) {
    log(`SKIPPED: agency pages: ${accounts.reason}`);
    return;
  }
  let ctx;
  const up = await check(`launch chromium for the agency staff (mobile ${MOBILE.width}x${MOBILE.height})`, async () => {
    ctx = await launch('agency', { viewport: MOBILE, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  });
  if (!up) return;
  const page = watch(ctx.pages()[0] || (await ctx.newPage()));
  const s = {};
  const clickAndWait = (locator, waitFor) => clickAndWaitOn(page, locator, waitFor);
  const checks = (name, ok) => phoneChecks(page, name, ok);

  async function login(who, landing) {
    await page.goto(`${BASE_URL}/`, { waitUntil: 'load' });
    const resp = await clickAndWait(page.locator('.site-header a[href="/login"]'));
    await expectKoreanPage(page, resp, 'GET /login');
    await page.fill('#email', who.email);
    await page.fill('#password', who.password);
    await clickAndWait(page.locator('form[action="/login"] button[type="submit"]'));
    const at = new URL(page.url()).pathname;
    if (at !== landing) {
      const msg = norm(await page.locator('main').innerText()).slice(0, 160);
      throw new Error(`logging in as ${who.email} ended on ${page.url()}: ${msg}`);
    }
  }

  // The alert page's numbers, as shown.
  async function alertPage() {
    return page.evaluate(() => {
      const txt = (el) => (el ? el.innerText.replace(/\s+/g, ' ').trim() : '');
      const rows = (sel) => [...document.querySelectorAll(`${sel} tbody tr`)].map((tr) => [...tr.cells].map(txt));
      const reach = txt(document.querySelector('#reach-summary'));
      const m = reach.match(/([\d,]+)명\s*\(구독 ([\d,]+)건\)/);
      return {
        h1: txt(document.querySelector('h1')),
        reach,
        recipients: m ? Number(m[1].replace(/,/g, '')) : NaN,
        subscriptions: m ? Number(m[2].replace(/,/g, '')) : NaN,
        reachRows: rows('#reach-channels'),
        results: txt(document.querySelector('section[aria-labelledby="h-results"]')),
        resultRows: rows('#results-channels'),
        resultHead: [...document.querySelectorAll('#results-channels thead th')].map(txt),
        viewRows: rows('#views-by-day'),
      };
    });
  }

  // 1. the editor: console → the demo draft → its alert page
  await check(`agency: ${accounts.editor.email} logs in → /console lists the demo draft`, async () => {
    await login(accounts.editor, '/console');
    const h1 = norm(await page.locator('h1').first().innerText());
    if (!/콘솔/.test(h1)) throw new Error(`/console h1 is "${h1}"`);
    const draft = page.locator('main table a[href^="/console/announcements/"]', { hasText: '데모 초안' });
    if ((await draft.count()) < 1) throw new Error('no "(데모 초안)" announcement in the console list');
    s.draftTitle = norm(await draft.first().innerText());
    s.console = true;
    return `${h1}: ${s.draftTitle}`;
  });
  await checks('console', s.console);

  await check('console: the draft opens its management page (작성 중, 지금 게시)', async () => {
    need(s.console, 'the console list');
    const resp = await clickAndWait(page.locator('main table a', { hasText: '데모 초안' }).first());
    await expectKoreanPage(page, resp, 'GET /console/announcements/…');
    const h1 = norm(await page.locator('h1').first().innerText());
    if (h1 !== s.draftTitle) throw new Error(`h1 "${h1}" is not the draft's title`);
    const status = norm(await page.locator('dl.ann-facts .status').first().innerText());
    if (!/작성 중|초안/.test(status)) throw new Error(`status is "${status}"`);
    if ((await page.locator('form[action$="/publish"] button[type="submit"]').count()) !== 1) throw new Error('no 지금 게시 button');
    s.manageUrl = page.url();
    s.id = new URL(page.url()).pathname.split('/')[3];
    s.manage = true;
    return `${s.id}: ${status}`;
  });
  await checks('console-manage', s.manage);

  await check('console: 알림 link → reach before publishing (owners, subscriptions, by channel)', async () => {
    need(s.manage, 'the management page');
    const resp = await clickAndWait(page.locator(`main a[href="/console/announcements/${s.id}/alerts"]`));
    await expectKoreanPage(page, resp, `GET /console/announcements/${s.id}/alerts`);
    const a = await alertPage();
    if (a.h1 !== '알림 도달과 결과') throw new Error(`h1 is "${a.h1}"`);
    if (!Number.isFinite(a.recipients)) throw new Error(`no "N명(구독 M건)" reach sentence: "${a.reach}"`);
    // The demo's sample owner (울산 남구, 한식 56111, 3 employees, 40 months old) has "내 사업 정보에
    // 맞는 공고" (instant, email: 울산 남구 + 56111 — the draft is nationwide with no industry or
    // size rule, so it fits) and "울산 내수·금융 지원" (daily: 내수, and nationwide reaches 울산).
    // So at least that one owner, through two subscriptions, one instant email and one digest.
    if (a.recipients < 1) throw new Error(`reach is ${a.recipients} people, but the demo owner's profile subscription fits the draft`);
    if (a.subscriptions < 2) throw new Error(`reach counts ${a.subscriptions} subscriptions, expected the demo owner's two`);
    // One message per person and channel: the two subscriptions make one email, and the
    // instant one wins over the daily digest.
    const email = a.reachRows.find((r) => r[0] === '이메일');
    if (!email) throw new Error(`no 이메일 row in the channel table: ${JSON.stringify(a.reachRows)}`);
    if (!(Number(email[1]) >= 1)) throw new Error(`이메일 row is ${JSON.stringify(email)}, expected ≥ 1 instant message`);
    if (!/아직 보낸 알림이 없습니다/.test(a.results)) throw new Error(`before publishing, 발송 결과 says "${a.results.slice(0, 120)}"`);
    s.reach = a;
    s.alertsUrl = page.url();
    return `${a.recipients}명 (구독 ${a.subscriptions}건); 이메일 즉시 ${email[1]}, 요약 ${email[2]}`;
  });
  await checks('console-alerts-before', s.reach);

  // 2. publish with the console's own button: it asks once, saying who will be told
  await check('console: 지금 게시 asks first, naming how many people will be alerted', async () => {
    need(s.reach, 'the alert page');
    const resp = await clickAndWait(page.locator('main .crumbs a', { hasText: '공고 관리' }).first());
    await expectKoreanPage(page, resp, 'GET the management page');
    const r2 = await clickAndWait(page.locator('form[action$="/publish"] button[type="submit"]'));
    await expectKoreanPage(page, r2, 'GET the publish confirmation');
    if (new URL(page.url()).pathname !== `/console/announcements/${s.id}/publish`) throw new Error(`지금 게시 went to ${page.url()}`);
    const summary = norm(await page.locator('#reach-summary').innerText());
    const m = summary.match(/(\d+)명/);
    if (!m || Number(m[1]) < 1) throw new Error(`confirmation says "${summary}"`);
    s.confirm = true;
    return summary;
  });
  await phoneChecks(page, 'console-publish-confirm', s.confirm);
  await check('console: 게시하고 알림 보내기 publishes the draft → 게시 중', async () => {
    need(s.confirm, 'the confirmation page');
    await clickAndWait(page.locator('main form[action$="/publish"] button[type="submit"]'));
    if (new URL(page.url()).pathname !== `/console/announcements/${s.id}`) throw new Error(`publishing ended on ${page.url()}`);
    const err = page.locator('main [role="alert"]');
    if (await err.count()) throw new Error(`the console says: ${norm(await err.first().innerText())}`);
    const status = norm(await page.locator('dl.ann-facts .status').first().innerText());
    if (!/게시/.test(status) || /예약/.test(status)) throw new Error(`status after publishing is "${status}"`);
    s.published = true;
    return status;
  });
  await checks('console-manage-published', s.published);

  await check('public: the published announcement is on the site (one view counted today)', async () => {
    need(s.published, 'the published announcement');
    const resp = await clickAndWait(page.locator(`dl.ann-facts a[href="/announcements/${s.id}"]`));
    await expectKoreanPage(page, resp, `GET /announcements/${s.id}`);
    const title = norm(await page.locator('h1.ann-title').first().innerText());
    if (title !== s.draftTitle) throw new Error(`public h1 "${title}"`);
    s.viewed = true;
    return title;
  });

  await check('console: the demo owner got the alert mail (in /dev/outbox)', async () => {
    need(s.published, 'the published announcement');
    if (Number(s.reach.reachRows.find((r) => r[0] === '이메일')[1]) < 1) return 'planned for the daily digest, not sent at once';
    const mail = await mailFromOutbox(page, 'owner@demo.jiwon.kr', '/t/c/', 30000);
    if (!mail.text.includes(s.draftTitle)) throw new Error(`${mail.name} does not name "${s.draftTitle}"`);
    if (!/내 사업 정보에 맞음/.test(mail.text)) throw new Error(`${mail.name} does not say why (내 사업 정보에 맞음)`);
    return mail.name;
  });

  await check('console: the alert page shows the results (sends per channel, views D-5…D+7)', async () => {
    need(s.published, 'the published announcement');
    // The match job and the email run within seconds of publishing; reload until sent.
    const deadline = Date.now() + 45000;
    let a;
    for (;;) {
      const resp = await page.goto(s.alertsUrl, { waitUntil: 'load' });
      await expectKoreanPage(page, resp, 'GET the alert page');
      a = await alertPage();
      const email = a.resultRows.find((r) => r[0] === '이메일');
      const planned = s.reach.reachRows.find((r) => r[0] === '이메일');
      const n = (row, i) => Number(row[i]);
      if (email && n(email, a.resultHead.indexOf('전달')) >= n(planned, 1)
        && n(email, a.resultHead.indexOf('전체')) >= n(planned, 1) + n(planned, 2)) break;
      if (Date.now() > deadline) throw new Error(`the planned emails are not all there 45 s after publishing; 발송 결과: "${a.results.slice(0, 200)}"`);
      await page.waitForTimeout(1000);
    }
    for (const want of ['채널', '전체', '전달', '실패', '대기', '열람', '클릭']) {
      if (!a.resultHead.includes(want)) throw new Error(`results table has no "${want}" column (${a.resultHead.join(', ')})`);
    }
    const email = a.resultRows.find((r) => r[0] === '이메일');
    const col = (name) => Number(email[a.resultHead.indexOf(name)]);
    const planned = s.reach.reachRows.find((r) => r[0] === '이메일');
    const instant = Number(planned[1]);
    if (col('전달') < instant) throw new Error(`이메일 전달 ${col('전달')} < the ${instant} instant email(s) planned`);
    if (col('전체') < instant + Number(planned[2])) throw new Error(`이메일 전체 ${col('전체')} < the ${instant + Number(planned[2])} planned`);
    const labels = a.viewRows.map((r) => r[0]);
    const want = ['D-5', 'D-4', 'D-3', 'D-2', 'D-1', '발송일', 'D+1', 'D+2', 'D+3', 'D+4', 'D+5', 'D+6', 'D+7'];
    if (labels.join(',') !== want.join(',')) throw new Error(`view rows are ${labels.join(',')}`);
    const day0 = a.viewRows[5];
    if (day0[1] !== kstToday()) throw new Error(`발송일 is ${day0[1]}, expected today ${kstToday()} (KST)`);
    if (s.viewed && !(Number(day0[2]) >= 1)) throw new Error(`발송일 shows ${day0[2]} views after the public page was opened`);
    s.results = true;
    return `이메일 전체 ${col('전체')}, 전달 ${col('전달')}, 대기 ${col('대기')}; 발송일 ${day0[1]} 조회 ${day0[2]}`;
  });
  await checks('console-alerts-after', s.results);

  // 3. the operator
  await check(`operator: editor logs out, ${accounts.operator.email} logs in → /admin/jobs, header 발송 → /admin/deliveries`, async () => {
    // Logging out from the page the editor is on (the alert page, or wherever an earlier check stopped).
    const out = page.locator('.site-header form[action="/logout"] button');
    if ((await out.count()) !== 1) throw new Error(`no 로그아웃 in the header of ${page.url()}`);
    await clickAndWait(out);
    if ((await page.locator('.site-header a[href="/login"]').count()) !== 1) throw new Error('still signed in after 로그아웃');
    await login(accounts.operator, '/admin/jobs');
    const link = page.locator('.site-header a[href="/admin/deliveries"]');
    if ((await link.count()) !== 1) throw new Error(`no header link 발송 after logging in as operator (on ${page.url()})`);
    const resp = await clickAndWait(link);
    await expectKoreanPage(page, resp, 'GET /admin/deliveries');
    const h1 = norm(await page.locator('h1').first().innerText());
    const counts = await page.locator('#delivery-counts tbody tr').allInnerTexts();
    if (!counts.some((r) => /이메일/.test(r))) throw new Error(`채널·상태별 has no 이메일 row: ${JSON.stringify(counts.slice(0, 4))}`);
    s.deliveries = true;
    return `${h1}: ${counts.length} row(s)`;
  });
  await checks('admin-deliveries', s.deliveries);

  await check('operator: 작업 큐 → /admin/jobs', async () => {
    need(s.deliveries, 'the deliveries page');
    const resp = await clickAndWait(page.locator('.site-header a[href="/admin/jobs"]'));
    await expectKoreanPage(page, resp, 'GET /admin/jobs');
    const h1 = norm(await page.locator('h1').first().innerText());
    const imports = await page.locator('section[aria-labelledby="h-imports"] tbody tr').count();
    if (imports < 1) throw new Error('최근 가져오기 lists no import runs (the demo imported two files)');
    s.jobs = true;
    return `${h1}: ${imports} import run(s)`;
  });
  await checks('admin-jobs', s.jobs);

  await ctx.close().catch(() => {});
}

// Journeys in tests/e2e/journeys/*.js, run in name order. Each module exports
// `async run(kit)`; the kit is this script's shared checks, so a journey's lines are counted
// in the one summary like the rest.
async function journeys() {
  const dir = path.join(__dirname, 'journeys');
  let files = [];
  try {
    const only = process.env.E2E_JOURNEY || '';
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.js') && f.includes(only)).sort();
  } catch (err) {
    log(`SKIPPED: journeys: cannot read ${dir}: ${err.code || err.message}`);
    return;
  }
  if (!files.length) log(`SKIPPED: journeys: none in ${dir}${process.env.E2E_JOURNEY ? ` matching "${process.env.E2E_JOURNEY}"` : ''}`);
  const kit = {
    BASE_URL, MOBILE, HANGUL, check, need, log, norm, launch, watch, screenshot, expectHttp,
    expectKoreanPage, runAxe, overflow, tapTargets, labelledControls, tabThrough, phoneChecks,
    clickAndWaitOn, mailFromOutbox, mailText, onServer, businessNumber, demoAccounts, kstToday,
  };
  for (const f of files) {
    log(`# journey ${f}`);
    await check(`journey ${f} ran to its end`, async () => {
      await require(path.join(dir, f)).run(kit);
    });
  }
}

async function main() {
  fs.mkdirSync(SHOT_DIR, { recursive: true });
  log(`# e2e smoke test against ${BASE_URL} with ${CHROMIUM}`);
  if (process.env.E2E_JOURNEY) {
    // while working on one journey: E2E_JOURNEY=owner-home runs only the journeys whose file
    // name contains it (never set by scripts/test.sh)
    await journeys();
    return;
  }

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

    await ownerFlow(mobile, launched ? desktop : null);
  }
  await agencyFlow();
  await journeys();

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

const WATCHDOG_MS = Number(process.env.E2E_TIMEOUT_MS || 600000);
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
