// Messages you can trust, on a 390 px phone: a fresh owner (signed up through the form and
// /dev/outbox) finds 이용약관, 개인정보 처리방침 and 도움말 in the footer, enters a phone
// number on the profile, asks for a code and sees the "code sent" state — and, since the
// demo has no SMS provider, the page saying the code only goes to the server's SMS log —, a
// wrong code gives a Korean error at the field; the subscription form says why SMS is not
// offered yet; an alert is paused and deleted after a confirmation. axe on every page.

module.exports.run = async function run(kit) {
  const { BASE_URL, MOBILE, HANGUL, check, need, norm, launch, watch, expectHttp, expectKoreanPage, phoneChecks, clickAndWaitOn, mailFromOutbox, onServer } = kit;
  const ctx = await launch('trust', { viewport: MOBILE, isMobile: true, hasTouch: true });
  const page = watch(await ctx.newPage());
  const click = (locator, waitFor) => clickAndWaitOn(page, locator, waitFor);
  const run = Date.now().toString(36) + Math.random().toString(36).slice(2, 6);
  const email = `e2e-trust-${run}@example.com`;
  const password = `e2e 비밀번호 ${run}`;
  const s = {};

  try {
    // --- the texts, from the footer -------------------------------------------------------
    for (const [href, name, heading, must] of [
      ['/terms', 'terms', '이용약관', '시행일'],
      ['/privacy', 'privacy', '개인정보 처리방침', '개인정보 보호책임자'],
      ['/help', 'help', '도움말·문의', '기관 담당자를 위한 질문'],
    ]) {
      await check(`trust: footer link ${href} opens ${heading}`, async () => {
        await page.goto(`${BASE_URL}/`, { waitUntil: 'load' });
        const resp = await click(page.locator(`.site-footer a[href="${href}"]`));
        await expectKoreanPage(page, resp, `GET ${href}`);
        const h1 = norm(await page.locator('h1').innerText());
        if (h1 !== heading) throw new Error(`h1 is "${h1}"`);
        const body = norm(await page.locator('main').innerText());
        if (!body.includes(must)) throw new Error(`no "${must}" on ${href}`);
        s[name] = true;
        return h1;
      });
      await phoneChecks(page, `trust-${name}`, s[name]);
    }

    // --- a fresh owner --------------------------------------------------------------------
    await check('trust: sign-up links the terms and the privacy policy at the consent box', async () => {
      const resp = await page.goto(`${BASE_URL}/signup`, { waitUntil: 'load' });
      await expectKoreanPage(page, resp, 'GET /signup');
      for (const href of ['/terms', '/privacy']) {
        if ((await page.locator(`form[action="/signup"] a[href="${href}"]`).count()) < 1) throw new Error(`no ${href} link in the sign-up form`);
      }
      await page.fill('#i-email', email);
      await page.fill('#i-password', password);
      await page.fill('#i-password_confirm', password);
      await page.check('#i-agree');
      await click(page.locator('form[action="/signup"] button[type="submit"]'));
      if (new URL(page.url()).pathname !== '/signup/sent') throw new Error(`ended on ${page.url()}`);
      const mail = await mailFromOutbox(page, email, '/verify/');
      await page.goto(onServer(mail.link), { waitUntil: 'load' });
      await click(page.locator('form[action^="/verify/"][method="post"] button[type="submit"]'));
      if ((await page.locator('.site-header form[action="/logout"]').count()) !== 1) throw new Error(`not signed in after verifying (on ${page.url()})`);
      s.owner = true;
      return email;
    });

    // --- the phone number ------------------------------------------------------------------
    await check('trust: a number saved on the profile is "not verified yet", and the page says the demo sends no real SMS', async () => {
      need(s.owner, 'a signed-in owner');
      const resp = await page.goto(`${BASE_URL}/me/profile`, { waitUntil: 'load' });
      await expectKoreanPage(page, resp, 'GET /me/profile');
      await page.fill('#i-phone', '010-1234-5678');
      await click(page.locator('form[action="/me/profile"] button[type="submit"]'));
      const box = norm(await page.locator('#phone-verify').innerText());
      if (!box.includes('010-1234-5678 번호는 아직 확인 전이라 문자 알림을 보내지 않습니다')) throw new Error(`#phone-verify says "${box.slice(0, 160)}"`);
      const sink = norm(await page.locator('#sms-sink-note').innerText());
      if (!/문자 발송 서비스가 연결되어 있지 않습니다/.test(sink)) throw new Error(`no honest note about the missing SMS provider ("${sink}")`);
      s.phone = true;
      return sink.slice(0, 60);
    });
    await phoneChecks(page, 'trust-profile-phone', s.phone);

    await check('trust: 인증번호 받기 → "code sent" state with the code field', async () => {
      need(s.phone, 'a saved number');
      await click(page.locator('#i-phone_code'));
      const u = new URL(page.url());
      if (u.pathname !== '/me/profile' || u.searchParams.get('code') !== 'sent') throw new Error(`ended on ${page.url()}`);
      const sent = norm(await page.locator('#code-sent').innerText());
      if (!/인증번호를 보냈습니다/.test(sent)) throw new Error(`#code-sent says "${sent}"`);
      if ((await page.locator('#i-code').count()) !== 1) throw new Error('no code field');
      s.sent = true;
      return sent;
    });
    await phoneChecks(page, 'trust-code-sent', s.sent);

    await check('trust: a wrong code → 422 with a Korean message at the code field', async () => {
      need(s.sent, 'a code sent');
      await page.fill('#i-code', '000000');
      expectHttp('POST', '/me/phone/verify', 422);
      const resp = await click(page.locator('form[action="/me/phone/verify"] button[type="submit"]'));
      if (!resp || resp.status() !== 422) throw new Error(`POST /me/phone/verify answered ${resp ? resp.status() : 'nothing'}`);
      const el = page.locator('#i-code');
      if ((await el.getAttribute('aria-invalid')) !== 'true') throw new Error('#i-code is not marked invalid');
      const msg = norm(await page.locator('#code-error').innerText());
      if (!HANGUL.test(msg) || !/인증번호가 맞지 않습니다/.test(msg)) throw new Error(`#code-error says "${msg}"`);
      s.wrong = true;
      return msg;
    });
    await phoneChecks(page, 'trust-wrong-code', s.wrong);

    // --- alerts ---------------------------------------------------------------------------
    await check('trust: the alert form says why SMS is not offered yet; an alert is made', async () => {
      need(s.owner, 'a signed-in owner');
      const resp = await page.goto(`${BASE_URL}/alerts/new`, { waitUntil: 'load' });
      await expectKoreanPage(page, resp, 'GET /alerts/new');
      const why = norm(await page.locator('#sms-not-ready').innerText());
      if (!/문자\(SMS\)는 아직 고를 수 없습니다/.test(why)) throw new Error(`#sms-not-ready says "${why}"`);
      if ((await page.locator('input[name="channel"][value="sms"]').count()) !== 0) throw new Error('SMS is offered to an unverified number');
      await page.fill('#i-name', '울산 내수 알림');
      await page.locator('input[name="mode"][value="custom"]').check();
      await page.locator('input[name="category"][value="내수"]').check();
      await click(page.locator('form[action="/alerts"] button[type="submit"]'));
      if (new URL(page.url()).pathname !== '/me/subscriptions') throw new Error(`ended on ${page.url()}`);
      s.alert = true;
      return why.slice(0, 60);
    });

    await check('trust: 일시 정지 pauses the alert and says so', async () => {
      need(s.alert, 'an alert');
      await click(page.locator('button[aria-label="\'울산 내수 알림\' 알림 일시 정지"]'));
      const notice = norm(await page.locator('.notice[role="status"]').first().innerText());
      if (!/일시 정지했습니다/.test(notice)) throw new Error(`notice says "${notice}"`);
      if ((await page.locator('button[aria-label="\'울산 내수 알림\' 알림 다시 받기"]').count()) !== 1) throw new Error('no 다시 받기 button');
      s.paused = true;
      return notice;
    });
    await phoneChecks(page, 'trust-subscriptions-paused', s.paused);

    await check('trust: 삭제 asks first, saying what happens', async () => {
      need(s.paused, 'a paused alert');
      const resp = await click(page.locator('a[aria-label="\'울산 내수 알림\' 알림 삭제"]'));
      await expectKoreanPage(page, resp, 'GET /me/subscriptions/…/delete');
      const h1 = norm(await page.locator('h1').innerText());
      if (h1 !== "'울산 내수 알림' 알림을 삭제할까요?") throw new Error(`h1 is "${h1}"`);
      s.confirm = true;
      return h1;
    });
    await phoneChecks(page, 'trust-delete-confirm', s.confirm);

    await check('trust: the confirmation\'s 삭제 deletes the alert', async () => {
      need(s.confirm, 'the confirmation page');
      await click(page.locator('form[action$="/delete"] button[type="submit"]'));
      const notice = norm(await page.locator('.notice[role="status"]').first().innerText());
      if (!/알림을 삭제했습니다/.test(notice)) throw new Error(`notice says "${notice}"`);
      if ((await page.locator('text=울산 내수 알림').count()) !== 0) throw new Error('the alert is still listed');
      return notice;
    });
  } finally {
    await ctx.close();
  }
};
