/**
 * The API tokens page's refusals over plain HTTP (as a browser would send them): bad input or a
 * form from elsewhere changes nothing, and only coordinators may use it. The journey itself is in
 * test/browser/staff-start.test.ts.
 */
import { STAFF, postForm, request, signIn, startDashboardHarness, type CookieJar, type DashboardHarness } from '../dashboard/harness';

let h: DashboardHarness;
let co: CookieJar;

beforeAll(async () => {
  h = await startDashboardHarness({ worker: false });
  co = await signIn(h, 'co');
});

afterAll(async () => {
  await h?.close();
});

const tokens = () => h.db.selectFrom('api_tokens').select(['id', 'label', 'revoked_at']).execute();
const csrfOf = async (jar: CookieJar) => (await request(`${h.baseUrl}/dashboard/tokens`, jar)).csrf ?? '';

describe('issuing on the page', () => {
  it('refuses bad fields beside each field, in the page language, and issues nothing', async () => {
    const csrf = await csrfOf(co);
    const cases: [Record<string, string>, string, string][] = [
      [{ staffId: '', label: 'x' }, 'staffId', '请选择持有人。'],
      [{ staffId: 'no-such-staff', label: 'x' }, 'staffId', '名录中没有这位工作人员，请重新选择。'],
      [{ staffId: 'bad id!', label: 'x' }, 'staffId', '名录中没有这位工作人员，请重新选择。'],
      [{ staffId: STAFF.pm.id, label: 'x'.repeat(101) }, 'label', '用途最多 100 个字。'],
      [{ staffId: STAFF.pm.id, label: 'scan\u202Ener' }, 'label', '用途中含有不允许的控制字符，请删除后重试。'],
    ];
    for (const [fields, field, message] of cases) {
      const res = await postForm(`${h.baseUrl}/dashboard/tokens`, co, { csrf, ...fields });
      expect({ fields, status: res.status }).toEqual({ fields, status: 400 });
      expect(res.text).toContain(`<p class="field-error" id="${field}-error">${message}</p>`);
    }
    expect(await tokens()).toEqual([]);
  });

  it('a form that is not one of our pages (no CSRF value) issues nothing', async () => {
    const res = await postForm(`${h.baseUrl}/dashboard/tokens`, co, { staffId: STAFF.pm.id, label: 'forged' });
    expect(res.status).toBe(403);
    expect(await tokens()).toEqual([]);
  });

  it('only a coordinator may issue: another role gets 403 and nothing is issued', async () => {
    const su = await signIn(h, 'su');
    const csrf = (await request(`${h.baseUrl}/dashboard`, su)).csrf ?? '';
    const res = await postForm(`${h.baseUrl}/dashboard/tokens`, su, { csrf, staffId: STAFF.su.id, label: 'mine' });
    expect(res.status).toBe(403);
    expect(res.text).toContain('此页面仅限项目协调人使用');
    expect(await tokens()).toEqual([]);
  });
});

describe('revoking on the page', () => {
  it('an unknown token is a 404 page; a forged revoke changes nothing; revoking twice keeps the first revocation', async () => {
    expect((await request(`${h.baseUrl}/dashboard/tokens/tok_nope/revoke`, co)).status).toBe(404);
    const issued = await h.db.selectFrom('api_tokens').select('id').execute();
    expect(issued).toEqual([]);
    const page = await postForm(`${h.baseUrl}/dashboard/tokens`, co, { csrf: await csrfOf(co), staffId: STAFF.gw.id, label: '网格巡查脚本' });
    expect(page.status).toBe(201);
    const [token] = await tokens();
    expect(token).toMatchObject({ label: '网格巡查脚本', revoked_at: null });

    const forged = await postForm(`${h.baseUrl}/dashboard/tokens/${token!.id}/revoke`, co, {});
    expect(forged.status).toBe(403);
    expect((await tokens())[0]!.revoked_at).toBeNull();

    const confirm = await request(`${h.baseUrl}/dashboard/tokens/${token!.id}/revoke`, co);
    const done = await postForm(`${h.baseUrl}/dashboard/tokens/${token!.id}/revoke`, co, { csrf: confirm.csrf ?? '' });
    expect(done.status).toBe(303);
    expect(done.location).toBe(`/dashboard/tokens?revoked=${token!.id}`);
    const revokedAt = (await tokens())[0]!.revoked_at;
    expect(revokedAt).not.toBeNull();
    // Asked again, the page says it is revoked already and offers no button.
    const again = await request(`${h.baseUrl}/dashboard/tokens/${token!.id}/revoke`, co);
    expect(again.text).toContain('这个令牌已于');
    expect(again.text).not.toContain('确认撤销');
    expect((await postForm(`${h.baseUrl}/dashboard/tokens/${token!.id}/revoke`, co, { csrf: again.csrf ?? confirm.csrf ?? '' })).status).toBe(303);
    expect((await tokens())[0]!.revoked_at).toBe(revokedAt);
  });
});
