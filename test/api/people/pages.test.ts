/**
 * The directory pages over HTTP (the browser journey is test/browser/directory.test.ts): the form
 * and the JSON API refuse the same bad input on the same fields, writing nothing; property
 * managers see and edit only their own compound's families and volunteers, never staff; a
 * POST without the page's CSRF field changes nothing.
 */
import { STAFF, TOKENS, postForm, request, signIn, startDashboardHarness, unique, type CookieJar, type DashboardHarness } from '../dashboard/harness';

jest.setTimeout(90_000);

let h: DashboardHarness;
let co: CookieJar;
let pm: CookieJar;

beforeAll(async () => {
  h = await startDashboardHarness({ worker: false });
  co = await signIn(h, 'co');
  pm = await signIn(h, 'pm');
});

afterAll(async () => {
  await h?.close();
});

const staffCount = async () => (await h.db.selectFrom('staff').select('id').execute()).length;
/** The ids of the fields the form marks as wrong. */
const fieldsInError = (text: string) => [...text.matchAll(/id="f-([A-Za-z]+)-error"/g)].map((m) => m[1]).sort();

test('the same bad staff member through the API and through the form is refused on the same fields, and nothing is written', async () => {
  const id = unique('gw');
  const bad = { id, role: 'mayor', name: '', email: 'not-an-address', compoundId: 'c-east', locale: 'zh-CN' };
  const before = await staffCount();

  const res = await fetch(`${h.baseUrl}/api/directory/staff`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKENS.co}`, 'content-type': 'application/json' },
    body: JSON.stringify(bad),
  });
  expect(res.status).toBe(400);
  const apiFields = ((await res.json()) as { error: { details: { field: string }[] } }).error.details.map((d) => d.field).sort();

  const form = await request(`${h.baseUrl}/dashboard/directory/staff/new`, co);
  const page = await postForm(`${h.baseUrl}/dashboard/directory/staff/new`, co, { csrf: form.csrf ?? '', ...bad });
  expect(page.status).toBe(400);
  expect(fieldsInError(page.text)).toEqual(apiFields);
  expect(apiFields).toEqual(['email', 'name', 'role']);
  expect(page.text).toContain('请填写有效的电子邮箱');
  expect(await staffCount()).toBe(before);
});

test('a taken id is named beside the id field, as the API’s 409 says', async () => {
  const form = await request(`${h.baseUrl}/dashboard/directory/staff/new`, co);
  const page = await postForm(`${h.baseUrl}/dashboard/directory/staff/new`, co, {
    csrf: form.csrf ?? '',
    id: STAFF.gw.id,
    role: 'gridWorker',
    name: '重名',
    email: 'dup@example.test',
    compoundId: 'c-east',
  });
  expect(page.status).toBe(400);
  expect(fieldsInError(page.text)).toEqual(['id']);
  expect(page.text).toContain('这个编号已被使用');
  expect((await h.db.selectFrom('staff').select('name').where('id', '=', STAFF.gw.id).executeTakeFirstOrThrow()).name).toBe(STAFF.gw.name);
});

test('a property manager sees and edits their own compound’s families only, and never the staff list', async () => {
  const list = await request(`${h.baseUrl}/dashboard/directory/families`, pm);
  expect(list.status).toBe(200);
  expect(list.text).toContain('刘家');
  expect(list.text).not.toContain('吴家'); // c-west
  const staffList = await request(`${h.baseUrl}/dashboard/directory/staff`, pm);
  expect(staffList.status).toBe(403);
  expect(staffList.text).toContain('无权查看');
  expect((await request(`${h.baseUrl}/dashboard/directory/families/fam-west-1/edit`, pm)).status).toBe(403);
  expect((await request(`${h.baseUrl}/dashboard/directory/families/import`, pm)).status).toBe(403);

  const form = await request(`${h.baseUrl}/dashboard/directory/families/fam-east-2/edit`, pm);
  expect(form.status).toBe(200);
  const moved = await postForm(`${h.baseUrl}/dashboard/directory/families/fam-east-2/edit`, pm, {
    csrf: form.csrf ?? '',
    name: '孙家',
    compoundId: 'c-west',
    members: '2',
    email: 'sun@example.test',
  });
  expect(moved.status).toBe(400);
  expect(fieldsInError(moved.text)).toEqual(['compoundId']);
  const saved = await postForm(`${h.baseUrl}/dashboard/directory/families/fam-east-2/edit`, pm, {
    csrf: form.csrf ?? '',
    name: '孙家',
    compoundId: 'c-east',
    members: '5',
    email: 'sun@example.test',
  });
  expect(saved.status).toBe(303);
  expect(await h.db.selectFrom('families').select(['compound_id', 'members']).where('id', '=', 'fam-east-2').executeTakeFirstOrThrow()).toEqual({ compound_id: 'c-east', members: 5 });
});

test('a supervisor has no directory: the page says who keeps it', async () => {
  const su = await signIn(h, 'su');
  const page = await request(`${h.baseUrl}/dashboard/directory`, su);
  expect(page.status).toBe(403);
  expect(page.text).toContain('工作人员、小区和商户名录由项目协调人管理');
  expect(page.text).not.toContain('href="/dashboard/directory"');
});

test('a deactivate POST without the page’s CSRF field changes nothing', async () => {
  const refused = await postForm(`${h.baseUrl}/dashboard/directory/families/fam-east-1/deactivate`, co, { csrf: 'forged' });
  expect(refused.status).toBe(403);
  expect((await h.db.selectFrom('families').select('deactivated_at').where('id', '=', 'fam-east-1').executeTakeFirstOrThrow()).deactivated_at).toBeNull();
});
