/**
 * The check-in desk's rules over real HTTP against the real app (SQLite), signed in as staff
 * with a session cookie: who may open it, its scripts and their CSP, the CSRF rule on its JSON
 * endpoints, refusals that change nothing, and where a card's /q/ link leads for whom. The
 * journeys themselves are the browser tests (test/browser/check-in-desk.test.ts, desk-offline.test.ts).
 */
import { CookieJar, STAFF, TOKENS, request, signIn, startDashboardHarness, type DashboardHarness } from '../dashboard/harness';
import { formatDateTime } from '../../../i18n/format';
import { createRepositories } from '../../../db/repositories';
import { dashboardStrings } from '../../../api/dashboard/i18n';
import { registrationSection } from '../../../api/registration/pages';
import type { StaffSession } from '../../../api/http/session';
import { checkInRows, openWindow, seedActivity, seedFamily } from '../people-fixtures';

let h: DashboardHarness;

beforeAll(async () => {
  h = await startDashboardHarness({ worker: false });
});

afterAll(async () => {
  await h?.close();
});

const deskPath = (id: string) => `/dashboard/activities/${id}/desk`;
const csrfOf = (html: string) => /data-csrf="([^"]+)"/.exec(html)?.[1] ?? '';

async function postJson(jar: CookieJar, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await request(`${h.baseUrl}${path}`, jar, { method: 'POST', headers: { 'content-type': 'application/json', origin: h.baseUrl, 'sec-fetch-site': 'same-origin', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: JSON.parse(res.text) as any };
}

describe('the desk page', () => {
  test('desk staff of the compound open it (with our scripts allowed by CSP); a supervisor and another compound’s staff are refused', async () => {
    const a = await seedActivity(h.db);
    const gw = await signIn(h, 'gw');
    const page = await request(`${h.baseUrl}${deskPath(a.id)}`, gw);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('permissions-policy')).toBe('camera=(self)');
    expect(page.text).toMatch(/<script src="\/static\/jsqr\.js\?v=[0-9a-f]{16}"><\/script>/);
    // Other pages keep running no script at all.
    expect((await request(`${h.baseUrl}/dashboard`, gw)).headers.get('content-security-policy')).toContain("script-src 'none'");

    const su = await signIn(h, 'su');
    expect((await request(`${h.baseUrl}${deskPath(a.id)}`, su)).status).toBe(403);
    const west = await signIn(h, 'gwWest');
    expect((await request(`${h.baseUrl}${deskPath(a.id)}`, west)).status).toBe(403);
    expect((await request(`${h.baseUrl}${deskPath('no-such-activity')}`, gw)).status).toBe(404);
  });

  test('the activity’s staff page links to its desk for desk staff, not for the supervisor', async () => {
    const a = await seedActivity(h.db);
    const repos = createRepositories(h.db, { loadCycleReport: () => Promise.reject(new Error('not used')) });
    const section = (viewer: StaffSession) =>
      registrationSection({ repos }, { locale: 'zh-CN', s: dashboardStrings('zh-CN'), viewer, csrf: 'x', render: () => undefined }, a.id, {}).then((r) => r.html);
    const as = (who: 'gw' | 'su'): StaffSession => ({ staffId: STAFF[who].id, role: STAFF[who].role, compound: STAFF[who].compound, name: STAFF[who].name, expiresAt: '2999-01-01T00:00:00Z' });
    expect(await section(as('gw'))).toContain(`<a class="csv" href="${deskPath(a.id)}">签到台</a>`);
    expect(await section(as('su'))).not.toContain('签到台');
  });

  test('the scripts are served by the product: cached for good under their hash, revalidated without it', async () => {
    const gw = await signIn(h, 'gw');
    const a = await seedActivity(h.db);
    const page = await request(`${h.baseUrl}${deskPath(a.id)}`, gw);
    for (const name of ['jsqr.js', 'qr-scan.js', 'check-in-desk.js']) {
      const src = new RegExp(`/static/${name.replace('.', '\\.')}\\?v=([0-9a-f]{16})`).exec(page.text);
      expect(src).not.toBeNull();
      const hashed = await fetch(`${h.baseUrl}${src![0]}`);
      expect(hashed.status).toBe(200);
      expect(hashed.headers.get('content-type')).toMatch(/^application\/javascript/);
      expect(hashed.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const plain = await fetch(`${h.baseUrl}/static/${name}`);
      expect(plain.headers.get('cache-control')).toBe('no-cache');
      expect((await fetch(`${h.baseUrl}/static/${name}`, { headers: { 'if-none-match': `"${src![1]}"` } })).status).toBe(304);
    }
    expect((await fetch(`${h.baseUrl}/static/jsqr.js`).then((r) => r.text())).length).toBeGreaterThan(100_000);
  });
});

describe('the desk’s endpoints', () => {
  test('a POST without the page’s CSRF value, or from another site, is refused and records nothing', async () => {
    const a = await seedActivity(h.db);
    await openWindow(h.db, a);
    const f = await seedFamily(h.db);
    const gw = await signIn(h, 'gw');
    const csrf = csrfOf((await request(`${h.baseUrl}${deskPath(a.id)}`, gw)).text);
    expect(csrf).not.toBe('');
    const noCsrf = await postJson(gw, `${deskPath(a.id)}/check-in`, { nonce: 'n-1', familyId: f.id });
    expect(noCsrf.status).toBe(403);
    const crossSite = await postJson(gw, `${deskPath(a.id)}/check-in`, { csrf, nonce: 'n-1', familyId: f.id }, { 'sec-fetch-site': 'cross-site' });
    expect(crossSite.status).toBe(403);
    expect(await checkInRows(h.db, a.id)).toHaveLength(0);
    const ok = await postJson(gw, `${deskPath(a.id)}/check-in`, { csrf, nonce: 'n-1', familyId: f.id });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ status: 'checkedIn', personId: f.id, members: 2, message: `${f.name} 已签到（2 人）` });
    // The same nonce again: answered as the first, nothing new.
    expect((await postJson(gw, `${deskPath(a.id)}/check-in`, { csrf, nonce: 'n-1', familyId: f.id })).body).toMatchObject({ status: 'checkedIn' });
    expect(await checkInRows(h.db, a.id)).toEqual([expect.objectContaining({ person_id: f.id, checked_in_by: STAFF.gw.id, nonce: 'n-1' })]);
  });

  test('bad input is a 400 in the page’s words; a window not open is a 409 naming when it opens; an unknown card is a 404', async () => {
    const a = await seedActivity(h.db);
    const f = await seedFamily(h.db);
    const gw = await signIn(h, 'gw');
    const csrf = csrfOf((await request(`${h.baseUrl}${deskPath(a.id)}`, gw)).text);
    const bad = await postJson(gw, `${deskPath(a.id)}/check-in`, { csrf, nonce: 'n-2', familyId: f.id, members: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'InvalidInput', fields: ['members'] });
    const both = await postJson(gw, `${deskPath(a.id)}/check-in`, { csrf, nonce: 'n-2', familyId: f.id, code: f.qrToken });
    expect(both.status).toBe(400);

    const early = await postJson(gw, `${deskPath(a.id)}/check-in`, { csrf, nonce: 'n-2', code: f.qrToken });
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('ATTENDANCE_NOT_OPEN');
    expect(early.body.error.message).toContain('签到尚未开始');
    expect(early.body.error.message).toContain(formatDateTime(a.startsAt, 'zh-CN'));
    expect(await checkInRows(h.db, a.id)).toHaveLength(0);

    await openWindow(h.db, a);
    const unknown = await postJson(gw, `${deskPath(a.id)}/lookup`, { csrf, code: 'ZZZZ-ZZZZ' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain('没有找到这张卡');
    const west = await seedFamily(h.db, { compound: 'c-west', name: '西苑的秦家' });
    const other = await postJson(gw, `${deskPath(a.id)}/lookup`, { csrf, code: west.qrToken });
    expect(other.status).toBe(403);
    expect(other.body.error.message).toBe('这位不属于您负责的小区，不能在这里签到。');
    expect(JSON.stringify(other.body)).not.toContain('秦家');
    const found = await postJson(gw, `${deskPath(a.id)}/lookup`, { csrf, code: f.qrToken });
    expect(found.body).toMatchObject({ kind: 'family', id: f.id, name: f.name, detail: '未报名：按现场签到登记', members: 2, checkedIn: null });
    expect(await checkInRows(h.db, a.id)).toHaveLength(0);
  });

  test('the JSON API records the token’s staff member as who checked the person in', async () => {
    const a = await seedActivity(h.db);
    await openWindow(h.db, a);
    const f = await seedFamily(h.db);
    const res = await fetch(`${h.baseUrl}/api/activities/${a.id}/check-ins`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKENS.pm}`, 'content-type': 'application/json' },
      body: JSON.stringify({ qrToken: f.qrToken }),
    });
    expect(res.status).toBe(201);
    expect(await checkInRows(h.db, a.id)).toEqual([expect.objectContaining({ checked_in_by: STAFF.pm.id })]);
  });
});

describe('a card’s /q/ link', () => {
  test('desk staff land on the desk with one activity open, a chooser with several; anyone else gets the family’s page', async () => {
    const f = await seedFamily(h.db, { compound: 'c-west' });
    const one = await seedActivity(h.db, { compound: 'c-west' });
    await openWindow(h.db, one);
    const west = await signIn(h, 'gwWest');
    const landed = await request(`${h.baseUrl}/q/${f.qrToken}`, west);
    expect(landed.status).toBe(303);
    expect(landed.location).toBe(`${deskPath(one.id)}?code=${f.qrToken}`);

    const two = await seedActivity(h.db, { compound: 'c-west' });
    await openWindow(h.db, two);
    const chooser = await request(`${h.baseUrl}/q/${f.qrToken}`, west);
    expect(chooser.status).toBe(200);
    expect(chooser.text).toContain('选择签到的活动');
    expect(chooser.text).toContain(`href="${deskPath(one.id)}?code=${f.qrToken}"`);
    expect(chooser.text).toContain(`href="${deskPath(two.id)}?code=${f.qrToken}"`);

    // A supervisor, a stranger and an unknown card fall through to the families' own page.
    const su = await signIn(h, 'su');
    for (const [jar, token] of [
      [su, f.qrToken],
      [new CookieJar(), f.qrToken],
      [west, 'not-a-card-token'],
    ] as const) {
      const page = await request(`${h.baseUrl}/q/${token}`, jar);
      expect(page.location).toBeUndefined();
      expect(page.text).not.toContain('选择签到的活动');
      expect(page.text).not.toContain('data-qr-scanner');
    }
  });
});
