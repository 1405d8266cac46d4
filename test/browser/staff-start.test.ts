/**
 * Staff start pages, the coordinator's API tokens page and the landing page, in a real browser
 * (Debian's Chromium through playwright-core) against the real app and a real dev mailbox. Every
 * step is the browser's; the one API call a test makes is what a token is for: calling the API.
 */
import type { Page } from 'playwright-core';
import { STAFF, TOKENS, seenMail, signInLinkIn, signInMailTo, startDashboardHarness, type DashboardHarness, type Who } from '../api/dashboard/harness';
import { browserSession, checkAtBothWidths, heading, type BrowserSession } from './browser';

jest.setTimeout(180_000);

let h: DashboardHarness;
let browsers: BrowserSession;

beforeAll(async () => {
  h = await startDashboardHarness({ worker: false });
  browsers = await browserSession();
});

afterAll(async () => {
  await browsers?.close();
  await h?.close();
});


/**
 * Signs `who` in from the page the browser is on (the sign-in form): types the address, opens the
 * emailed link, presses the button. Returns where the sign-in answer sent the browser (its 303).
 */
async function signInFromEmail(page: Page, who: Who): Promise<string> {
  await page.fill('#email', STAFF[who].email);
  const seen = seenMail(h.mailbox);
  await Promise.all([page.waitForLoadState('load'), page.locator('button[type="submit"]').click()]);
  await page.getByRole('heading', { name: '请查收邮件' }).waitFor();
  await page.goto(signInLinkIn(await signInMailTo(h.mailbox, STAFF[who].email, seen)));
  const answer = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname.startsWith('/sign-in/'));
  await Promise.all([page.waitForLoadState('load'), page.locator('button[type="submit"]').click()]);
  const res = await answer;
  expect(res.status()).toBe(303);
  await page.waitForLoadState('load');
  return res.headers().location ?? '';
}

async function signedInPage(who: Who, path = '/sign-in'): Promise<{ page: Page; landedOn: string }> {
  const page = await browsers.newPage();
  await page.goto(`${h.baseUrl}${path}`);
  const landedOn = await signInFromEmail(page, who);
  return { page, landedOn };
}

