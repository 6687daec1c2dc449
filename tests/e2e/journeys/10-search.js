// Issue 11, 7 and 8 on a 390 px phone: a search from the header puts the first result on the
// first screen, the filters sit behind one "필터" button, an applied filter is a chip that
// takes it away, an owner's word (식당) finds programs, and a mistyped one (식땅) is offered
// the nearest word with what it finds.
'use strict';

exports.run = async function run(kit) {
  const { BASE_URL, MOBILE, check, need, norm } = kit;
  const ctx = await kit.launch('search', { viewport: MOBILE, isMobile: true, hasTouch: true });
  try {
    const page = kit.watch(ctx.pages()[0] || (await ctx.newPage()));
    let listed = false;

    await check('search 390 px: a header search shows the first result without scrolling', async () => {
      await page.goto(`${BASE_URL}/`, { waitUntil: 'load' });
      await page.fill('#site-q', '소상공인 지원');
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.press('#site-q', 'Enter')]);
      const first = page.locator('.ann-list .ann-link').first();
      const box = await first.boundingBox();
      if (!box) throw new Error('no result card');
      const scrollY = await page.evaluate(() => window.scrollY);
      if (box.y + box.height > MOBILE.height || scrollY > 0) {
        throw new Error(`first result at y=${Math.round(box.y)}..${Math.round(box.y + box.height)} (screen ${MOBILE.height}, scrolled ${scrollY})`);
      }
      listed = true;
      return `first result "${norm(await first.innerText()).slice(0, 30)}" at y=${Math.round(box.y)}`;
    });

    await check('search 390 px: the filters are one closed "필터" button', async () => {
      need(listed, 'the result page');
      const open = await page.locator('#filters-box').evaluate((d) => d.open);
      if (open) throw new Error('the filter form is open on a phone');
      const label = norm(await page.locator('#filters-box > summary').innerText());
      if (label !== '필터') throw new Error(`summary reads "${label}"`);
      const formVisible = await page.locator('#filters').isVisible();
      if (formVisible) throw new Error('the filter form is visible before the button is pressed');
    });
    await kit.phoneChecks(page, 'search-results', listed);

    let chipped = false;
    await check('search 390 px: 필터 → 지역 울산 → 적용 → "필터 (1)" and a chip "지역: 울산"', async () => {
      need(listed, 'the result page');
      await page.locator('#filters-box > summary').click();
      await page.selectOption('#l-region', '31');
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.locator('#filters button[type=submit]').click()]);
      const label = norm(await page.locator('#filters-box > summary').innerText());
      if (label !== '필터 (1)') throw new Error(`summary reads "${label}"`);
      const chips = await page.locator('.chip').allInnerTexts();
      if (chips.length !== 1 || !chips[0].includes('지역: 울산')) throw new Error(`chips: ${JSON.stringify(chips)}`);
      chipped = true;
      return `chip "${norm(chips[0])}"`;
    });
    await kit.phoneChecks(page, 'search-with-chip', chipped);

    await check('search 390 px: tapping the chip removes the filter and keeps the words', async () => {
      need(chipped, 'a chip');
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.locator('.chip').first().click()]);
      const url = new URL(page.url());
      if (url.searchParams.get('region')) throw new Error(`region still in ${page.url()}`);
      if (url.searchParams.get('q') !== '소상공인 지원') throw new Error(`q lost: ${page.url()}`);
      if (await page.locator('.chip').count()) throw new Error('a chip is still there');
    });

    await check('search: an owner\'s word "식당" finds programs (음식점, 외식 …)', async () => {
      await page.goto(`${BASE_URL}/announcements?status=all&q=${encodeURIComponent('식당')}`, { waitUntil: 'load' });
      const n = Number(norm(await page.locator('#result-count').innerText()));
      if (!(n > 0)) throw new Error(`${n} results`);
      const marks = await page.locator('.ann-list mark').allInnerTexts();
      if (!marks.some((m) => /음식점|외식|요식업|식당/.test(m))) throw new Error(`marked: ${marks.slice(0, 5).join(', ')}`);
      return `${n} results`;
    });

    let offered = false;
    await check('search: "식땅" finds nothing and offers "식당 (N건)", which finds N', async () => {
      await page.goto(`${BASE_URL}/announcements?status=all&q=${encodeURIComponent('식땅')}`, { waitUntil: 'load' });
      if (!(await page.locator('#zero-results').isVisible())) throw new Error('no zero-result help');
      const link = page.locator('#zero-results a', { hasText: /^식당 \(\d+건\)$/ }).first();
      const text = norm(await link.innerText());
      const want = Number(text.match(/\((\d+)건\)/)[1]);
      offered = true;
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), link.click()]);
      const n = Number(norm(await page.locator('#result-count').innerText()));
      if (n !== want) throw new Error(`offered ${want}, found ${n}`);
      return text;
    });
    await kit.phoneChecks(page, 'search-nearest-word', offered);
  } finally {
    await ctx.close().catch(() => {});
  }
};
