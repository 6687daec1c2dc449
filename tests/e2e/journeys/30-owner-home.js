// The owner's home at 390 px: the demo owner lands on "내게 맞는 공고" with the reasons;
// a new visitor taps 관심 공고로 저장 → the login page says why → 회원 가입 → the
// verification mail → verify → back on the announcement, saved; the profile's industry
// typed as a name ("한식") offers 56111.

async function run(kit) {
  const { BASE_URL, MOBILE, check, need, norm, launch, watch, phoneChecks, clickAndWaitOn, expectKoreanPage, expectHttp, mailFromOutbox, demoAccounts, screenshot } = kit;
  const s = {};

  // 1. the demo owner's home
  const accounts = demoAccounts();
  const ctx1 = await launch('owner-home', { viewport: MOBILE });
  const page = watch(ctx1.pages()[0] || (await ctx1.newPage()));
  const clickAndWait = (p, locator, waitFor) => clickAndWaitOn(p, locator, waitFor);
  try {
    await check('owner home: the demo owner logs in and lands on 내게 맞는 공고', async () => {
      need(accounts.owner, accounts.reason || 'the demo owner in DEMO_LOG');
      const resp = await page.goto(`${BASE_URL}/login`, { waitUntil: 'load' });
      await expectKoreanPage(page, resp, 'GET /login');
      await page.fill('#email', accounts.owner.email);
      await page.fill('#password', accounts.owner.password);
      await clickAndWait(page, page.locator('form[action="/login"] button[type="submit"]'));
      if (new URL(page.url()).pathname !== '/me') throw new Error(`login went to ${page.url()}`);
      const h = norm(await page.locator('#h-fits').innerText());
      if (h !== '내게 맞는 공고') throw new Error(`no 내게 맞는 공고 heading (got "${h}")`);
      s.home = true;
      return h;
    });
    await check('owner home: programs listed with why each fits (지역 …), best first', async () => {
      need(s.home, 'the owner home');
      const whys = await page.locator('.fit-list .fit-why').evaluateAll((ps) => ps.map((p) => p.innerText.trim()));
      if (!whys.length) throw new Error('no program with reasons on the owner home');
      if (!whys.every((w) => /지역: /.test(w))) throw new Error(`a reason without the region: ${whys.find((w) => !/지역: /.test(w))}`);
      if (!/지역: 울산/.test(whys[0])) throw new Error(`the first program is not a 울산 one: ${whys[0]}`);
      await screenshot(page, 'mobile-owner-home');
      return `${whys.length} shown; first: ${whys[0]}`;
    });
    await phoneChecks(page, 'owner-home', s.home);
    await check('owner home: the first program\'s page says why it fits (내 사업과 맞는지)', async () => {
      need(s.home, 'the owner home');
      await clickAndWait(page, page.locator('.fit-list a.ann-link').first());
      const box = norm(await page.locator('.fit-box').innerText());
      if (!/맞는 이유 .*지역: /.test(box)) throw new Error(`no reasons on the announcement page: "${box}"`);
      s.detail = true;
      return box.slice(0, 100);
    });
    await phoneChecks(page, 'announcement-fit', s.detail);
  } finally {
    await ctx1.close();
  }

  // 2. a new visitor saves an announcement through sign-up
  const run = Date.now().toString(36) + Math.random().toString(36).slice(2, 6);
  const email = `e2e-intent-${run}@example.com`;
  const password = `e2e 비밀번호 ${run}`;
  const ctx2 = await launch('owner-intent', { viewport: MOBILE });
  const p2 = watch(ctx2.pages()[0] || (await ctx2.newPage()));
  try {
    await check('anonymous home: choosing 울산 in the region form localizes the home, remembered', async () => {
      const resp = await p2.goto(`${BASE_URL}/`, { waitUntil: 'load' });
      await expectKoreanPage(p2, resp, 'GET /');
      await p2.selectOption('#home-region', '31');
      await clickAndWait(p2, p2.locator('.home-region button[type="submit"]'));
      if (new URL(p2.url()).pathname !== '/') throw new Error(`the region form went to ${p2.url()}`);
      await p2.goto(`${BASE_URL}/`, { waitUntil: 'load' });
      const h = norm(await p2.locator('#h-myregion').innerText());
      if (!h.includes('울산')) throw new Error(`the home is not localized after a reload: "${h}"`);
      s.region = true;
      return h;
    });
    await phoneChecks(p2, 'home-localized', s.region);

    await check('intent: a visitor taps 관심 공고로 저장 → the login page says why', async () => {
      const resp = await p2.goto(`${BASE_URL}/announcements`, { waitUntil: 'load' });
      await expectKoreanPage(p2, resp, 'GET /announcements');
      await clickAndWait(p2, p2.locator('main a.ann-link').first());
      s.announcement = new URL(p2.url()).pathname;
      s.title = norm(await p2.locator('h1').first().innerText());
      await clickAndWait(p2, p2.locator('a[href^="/bookmarks/new"]').first());
      if (new URL(p2.url()).pathname !== '/login') throw new Error(`went to ${p2.url()}`);
      const why = norm(await p2.locator('.intent-reason').innerText());
      if (!why.includes('관심 공고로 저장하려면 로그인하세요')) throw new Error(`the login page does not say why: "${why}"`);
      s.login = true;
      return why;
    });
    await phoneChecks(p2, 'login-with-intent', s.login);

    await check('intent: 회원 가입 keeps the intent → "확인 메일을 보냈습니다"', async () => {
      need(s.login, 'the login page');
      await clickAndWait(p2, p2.locator('main a[href^="/signup"]').first());
      if ((await p2.locator('form[action="/signup"] input[name="intent"]').count()) !== 1) throw new Error('the sign-up form does not carry the intent');
      await p2.fill('#i-email', email);
      await p2.fill('#i-password', password);
      await p2.fill('#i-password_confirm', password);
      await p2.check('#i-agree');
      await clickAndWait(p2, p2.locator('form[action="/signup"] button[type="submit"]'));
      if (new URL(p2.url()).pathname !== '/signup/sent') throw new Error(`ended on ${p2.url()}`);
      s.sent = true;
      return email;
    });

    await check('intent: the mailed verify link → the button → back on the announcement, saved', async () => {
      need(s.sent, 'a sign-up');
      const mail = await mailFromOutbox(p2, email, '/verify/');
      const m = mail.text.match(/https?:\/\/\S+\/verify\/\S+/);
      if (!m || !m[0].includes('intent=')) throw new Error(`the verify link does not carry the intent: ${m ? m[0] : 'none'}`);
      const u = new URL(m[0]);
      const resp = await p2.goto(`${BASE_URL}${u.pathname}${u.search}`, { waitUntil: 'load' });
      await expectKoreanPage(p2, resp, 'GET /verify/…');
      await clickAndWait(p2, p2.locator('form[action^="/verify/"] button[type="submit"]'));
      const now = new URL(p2.url());
      if (now.pathname !== s.announcement) throw new Error(`verifying went to ${p2.url()}, not ${s.announcement}`);
      const notice = norm(await p2.locator('.notice[role="status"]').first().innerText());
      if (!notice.includes('관심 공고로 저장했습니다')) throw new Error(`no "saved" notice (got "${notice}")`);
      s.saved = true;
      return notice;
    });
    await phoneChecks(p2, 'announcement-saved', s.saved);
    await check('intent: the announcement is in 관심 공고', async () => {
      need(s.saved, 'the saved announcement');
      await p2.goto(`${BASE_URL}/me/bookmarks`, { waitUntil: 'load' });
      const body = norm(await p2.locator('main').innerText());
      if (!body.includes(s.title.slice(0, 20))) throw new Error(`/me/bookmarks does not list "${s.title}"`);
      return s.title;
    });

    // 3. the industry by name, without relying on the suggestion list
    await check('profile: industry "한식" → the form offers 56111 (한식 일반 음식점업)', async () => {
      need(s.saved, 'a signed-in owner');
      const resp = await p2.goto(`${BASE_URL}/me/profile`, { waitUntil: 'load' });
      await expectKoreanPage(p2, resp, 'GET /me/profile');
      await p2.fill('#i-ksic_code', '한식');
      expectHttp('POST', '/me/profile', 422);
      await clickAndWait(p2, p2.locator('form[action="/me/profile"] button[type="submit"]'));
      const choice = p2.locator('input[name="ksic_pick"][value="56111"]');
      if ((await choice.count()) !== 1) throw new Error('56111 is not offered');
      s.choices = true;
      return norm(await p2.locator('#f-ksic_pick').innerText()).slice(0, 80);
    });
    await phoneChecks(p2, 'profile-industry-choices', s.choices);
    await check('profile: choosing 56111 saves it', async () => {
      need(s.choices, 'the offered codes');
      await p2.locator('input[name="ksic_pick"][value="56111"]').check();
      await clickAndWait(p2, p2.locator('form[action="/me/profile"] button[type="submit"]'));
      if (!/\/me\/profile\?saved=1$/.test(p2.url())) throw new Error(`saving went to ${p2.url()}`);
      const notice = norm(await p2.locator('.notice[role="status"]').first().innerText());
      if (!notice.includes('56111')) throw new Error(`the saved notice does not name 56111: "${notice}"`);
      return notice;
    });
  } finally {
    await ctx2.close();
  }
}

module.exports = { run };
