// Applying on the portal (issue 12), in a real browser, against `jiwon demo`'s portal
// program (its form uses every question kind): the demo owner, on a phone, signs in, opens
// the program, "이 포털에서 신청하기", walks every step — eligibility, the applicant section
// prefilled, the questions (a table, a question shown only for an earlier answer, a money
// field answered wrongly once: the Korean message at the field, the rest kept) —, uploads a
// real small PDF through the file input, accepts the consents, reviews, submits and gets the
// 접수증, then finds it on /me/applications. The demo reviewer (1280 px) finds it in the
// console's inbox, downloads the attachment (the same bytes), asks for 보완 with a note; the
// owner sees what to fix and by when, changes an answer and re-submits; the reviewer
// selects it; the owner's dashboard says 선정. axe, the 390 px overflow and tap-size checks
// on every page; the console pages at 1280 px (axe) too.

const fs = require('fs');

const DESKTOP = { width: 1280, height: 900 };
const PROGRAM = '2027년 소상공인 온라인 판로 바우처 (데모: 이 포털에서 신청)';
const FILE_NAME = '판로계획서.pdf';

// A small, valid one-page PDF (what a person would attach), built here so the journey
// needs no fixture file.
function smallPdf() {
  const text = 'BT /F1 14 Tf 20 50 Td (Jiwon e2e: online sales plan) Tj ET';
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 100] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${text.length} >>\nstream\n${text}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets = [];
  objs.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  out += offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