describe('each member of staff lands on their own start page', () => {
  // The page that holds each role's own work.
  const startPages: [Who, string][] = [
    ['pm', '/dashboard/my-activities'],
    ['gw', '/dashboard/approvals'],
    ['co', '/dashboard'],
    ['su', '/dashboard'],
  ];

  it.each(startPages)('%s signs in from the emailed link and lands on %s; the brand in the navigation leads there too', async (who, start) => {
    const { page, landedOn } = await signedInPage(who);
    expect(landedOn).toBe(start);
    // The page the browser shows is a page of theirs (until a role's own page exists, the overview stands in for it).
    expect(await page.locator('header.top .who').textContent()).toContain(STAFF[who].name);
    expect(await page.locator('a.brand').getAttribute('href')).toBe(start);
    // Only a coordinator has the tokens page in the navigation.
    expect(await page.locator('header.top a[href="/dashboard/tokens"]').count()).toBe(who === 'co' ? 1 : 0);
  });

  it('a dashboard page asked for before signing in wins over the start page', async () => {
    const page = await browsers.newPage();
    await page.goto(`${h.baseUrl}/dashboard/leaderboard`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    expect(await signInFromEmail(page, 'pm')).toBe('/dashboard/leaderboard');
    expect(await heading(page)).toBe('家庭积分榜');
  });
});

describe("the coordinator's API tokens page", () => {
  const api = (token: string) => fetch(`${h.baseUrl}/api/tokens`, { headers: { authorization: `Bearer ${token}` } });
  const tokenRows = async () => (await h.db.selectFrom('api_tokens').select(['id', 'revoked_at']).execute()).length;

  it('is for coordinators only', async () => {
    const { page } = await signedInPage('gw');
    const res = await page.goto(`${h.baseUrl}/dashboard/tokens`);
    expect(res?.status()).toBe(403);
    expect(await page.content()).toContain('此页面仅限项目协调人使用');
  });

  it('the same blank label through the API and through the form: refused, naming the label, nothing issued', async () => {
    const before = await tokenRows();
    const viaApi = await fetch(`${h.baseUrl}/api/staff/${STAFF.pm.id}/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKENS.co}`, 'content-type': 'application/json' },
      body: JSON.stringify({ label: '   ' }),
    });
    expect(viaApi.status).toBe(400);
    const apiFields = ((await viaApi.json()) as { error: { details: { field: string }[] } }).error.details.map((d) => d.field);

    const { page } = await signedInPage('co', '/dashboard/tokens');
    await page.selectOption('#staffId', STAFF.pm.id);
    await page.fill('#label', '   ');
    const [answer] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.locator('form[action="/dashboard/tokens"] button').click()]);
    expect(answer.status()).toBe(400);
    // The error sits beside the field it is about, in Chinese; the holder stays chosen.
    expect(await page.locator('#label-error').textContent()).toBe('请填写用途。');
    expect(await page.locator('#label').getAttribute('aria-describedby')).toBe('label-error');
    expect(await page.locator('#staffId').inputValue()).toBe(STAFF.pm.id);
    expect(apiFields).toEqual(['label']);
    expect(await tokenRows()).toBe(before);
  });

  it('a coordinator issues a token for a staff member by name; it works on the API until revoked on the page', async () => {
    const { page, landedOn } = await signedInPage('co', '/dashboard/tokens');
    // Asked for before signing in, the tokens page wins over the start page.
    expect(landedOn).toBe('/dashboard/tokens');
    expect(await heading(page)).toBe('API 令牌');
    // Staff are offered by name, with role and compound.
    expect(await page.locator('#staffId option', { hasText: '王管家（物业管家 · 东苑）' }).count()).toBe(1);
    await checkAtBothWidths(page, 'tokens-empty-zh');

    await page.selectOption('#staffId', { label: '王管家（物业管家 · 东苑）' });
    await page.fill('#label', '东苑签到扫码枪');
    const [issuedAnswer] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.locator('form[action="/dashboard/tokens"] button').click()]);
    expect(issuedAnswer.headers()['cache-control']).toBe('no-store');
    expect(await heading(page)).toBe('令牌已签发');
    expect(await page.content()).toContain('请立即复制并妥善保存这个令牌');
    const token = ((await page.locator('code.secret').textContent()) ?? '').trim();
    expect(token).toMatch(/^cgt_[A-Za-z0-9_-]{43}$/);
    await checkAtBothWidths(page, 'token-issued-zh');
    // Only the hash is kept.
    const stored = await h.db.selectFrom('api_tokens').selectAll().where('label', '=', '东苑签到扫码枪').executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ staff_id: STAFF.pm.id, created_by: STAFF.co.id, revoked_at: null });
    expect(JSON.stringify(stored)).not.toContain(token);

    // What a token is for: the script calls the API with it, as the property manager.
    const used = await fetch(`${h.baseUrl}/api/activities?limit=1`, { headers: { authorization: `Bearer ${token}` } });
    expect(used.status).toBe(200);
    // A property manager's token is not a coordinator's.
    expect((await api(token)).status).toBe(403);

    // The list names the holder and who issued it, and shows the use.
    await page.goto(`${h.baseUrl}/dashboard/tokens`);
    const row = page.locator('table.cards tbody tr', { hasText: '东苑签到扫码枪' });
    expect(await row.locator('td').nth(0).textContent()).toBe('王管家');
    expect(await row.locator('td').nth(2).textContent()).toContain('由 张协调 签发');
    expect(await row.locator('td').nth(3).textContent()).not.toContain('从未使用');
    expect(await page.content()).not.toContain(token);
    await checkAtBothWidths(page, 'tokens-zh');

    // Revoking asks first; the question alone revokes nothing.
    await row.getByRole('link', { name: '撤销' }).click();
    expect(await heading(page)).toBe('撤销令牌');
    expect(await page.content()).toContain('确定撤销 王管家 的令牌“东苑签到扫码枪”吗');
    expect((await h.db.selectFrom('api_tokens').select('revoked_at').where('id', '=', stored.id).executeTakeFirstOrThrow()).revoked_at).toBeNull();
    expect((await fetch(`${h.baseUrl}/api/activities?limit=1`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    await Promise.all([page.waitForURL(/\/dashboard\/tokens\?revoked=/), page.getByRole('button', { name: '确认撤销' }).click()]);
    expect(await page.locator('p.ok').textContent()).toBe('已撤销 王管家 的令牌“东苑签到扫码枪”。');
    expect(await page.locator('table.cards tbody tr', { hasText: '东苑签到扫码枪' }).locator('td').nth(4).textContent()).toContain('由 张协调 撤销');

    const refused = await fetch(`${h.baseUrl}/api/activities?limit=1`, { headers: { authorization: `Bearer ${token}` } });
    expect(refused.status).toBe(401);
  });
});

describe('the landing page', () => {
  it('says what the product is and where each person goes, in Chinese, then in English', async () => {
    const page = await browsers.newPage();
    const res = await page.goto(`${h.baseUrl}/`);
    expect(res?.status()).toBe(200);
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    expect(await heading(page)).toBe('社区主题活动工作台');
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).toContain('物业管家');
    expect(text).toContain('居民家庭和志愿者');
    expect(text).toContain('无需登录');
    await checkAtBothWidths(page, 'landing-zh');

    await page.getByRole('link', { name: 'English' }).click();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await heading(page)).toBe('Community activities workbench');
    expect((await page.locator('main').textContent()) ?? '').toContain('Families and volunteers');
    await checkAtBothWidths(page, 'landing-en');

    // The language chosen here is the sign-in page's too; staff go there from the button.
    await page.getByRole('link', { name: 'Staff sign-in' }).click();
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    expect(await heading(page)).toBe('Staff sign-in');
  });
});
