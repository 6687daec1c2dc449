// The agency editor's journey (issue 11, 14–17), once at 1280 px and once at 390 px: the
// demo editor saves a draft with only a title, tries to publish and to schedule it and sees
// what is missing in the form's order, fills it in, schedules it and reads the time back in
// KST, publishes it, and closes it through the confirmation page that says who is told.
// axe on every page (plus the overflow and tap-size checks at 390 px).

const DESKTOP = { width: 1280, height: 900 };
// What publishing a title-only draft needs, top to bottom of the form.
const MISSING = ['category', 'regions', 'apply_end', 'apply_url'];

// "YYYY-MM-DD" of the day `days` after today in Korea, and how the console writes 09:00 of it.
function kstDay(days) {
  const now = new Date(Date.now() + 9 * 3600 * 1000 + days * 86400 * 1000);
  const iso = now.toISOString().slice(0, 10);
  const weekday = '일월화수목금토'[now.getUTCDay()];
  return { iso, moment: `${now.getUTCMonth() + 1}월 ${now.getUTCDate()}일 (${weekday}) 오전 9:00 KST` };
}

async function run(kit) {
  const { BASE_URL, MOBILE, check, need, norm, launch, watch, runAxe, phoneChecks, clickAndWaitOn, expectKoreanPage, expectHttp } = kit;
  const accounts = kit.demoAccounts();
  if (accounts.reason) {
    kit.log(`SKIPPED: console journey: ${accounts.reason}`);
    return;
  }
  for (const [label, viewport] of [['desktop', DESKTOP], ['phone', MOBILE]]) {
    const tag = `console ${label}`;
    let ctx;
    const up = await check(`${tag}: launch chromium (${viewport.width} px)`, async () => {
      ctx = await launch(`console-${label}`, label === 'phone'
        ? { viewport, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }
        : { viewport });
    });
    if (!up) continue;
    const page = watch(ctx.pages()[0] || (await ctx.newPage()));
    const clickAndWait = (locator) => clickAndWaitOn(page, locator);
    const pageChecks = async (name, ok) => {
      if (label === 'phone') return phoneChecks(page, `${tag} ${name}`, ok);
      return check(`${tag} ${name}: axe WCAG 2 A/AA (${viewport.width} px)`, async () => {
        need(ok, `the ${name} page`);
        return runAxe(page, `${tag} ${name}`);
      });
    };
    const s = {};
    const title = `콘솔 여정 ${label} ${Date.now().toString(36)}`;
    const id = () => new URL(page.url()).pathname.split('/')[3];
    const linkedFields = (selector) => page.locator(`${selector} a`).evaluateAll((as) => as.map((a) => (a.getAttribute('href') || '').split('#i-')[1]));

    await check(`${tag}: the editor signs in and opens 새 공고 작성`, async () => {
      await page.goto(`${BASE_URL}/login?next=/console`, { waitUntil: 'load' });
      await page.fill('#email', accounts.editor.email);
      await page.fill('#password', accounts.editor.password);
      await clickAndWait(page.locator('form[action^="/login"] button[type="submit"]'));
      if (new URL(page.url()).pathname !== '/console') throw new Error(`signed in on ${page.url()}`);
      const resp = await clickAndWait(page.locator('main a[href="/console/announcements/new"]'));
      await expectKoreanPage(page, resp, 'GET /console/announcements/new');
      if (await page.locator('select[multiple]').count()) throw new Error('a multi-select is left on the form');
      const sigungu = await page.locator('input[type="checkbox"][name="sigungu"]').count();
      if (sigungu < 200) throw new Error(`${sigungu} 시군구 checkboxes`);
      s.form = true;
      return `${sigungu} 시군구 checkboxes in groups`;
    });
    await pageChecks('new form', s.form);

    await check(`${tag}: a draft with only a title saves (초안 저장)`, async () => {
      need(s.form, 'the new form');
      await page.fill('#i-title', title);
      await clickAndWait(page.locator('button[name="intent"][value="draft"]'));
      const h1 = norm(await page.locator('h1').first().innerText());
      if (h1 !== title) throw new Error(`saving ended on "${h1}" (${page.url()})`);
      const notice = norm(await page.locator('main [role="status"]').first().innerText());
      if (!/저장했습니다/.test(notice)) throw new Error(`notice: "${notice}"`);
      const fields = await linkedFields('#publish-problems');
      if (fields.join() !== MISSING.join()) throw new Error(`the manage page lists ${fields.join(', ')}`);
      s.id = id();
      s.manage = page.url();
      return `${s.id}: ${fields.join(' → ')}`;
    });
    await pageChecks('draft manage', s.id);

    await check(`${tag}: 지금 게시 lists what is missing, in the form's order, no publish button`, async () => {
      need(s.id, 'the draft');
      await clickAndWait(page.locator('form[action$="/publish"] button[type="submit"]'));
      const fields = await linkedFields('#publish-problems');
      if (fields.join() !== MISSING.join()) throw new Error(`the publish page lists ${fields.join(', ')}`);
      if (await page.locator('form[method="post"][action$="/publish"]').count()) throw new Error('a publish button is offered anyway');
      s.confirmProblems = true;
      return fields.join(' → ');
    });
    await pageChecks('publish refused', s.confirmProblems);

    await check(`${tag}: scheduling it anyway shows the form, the summary in the form's order`, async () => {
      need(s.id, 'the draft');
      await page.goto(s.manage, { waitUntil: 'load' });
      expectHttp('POST', `/console/announcements/${s.id}/schedule`, 422);
      await clickAndWait(page.locator('form.schedule-form button[type="submit"]'));
      const fields = await linkedFields('#error-summary');
      if (fields.join() !== MISSING.join()) throw new Error(`the summary links ${fields.join(', ')}`);
      // Each link leads to its field, and they go down the page.
      const tops = await page.evaluate((fs) => fs.map((f) => {
        const el = document.getElementById(`i-${f}`);
        return el ? el.getBoundingClientRect().top + window.scrollY : null;
      }), fields);
      if (tops.some((t) => t === null)) throw new Error(`a link has no field: ${JSON.stringify(tops)}`);
      if (tops.some((t, i) => i > 0 && t < tops[i - 1])) throw new Error(`links out of the form's order: ${tops}`);
      s.refused = true;
      return fields.join(' → ');
    });
    await pageChecks('schedule refused', s.refused);

    await check(`${tag}: filled in and saved, it schedules; the time reads back in KST`, async () => {
      need(s.refused, 'the refused form');
      await page.selectOption('#i-category', '내수');
      await page.check('input[name="nationwide"]');
      await page.fill('#i-apply_end', kstDay(40).iso);
      await page.fill('#i-apply_url', 'https://example.go.kr/apply');
      await clickAndWait(page.locator('.form-actions button[type="submit"]').first());
      if (new URL(page.url()).pathname !== `/console/announcements/${s.id}`) throw new Error(`saving ended on ${page.url()}`);
      const day = kstDay(14);
      await page.fill('#s-date', day.iso);
      await page.fill('#s-time', '09:00');
      await clickAndWait(page.locator('form.schedule-form button[type="submit"]'));
      const notice = norm(await page.locator('#scheduled-notice').innerText());
      if (!notice.includes(`${day.moment} 게시 예정`)) throw new Error(`notice "${notice}", expected "${day.moment} 게시 예정"`);
      const status = norm(await page.locator('dl.ann-facts .status').first().innerText());
      if (status !== '게시 예약') throw new Error(`status "${status}"`);
      const saved = await page.inputValue('#s-date');
      if (saved !== day.iso) throw new Error(`the schedule form shows ${saved}`);
      s.scheduled = true;
      return notice;
    });
    await pageChecks('scheduled', s.scheduled);

    await check(`${tag}: published, 지금 마감 asks once, saying who is told`, async () => {
      need(s.scheduled, 'the scheduled announcement');
      await clickAndWait(page.locator('form[action$="/publish"] button[type="submit"]'));
      await clickAndWait(page.locator('main form[method="post"][action$="/publish"] button[type="submit"]'));
      const status = norm(await page.locator('dl.ann-facts .status').first().innerText());
      if (status !== '게시 중') throw new Error(`after publishing: "${status}"`);
      await clickAndWait(page.locator(`main a[href="/console/announcements/${s.id}/close"]`));
      const h1 = norm(await page.locator('h1').innerText());
      if (h1 !== '지금 마감할까요?') throw new Error(`confirmation h1 "${h1}"`);
      const told = norm(await page.locator('#confirm-told').innerText());
      if (!/마감 안내/.test(told)) throw new Error(`who is told: "${told}"`);
      s.closeConfirm = told;
      return told;
    });
    await pageChecks('close confirm', s.closeConfirm);

    await check(`${tag}: 지금 마감 on the confirmation page closes it`, async () => {
      need(s.closeConfirm, 'the confirmation page');
      await clickAndWait(page.locator('main form[method="post"] button[type="submit"]'));
      const status = norm(await page.locator('dl.ann-facts .status').first().innerText());
      if (status !== '마감') throw new Error(`after closing: "${status}"`);
      s.closed = true;
      return status;
    });

    await check(`${tag}: the console list finds it by a title word`, async () => {
      need(s.closed, 'the closed announcement');
      await page.goto(`${BASE_URL}/console?q=${encodeURIComponent(title.split(' ').pop())}`, { waitUntil: 'load' });
      const rows = await page.locator('main table tbody tr').count();
      if (rows !== 1) throw new Error(`${rows} rows for its title`);
      s.search = true;
      return `${rows} row`;
    });
    await pageChecks('search', s.search);

    await check(`${tag}: the audit log speaks Korean`, async () => {
      need(s.search, 'the console');
      await page.goto(`${BASE_URL}/console/audit`, { waitUntil: 'load' });
      const text = await page.locator('main').innerText();
      if (/announcement\./.test(text)) throw new Error('action codes on the audit page');
      if (!/게시 예약/.test(text)) throw new Error('no 게시 예약 in the log');
      s.audit = true;
      return 'no action codes';
    });
    await pageChecks('audit', s.audit);
    await ctx.close().catch(() => {});
  }
}

module.exports = { run };