// The demo reviewer's line in DEMO_LOG ("  reviewer@demo.jiwon.kr  PASSWORD  (reviewer)");
// the kit's demoAccounts() reads the editor, operator and owner lines.
function reviewerAccount() {
  const file = process.env.DEMO_LOG;
  if (!file) return null;
  let text;
  try {
    text = fs.readFileSync(file, 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
  } catch (_) {
    return null;
  }
  const m = text.match(/^\s+(\S+@\S+)\s+(\S+)\s+\(reviewer\)\s*$/m);
  return m ? { email: m[1], password: m[2] } : null;
}

// The field a question's input has (ids carry dots: "i-q.budget").
const byId = (id) => `[id="${id}"]`;

async function run(kit) {
  const { BASE_URL, MOBILE, check, need, norm, launch, watch, runAxe, phoneChecks, clickAndWaitOn, expectHttp, screenshot } = kit;
  const accounts = kit.demoAccounts();
  const reviewer = reviewerAccount();
  if (accounts.reason || !accounts.owner || !reviewer) {
    kit.log(`SKIPPED: apply journey: ${accounts.reason || 'no owner or reviewer account line in DEMO_LOG'}`);
    return;
  }
  const pdf = smallPdf();
  const s = {};

  const ownerCtx = await launch('apply-owner', { viewport: MOBILE, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const staffCtx = await launch('apply-reviewer', { viewport: DESKTOP });
  const page = watch(ownerCtx.pages()[0] || (await ownerCtx.newPage()));
  const staff = watch(staffCtx.pages()[0] || (await staffCtx.newPage()));
  // What went wrong in the browser on this journey's pages (the kit's own list is only
  // checked by a full run): JS errors, console errors (a script the CSP refuses is one),
  // HTTP errors other than the one refused form.
  const problems = [];
  for (const p of [page, staff]) {
    p.on('pageerror', (e) => problems.push(`JS error on ${p.url()}: ${norm(e.message)}`));
    p.on('console', (m) => {
      // A failed load is reported again as its response, below.
      if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(`console error on ${p.url()}: ${norm(m.text())}`);
    });
    p.on('response', (r) => {
      if (r.status() >= 400 && !(r.status() === 422 && r.request().method() === 'POST')) {
        problems.push(`HTTP ${r.status()} for ${r.url()}`);
      }
    });
  }
  const go = (locator) => clickAndWaitOn(page, locator);
  const staffGo = (locator) => clickAndWaitOn(staff, locator);
  const ownerChecks = (name, ok) => phoneChecks(page, `apply ${name}`, ok);
  // A console page: axe at 1280 px, then axe, overflow and tap sizes at 390 px.
  const consoleChecks = async (name, ok) => {
    await check(`apply console ${name}: axe WCAG 2 A/AA (1280 px)`, async () => {
      need(ok, `the console ${name} page`);
      return runAxe(staff, `apply console ${name}`);
    });
    await staff.setViewportSize(MOBILE);
    await phoneChecks(staff, `apply console ${name}`, ok);
    await staff.setViewportSize(DESKTOP);
  };
  const appPath = () => `/me/applications/${s.id}`;

  try {
    // --- the owner applies -----------------------------------------------------------
    await check('apply: the demo owner signs in and opens the portal program', async () => {
      await page.goto(`${BASE_URL}/login`, { waitUntil: 'load' });
      await page.fill('#email', accounts.owner.email);
      await page.fill('#password', accounts.owner.password);
      await go(page.locator('form[action="/login"] button[type="submit"]'));
      if (new URL(page.url()).pathname !== '/me') throw new Error(`login went to ${page.url()}`);
      await page.goto(`${BASE_URL}/announcements?q=${encodeURIComponent('판로 바우처')}`, { waitUntil: 'load' });
      const link = page.locator('main a.ann-link', { hasText: '이 포털에서 신청' }).first();
      if (!(await link.count())) throw new Error('the program is not in the search results');
      await go(link);
      const h1 = norm(await page.locator('h1').first().innerText());
      if (h1 !== PROGRAM) throw new Error(`opened "${h1}"`);
      const apply = norm(await page.locator('a#apply').innerText());
      if (apply !== '이 포털에서 신청하기') throw new Error(`the apply button says "${apply}"`);
      s.program = new URL(page.url()).pathname;
      return s.program;
    });
    await ownerChecks('program', s.program);

    await check('apply: "이 포털에서 신청하기" → the start page → 신청서 작성 시작 → step 1', async () => {
      need(s.program, 'the program page');
      await go(page.locator('a#apply'));
      if (!/\/apply$/.test(new URL(page.url()).pathname)) throw new Error(`went to ${page.url()}`);
      s.startPage = true;
      return norm(await page.locator('main h1').innerText());
    });
    await ownerChecks('start', s.startPage);

    await check('apply: step 1 (자격 확인) asks the hard statement; 예 saves and goes on', async () => {
      need(s.startPage, 'the start page');
      await go(page.locator('main form[action$="/apply"] button[type="submit"]'));
      const u = new URL(page.url());
      s.id = u.pathname.split('/')[3];
      if (!/^\/me\/applications\/[^/]+$/.test(u.pathname)) throw new Error(`started on ${page.url()}`);
      const current = norm(await page.locator('nav.steps [aria-current="step"]').innerText());
      if (current !== '자격 확인') throw new Error(`the current step is "${current}"`);
      s.step1 = true;
      return `${s.id}: ${norm(await page.locator('main legend').first().innerText())}`;
    });
    await ownerChecks('step 1 eligibility', s.step1);

    await check('apply: step 2 (신청 기업) is prefilled from the profile', async () => {
      need(s.step1, 'step 1');
      await page.check('input[name="q.elig_employees_max"][value="yes"]');
      await go(page.locator('main form button[type="submit"]', { hasText: '저장하고 다음' }));
      if (!/step=2/.test(page.url())) throw new Error(`saving step 1 went to ${page.url()}`);
      const name = await page.inputValue(byId('i-a.name'));
      const number = await page.inputValue(byId('i-a.business_number'));
      if (name !== '미숙이네 돼지국밥' || !/610-?25-?47329/.test(number)) throw new Error(`prefilled "${name}" / "${number}"`);
      s.step2 = true;
      return `${name} (${number})`;
    });
    await ownerChecks('step 2 applicant', s.step2);

    await check('apply: step 3 shows one file input, and the conditional question only for its answer (live)', async () => {
      need(s.step2, 'step 2');
      await page.fill(byId('i-a.representative'), '정미숙');
      await page.fill(byId('i-a.phone'), '010-2345-6789');
      await page.fill(byId('i-a.address'), '울산광역시 남구 삼산로 1');
      await go(page.locator('main form button[type="submit"]', { hasText: '저장하고 다음' }));
      if (!/step=3/.test(page.url())) throw new Error(`saving step 2 went to ${page.url()}: ${norm(await page.locator('main').innerText()).slice(0, 160)}`);
      const files = await page.locator('main input[type="file"]').count();
      if (files !== 1) throw new Error(`${files} file inputs on the questions page`);
      const malls = page.locator(byId('i-q.malls'));
      const note = page.locator('#cond-malls');
      if (await malls.isVisible()) throw new Error('the 쇼핑몰 question shows before 주 판매 채널 is answered');
      if (!(await note.isVisible())) throw new Error('no note says when the 쇼핑몰 question appears');
      const said = norm(await note.innerText());
      await page.check('input[name="q.channel"][value="온라인 쇼핑몰"]');
      if (!(await malls.isVisible())) throw new Error('choosing 온라인 쇼핑몰 did not show the 쇼핑몰 question');
      await page.check('input[name="q.channel"][value="오프라인 매장"]');
      if (await malls.isVisible()) throw new Error('choosing 오프라인 매장 did not hide it again');
      await page.check('input[name="q.channel"][value="온라인 쇼핑몰"]');
      s.step3 = true;
      return said;
    });
    await ownerChecks('step 3 questions', s.step3);

    await check('apply: a wrong money answer comes back at its field in Korean, the rest kept', async () => {
      need(s.step3, 'step 3');
      await page.fill(byId('i-q.product'), '돼지국밥 밀키트');
      await page.fill(byId('i-q.plan'), '스마트스토어와 쿠팡에 입점해 밀키트를 판매합니다.');
      await page.fill(byId('i-q.sku_count'), '3');
      await page.fill(byId('i-q.budget'), '오백만 원쯤');
      await page.fill(byId('i-q.start_on'), '2027-02-01');
      await page.check('input[name="q.malls"][value="스마트스토어"]');
      await page.check('input[name="q.malls"][value="쿠팡"]');
      await page.check('input[name="q.supported_before"][value="no"]');
      await page.fill(byId('i-q.sales.0.year'), '2025');
      await page.fill(byId('i-q.sales.0.amount'), '120,000,000');
      await page.fill(byId('i-q.sales.1.year'), '2024');
      await page.fill(byId('i-q.sales.1.amount'), '9500만');
      expectHttp('POST', appPath(), 422);
      const resp = await go(page.locator('main form button[type="submit"]', { hasText: '저장하고 다음' }));
      if (resp.status() !== 422) throw new Error(`HTTP ${resp.status()}`);
      const msg = norm(await page.locator(byId('q.budget-error')).innerText());
      if (!/금액을 숫자로 적어 주세요/.test(msg)) throw new Error(`the money field says "${msg}"`);
      const summary = await page.locator('#error-summary a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      if (summary.join() !== '#i-q.budget') throw new Error(`the summary links ${summary.join(', ')}`);
      const kept = [
        await page.inputValue(byId('i-q.product')),
        await page.inputValue(byId('i-q.sales.0.year')),
        await page.inputValue(byId('i-q.sales.1.amount')),
        String(await page.isChecked('input[name="q.malls"][value="쿠팡"]')),
        String(await page.isVisible(byId('i-q.malls'))),
      ];
      if (kept.join('|') !== '돼지국밥 밀키트|2025|9500만|true|true') throw new Error(`kept: ${kept.join(' | ')}`);
      s.wrong = true;
      return msg;
    });
    await ownerChecks('step 3 with an error', s.wrong);

    await check('apply: fixed, it saves and goes to 확인·제출', async () => {
      need(s.wrong, 'the refused step 3');
      await page.fill(byId('i-q.budget'), '3,000,000');
      await go(page.locator('main form button[type="submit"]', { hasText: '저장하고 다음' }));
      if (!/step=4/.test(page.url())) throw new Error(`went to ${page.url()}: ${norm(await page.locator('#error-summary').innerText().catch(() => ''))}`);
      s.saved3 = true;
      return norm(await page.locator('main').innerText()).match(/3,000,000 원/) ? '3,000,000 원' : 'saved';
    });

    await check(`apply: a real PDF (${pdf.length} bytes) uploads through the file input and is listed (name, size)`, async () => {
      need(s.saved3, 'the saved questions');
      await go(page.locator('nav.steps a[href$="step=3"]'));
      // An answer changed just before: the upload (its own form) must not lose it.
      await page.fill(byId('i-q.sku_count'), '4');
      await page.setInputFiles(byId('i-q.plan_file'), { name: FILE_NAME, mimeType: 'application/pdf', buffer: pdf });
      await go(page.locator('button[form="up-plan_file"]', { hasText: '파일 올리기' }));
      if (!/saved=1/.test(page.url())) throw new Error(`the upload went to ${page.url()}: ${norm(await page.locator('main').innerText()).slice(0, 200)}`);
      const skus = await page.inputValue(byId('i-q.sku_count'));
      if (skus !== '4') throw new Error(`the answer typed before uploading is now "${skus}"`);
      const listed = norm(await page.locator(`${byId('q.plan_file-files')} li`).first().innerText());
      if (!listed.includes(FILE_NAME) || !/\(\d+KB\)/.test(listed)) throw new Error(`listed: "${listed}"`);
      if ((await page.locator('main input[type="file"]').count()) !== 1) throw new Error('two file inputs after the upload');
      if (!(await page.locator('button[name="replace"]').count())) throw new Error('no way to replace the file');
      s.uploaded = true;
      return listed;
    });
    await ownerChecks('step 3 uploaded', s.uploaded);

    await check('apply: the review lists every answer and the uploaded file (name, size)', async () => {
      need(s.uploaded, 'the upload');
      await go(page.locator('main form button[type="submit"]', { hasText: '저장하고 다음' }));
      if (!/step=4/.test(page.url())) throw new Error(`went to ${page.url()}`);
      const review = norm(await page.locator('main').innerText());
      for (const want of ['돼지국밥 밀키트', '3,000,000 원', '스마트스토어, 쿠팡', '연도 2025, 매출 120,000,000 원', FILE_NAME]) {
        if (!review.includes(want)) throw new Error(`the review page lacks "${want}"`);
      }
      const file = norm(await page.locator('main dl.review .uploaded li').first().innerText());
      if (!/\(\d+KB\)/.test(file)) throw new Error(`the file is listed as "${file}"`);
      s.reviewPage = true;
      return file;
    });
    await ownerChecks('review', s.reviewPage);

    await check('apply: the consents accepted, 제출하기 → the 접수증 with its number and the file', async () => {
      need(s.reviewPage, 'the review page');
      await page.check('input[name="consent_privacy"]');
      await page.check('input[name="consent_third"]');
      await go(page.locator('main form[action$="/submit"] button[type="submit"]'));
      if (!/\/receipt$/.test(new URL(page.url()).pathname)) throw new Error(`submitting went to ${page.url()}`);
      s.receipt = norm(await page.locator('main dl.review dd strong').first().innerText());
      if (!/^JW-\d{8}-[A-Z0-9]{6}$/.test(s.receipt)) throw new Error(`receipt number "${s.receipt}"`);
      const text = norm(await page.locator('main').innerText());
      if (!text.includes(FILE_NAME)) throw new Error('the 접수증 does not list the file');
      if (!(await page.locator('button[data-print]').isVisible())) throw new Error('no 인쇄 button');
      await screenshot(page, 'mobile-apply-receipt');
      return s.receipt;
    });
    await ownerChecks('receipt', s.receipt);

    await check('apply: /me/applications lists it, 접수, with the receipt number', async () => {
      need(s.receipt, 'the receipt');
      await page.goto(`${BASE_URL}/me/applications`, { waitUntil: 'load' });
      const item = page.locator('ul.applications li', { hasText: s.receipt });
      if (!(await item.count())) throw new Error('not on the dashboard');
      const status = norm(await item.locator('.status').innerText());
      if (status !== '접수') throw new Error(`status "${status}"`);
      s.mine = true;
      return norm(await item.innerText()).slice(0, 120);
    });
    await ownerChecks('my applications', s.mine);

    // --- the reviewer ------------------------------------------------------------------
    await check('apply: the demo reviewer finds it in the console inbox', async () => {
      need(s.mine, 'the submitted application');
      await staff.goto(`${BASE_URL}/login?next=/console`, { waitUntil: 'load' });
      await staff.fill('#email', reviewer.email);
      await staff.fill('#password', reviewer.password);
      await staffGo(staff.locator('form[action^="/login"] button[type="submit"]'));
      if (new URL(staff.url()).pathname !== '/console') throw new Error(`signed in on ${staff.url()}`);
      await staffGo(staff.locator('main a[href="/console/applications"]').first());
      const row = staff.locator('table.app-inbox tbody tr', { hasText: s.receipt });
      if (!(await row.count())) throw new Error(`${s.receipt} is not in the inbox`);
      s.inbox = true;
      return norm(await row.innerText());
    });
    await consoleChecks('inbox', s.inbox);

    await check('apply: the reviewer opens it and downloads the attachment (the same bytes)', async () => {
      need(s.inbox, 'the inbox');
      await staffGo(staff.locator('table.app-inbox a', { hasText: s.receipt }));
      s.staffPath = new URL(staff.url()).pathname;
      const answers = norm(await staff.locator('main').innerText());
      if (!answers.includes('돼지국밥 밀키트')) throw new Error('the answers are not on the page');
      const link = staff.locator('#files a', { hasText: FILE_NAME });
      if (!(await link.count())) throw new Error('the file is not listed');
      const listed = norm(await staff.locator('#files li').first().innerText());
      if (!listed.includes(`(${pdf.length}바이트)`)) throw new Error(`listed as "${listed}", ${pdf.length} bytes sent`);
      const href = await link.getAttribute('href');
      const r = await staff.request.get(`${BASE_URL}${href}`);
      if (r.status() !== 200) throw new Error(`GET ${href} answered ${r.status()}`);
      const body = await r.body();
      if (!body.equals(pdf)) throw new Error(`downloaded ${body.length} bytes, not the ${pdf.length} uploaded`);
      s.opened = true;
      return `${href}: ${body.length} bytes, ${r.headers()['content-type']}`;
    });
    await consoleChecks('application', s.opened);

    await check('apply: the reviewer asks for 보완 with a note', async () => {
      need(s.opened, 'the application page');
      await staff.check('input[name="to"][value="supplement"]');
      await staff.fill('textarea[name="note"]', '2024년 매출 증빙을 다시 확인해 신청 금액을 고쳐 주세요.');
      await staffGo(staff.locator('main form[action$="/status"] button[type="submit"]'));
      const status = norm(await staff.locator('#app-status').innerText());
      if (status !== '보완요청') throw new Error(`status "${status}"`);
      s.supplement = true;
      return status;
    });
    await consoleChecks('supplement asked', s.supplement);

    // --- the owner answers the 보완 -------------------------------------------------------
    await check('apply: the owner sees what to fix and by when', async () => {
      need(s.supplement, 'the 보완 request');
      await page.goto(`${BASE_URL}/me/applications`, { waitUntil: 'load' });
      const item = page.locator('ul.applications li', { hasText: s.receipt });
      const next = norm(await item.locator('a', { hasText: '보완 제출' }).innerText());
      if (!/보완 제출 \(\d+월 \d+일까지\)/.test(next)) throw new Error(`next action "${next}"`);
      await go(item.locator('a', { hasText: '보완 제출' }));
      const notice = norm(await page.locator('main .notice.warn').first().innerText());
      if (!notice.includes('2024년 매출 증빙을 다시 확인해') || !/까지 고쳐서 다시 제출해 주세요/.test(notice)) throw new Error(`the notice says "${notice}"`);
      s.fix = true;
      return next;
    });
    await ownerChecks('supplement requested', s.fix);

    await check('apply: the owner changes the amount and re-submits (보완 내용 제출)', async () => {
      need(s.fix, 'the 보완 page');
      await go(page.locator('nav.steps a[href$="step=3"]'));
      await page.fill(byId('i-q.budget'), '2,500,000');
      await go(page.locator('main form button[type="submit"]', { hasText: '저장하고 다음' }));
      if (!/step=4/.test(page.url())) throw new Error(`went to ${page.url()}`);
      if (!norm(await page.locator('main').innerText()).includes('2,500,000 원')) throw new Error('the review does not show the new amount');
      await go(page.locator('main form[action$="/submit"] button[type="submit"]', { hasText: '보완 내용 제출' }));
      if (!/\/receipt$/.test(new URL(page.url()).pathname)) throw new Error(`re-submitting went to ${page.url()}`);
      const no = norm(await page.locator('main dl.review dd strong').first().innerText());
      if (no !== s.receipt) throw new Error(`receipt ${no}, was ${s.receipt}`);
      s.resubmitted = true;
      return no;
    });
    await ownerChecks('resubmitted receipt', s.resubmitted);

    await check('apply: the reviewer sees the 보완 제출 and decides 선정 with a note', async () => {
      need(s.resubmitted, 'the re-submission');
      await staff.goto(`${BASE_URL}${s.staffPath}`, { waitUntil: 'load' });
      const text = norm(await staff.locator('main').innerText());
      if (!text.includes('보완 제출')) throw new Error('the history has no 보완 제출');
      if (!text.includes('2,500,000') && !text.includes('2500000')) throw new Error('the new amount is not shown');
      await staff.check('input[name="to"][value="selected"]');
      await staff.fill('textarea[name="note"]', '심사 결과 선정되었습니다. 협약 안내를 메일로 드립니다.');
      await staffGo(staff.locator('main form[action$="/status"] button[type="submit"]'));
      const status = norm(await staff.locator('#app-status').innerText());
      if (status !== '선정') throw new Error(`status "${status}"`);
      s.selected = true;
      return status;
    });
    await consoleChecks('decided', s.selected);

    await check("apply: the owner's dashboard shows 선정; the application page the note", async () => {
      need(s.selected, 'the decision');
      await page.goto(`${BASE_URL}/me/applications`, { waitUntil: 'load' });
      const item = page.locator('ul.applications li', { hasText: s.receipt });
      const status = norm(await item.locator('.status').innerText());
      if (status !== '선정') throw new Error(`status "${status}"`);
      await go(item.locator('h2 a'));
      const text = norm(await page.locator('main').innerText());
      if (!text.includes('협약 안내를 메일로 드립니다')) throw new Error('the decision note is not on the application page');
      if (/\bstatus\b|routed/.test(text)) throw new Error('event codes on the application page');
      if (!text.includes(FILE_NAME)) throw new Error('the file is not listed on the application page');
      s.done = true;
      return status;
    });
    await ownerChecks('decided application', s.done);

    await check('apply: no JS errors, console errors or failed requests on the way', async () => {
      need(s.done, 'the whole journey');
      if (problems.length) throw new Error(`${problems.length}: ${problems.slice(0, 3).join('; ')}`);
      return 'none';
    });
  } finally {
    await ownerCtx.close().catch(() => {});
    await staffCtx.close().catch(() => {});
  }
}

module.exports = { run };
