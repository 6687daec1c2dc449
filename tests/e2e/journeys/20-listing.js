// Issue 11, items 2, 10 and 12 at 390 px, anonymous: 접수 예정 lists a program that opens
// later with its "접수 시작 D-n" badge and a disabled "M월 D일부터 신청" button; an
// announcement page's tap-to-call link, its source link ("기업마당에서 보기") and its
// share controls; the agencies directory's search. axe, overflow and tap sizes on each page.
// Pages are found by querying the demo (real data, real clock), never by fixed ids.

async function run(kit) {
  const { BASE_URL, MOBILE, check, need, launch, watch, expectKoreanPage, phoneChecks, norm } = kit;
  const ctx = await launch('listing', { viewport: MOBILE, isMobile: true, hasTouch: true });
  const page = watch(ctx.pages()[0] || (await ctx.newPage()));
  const s = {};
  try {
    // 1. 접수 예정: a program that opens later, with a badge that cannot read as a deadline.
    await check('listing: 접수 예정 lists a program that opens later, badge "접수 시작 D-n"', async () => {
      const resp = await page.goto(`${BASE_URL}/announcements?status=upcoming`, { waitUntil: 'load' });
      await expectKoreanPage(page, resp, 'GET /announcements?status=upcoming');
      const count = Number(norm(await page.locator('#result-count').innerText()));
      if (!(count > 0)) throw new Error(`접수 예정 shows ${count} programs`);
      const badges = await page.locator('.ann-item .dday').allInnerTexts();
      const starting = badges.map(norm).filter((b) => /^접수 시작 D-\d+$|^오늘 접수 시작$|^예고$/.test(b));
      if (starting.length !== badges.length) throw new Error(`badges that are not 접수 시작: ${badges.filter((b) => !starting.includes(norm(b))).join(', ')}`);
      const item = page.locator('.ann-item', { has: page.locator('.dday', { hasText: /접수 시작 D-\d+/ }) }).first();
      if ((await item.count()) === 0) throw new Error('no card with a "접수 시작 D-n" badge');
      s.upcomingHref = await item.locator('a.ann-link').getAttribute('href');
      s.upcoming = true;
      return `${count} programs; ${norm(await item.locator('.dday').innerText())}`;
    });
    await phoneChecks(page, 'listing-upcoming', s.upcoming);

    await check('listing: the same program is not under 접수 중', async () => {
      need(s.upcomingHref, 'an upcoming program');
      const title = norm(await page.locator(`a.ann-link[href="${s.upcomingHref}"]`).innerText());
      const resp = await page.goto(`${BASE_URL}/announcements?status=open&q=${encodeURIComponent(title)}`, { waitUntil: 'load' });
      await expectKoreanPage(page, resp, 'GET /announcements?status=open');
      const hrefs = await page.locator('a.ann-link').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      if (hrefs.includes(s.upcomingHref)) throw new Error(`${s.upcomingHref} is listed as 접수 중`);
      return `${hrefs.length} open results for its title, not it`;
    });

    await check('announcement (upcoming): apply button disabled, reading "M월 D일부터 신청"', async () => {
      need(s.upcomingHref, 'an upcoming program');
      const resp = await page.goto(`${BASE_URL}${s.upcomingHref}`, { waitUntil: 'load' });
      await expectKoreanPage(page, resp, `GET ${s.upcomingHref}`);
      const button = page.locator('#apply');
      if ((await button.count()) !== 1) throw new Error('no #apply control');
      const text = norm(await button.innerText());
      if (!/^\d{1,2}월 \d{1,2}일( \d{2}:\d{2})?부터 신청$/.test(text)) throw new Error(`the apply control reads "${text}"`);
      if (!(await button.isDisabled())) throw new Error('the apply control is not disabled');
      if ((await page.locator('a', { hasText: '신청하러 가기' }).count()) > 0) throw new Error('a "신청하러 가기" link is offered before the window opens');
      s.upcomingPage = true;
      return text;
    });
    await phoneChecks(page, 'announcement-upcoming', s.upcomingPage);

    // 2. An imported announcement with a phone number: tel: link, source link, sharing.
    await check('announcement: a 기업마당 program\'s page has a tel: link and "기업마당에서 보기"', async () => {
      // Open programs; the first whose page has both.
      const resp = await page.goto(`${BASE_URL}/announcements?status=open&q=${encodeURIComponent('문의')}`, { waitUntil: 'load' });
      await expectKoreanPage(page, resp, 'GET /announcements?q=문의');
      const hrefs = (await page.locator('a.ann-link').evaluateAll((as) => as.map((a) => a.getAttribute('href')))).slice(0, 10);
      for (const href of hrefs) {
        await page.goto(`${BASE_URL}${href}`, { waitUntil: 'load' });
        const tel = page.locator('.contacts a[href^="tel:"]');
        const source = page.locator('a.source-link', { hasText: '기업마당에서 보기' });
        if ((await tel.count()) > 0 && (await source.count()) > 0) {
          s.detail = href;
          const number = (await tel.first().getAttribute('href')).slice(4);
          if (!/^\d{8,11}$/.test(number)) throw new Error(`tel: link to "${number}"`);
          const box = await tel.first().boundingBox();
          return `${href}: tel:${number} (${Math.round(box.height)} px high), source ${await source.getAttribute('href')}`;
        }
      }
      throw new Error(`none of ${hrefs.length} open programs has both a tel: link and a 기업마당 link`);
    });
    await check('announcement: share — the address in a read-only field, a copy button, Web Share where it exists', async () => {
      need(s.detail, 'an announcement page');
      const field = page.locator('#share-url');
      if (!(await field.evaluate((el) => el.readOnly))) throw new Error('#share-url is not read-only');
      const url = await field.inputValue();
      if (!url.endsWith(s.detail)) throw new Error(`#share-url holds ${url}`);
      const copy = page.locator('#share-copy');
      if (!(await copy.isVisible())) throw new Error('no visible 주소 복사 button (share.js did not run?)');
      await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE_URL }).catch(() => {});
      await copy.click();
      await page.waitForFunction(() => (document.getElementById('share-status') || {}).textContent, null, { timeout: 5000 });
      const said = norm(await page.locator('#share-status').innerText());
      const hasShare = await page.evaluate(() => typeof navigator.share === 'function');
      const shareShown = await page.locator('#share-native').isVisible();
      if (hasShare !== shareShown) throw new Error(`navigator.share ${hasShare ? 'exists' : 'is missing'} but 공유하기 is ${shareShown ? 'shown' : 'hidden'}`);
      s.detailPage = true;
      return `copy → "${said}"; Web Share ${hasShare ? 'offered' : 'not in this browser, not offered'}`;
    });
    await phoneChecks(page, 'announcement-contacts', s.detailPage);
    await check('announcement: printing leaves out the header, buttons and alert links', async () => {
      need(s.detailPage, 'an announcement page');
      await page.emulateMedia({ media: 'print' });
      try {
        const shown = await page.evaluate(() => ['.site-header', '.site-footer', '.alert-links', '#share-copy']
          .filter((sel) => { const el = document.querySelector(sel); return el && getComputedStyle(el).display !== 'none'; }));
        if (shown.length) throw new Error(`printed: ${shown.join(', ')}`);
        const title = await page.evaluate(() => getComputedStyle(document.querySelector('.ann-title')).display);
        if (title === 'none') throw new Error('the title is not printed');
        return 'header, footer, alert links and share buttons hidden; title printed';
      } finally {
        await page.emulateMedia({ media: 'screen' });
      }
    });

    // 3. The agencies directory: search by name, grouped.
    await check('agencies: the directory is grouped (중앙부처 / 광역 / 기초 / 공공기관)', async () => {
      const resp = await page.goto(`${BASE_URL}/agencies`, { waitUntil: 'load' });
      await expectKoreanPage(page, resp, 'GET /agencies');
      const heads = (await page.locator('.agency-group h2').allInnerTexts()).map(norm);
      if (!heads.includes('중앙부처')) throw new Error(`groups: ${heads.join(', ')}`);
      s.agencies = true;
      return heads.join(' · ');
    });
    await phoneChecks(page, 'agencies', s.agencies);
    await check('agencies: searching "창업진흥원" finds it, without a head\'s title in any name', async () => {
      need(s.agencies, 'the directory');
      await page.fill('#agency-q', '창업진흥원');
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.locator('#agency-search button[type="submit"]').click()]);
      const names = (await page.locator('.agency-list a').allInnerTexts()).map(norm);
      if (!names.includes('창업진흥원')) throw new Error(`found: ${names.join(', ') || 'nothing'}`);
      const titled = names.filter((n) => /(대표이사|원장|장관|이사장)$/.test(n));
      if (titled.length) throw new Error(`names with a title: ${titled.join(', ')}`);
      s.agencySearch = true;
      return names.join(', ');
    });
    await phoneChecks(page, 'agencies-search', s.agencySearch);
  } finally {
    await ctx.close().catch(() => {});
  }
}

module.exports = { run };
