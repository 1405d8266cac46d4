/**
 * The award page over real HTTP (no browser): what the form refuses on the server (each field
 * named in Chinese, nothing written), a resent form awarding once, and who may open it.
 */
import { type CookieJar, postForm, request, signIn, startDashboardHarness, type DashboardHarness } from '../dashboard/harness';

let h: DashboardHarness;
let gw: CookieJar;

beforeAll(async () => {
  h = await startDashboardHarness({ worker: false });
  gw = await signIn(h, 'gw');
});

afterAll(async () => {
  await h?.close();
});

const PAGE = () => `${h.baseUrl}/dashboard/points/award`;
const staffAwards = (familyId: string) => h.db.selectFrom('points_entries').selectAll().where('holder_id', '=', familyId).where('activity_id', 'is', null).execute();
const keyOf = (text: string) => /name="key" value="([^"]+)"/.exec(text)?.[1] ?? '';

test('an empty or wrong form is answered 400 with each field named, and nothing is written', async () => {
  const form = await request(`${PAGE()}?family=fam-east-2`, gw);
  expect(form.status).toBe(200);
  const bad = await postForm(PAGE(), gw, { csrf: form.csrf ?? '', family: 'fam-east-2', key: keyOf(form.text), path: 'shopping', points: '0', reason: '  ' });
  expect(bad.status).toBe(400);
  expect(bad.text).toContain('请检查填写内容，本次没有发放积分。');
  expect(bad.text).toContain('<p class="field-error" id="path-error">请选择积分类型</p>');
  expect(bad.text).toContain('<p class="field-error" id="points-error">请填写 1 到 1000 之间的整数</p>');
  expect(bad.text).toContain('<p class="field-error" id="reason-error">请写明发放理由</p>');
  expect(await staffAwards('fam-east-2')).toEqual([]);
});

test('the same form sent twice awards once; a form without this page’s CSRF value changes nothing', async () => {
  const form = await request(`${PAGE()}?family=fam-east-2`, gw);
  const fields = { csrf: form.csrf ?? '', family: 'fam-east-2', key: keyOf(form.text), path: 'volunteering', points: '12', reason: '社区义诊引导' };
  const first = await postForm(PAGE(), gw, fields);
  expect(first.status).toBe(303);
  expect(first.location).toMatch(/^\/dashboard\/points\/award\?family=fam-east-2&awarded=/);
  const again = await postForm(PAGE(), gw, fields);
  expect(again.status).toBe(303);
  expect(again.location).toBe(first.location);
  expect(await staffAwards('fam-east-2')).toEqual([expect.objectContaining({ amount: 12, rule: 'volunteering', note: '社区义诊引导' })]);
  const shown = await request(`${h.baseUrl}${first.location}`, gw);
  expect(shown.text).toContain('已为孙家发放 12 积分：志愿服务（活动外）。当前积分 12。');
  const foreign = await postForm(PAGE(), gw, { ...fields, csrf: 'x'.repeat(43), key: 'another-key' });
  expect(foreign.status).toBe(403);
  expect(await staffAwards('fam-east-2')).toHaveLength(1);
});

test('another compound’s family is refused to a grid worker; a supervisor may not open the page', async () => {
  expect((await request(`${PAGE()}?family=fam-west-1`, gw)).status).toBe(403);
  const form = await request(`${PAGE()}?family=fam-east-1`, gw);
  const posted = await postForm(PAGE(), gw, { csrf: form.csrf ?? '', family: 'fam-west-1', key: keyOf(form.text), path: 'familyLearning', points: '5', reason: '家庭课堂' });
  expect(posted.status).toBe(403);
  expect(await staffAwards('fam-west-1')).toEqual([]);
  const su = await signIn(h, 'su');
  expect((await request(PAGE(), su)).status).toBe(403);
  expect((await request(`${PAGE()}?family=no-such`, gw)).status).toBe(404);
});
