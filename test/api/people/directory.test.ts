/** The directory API over real HTTP against the real app (SQLite): create, update, list, CSV import. */
import { api, startApiHarness, unique, type ApiHarness } from '../harness';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness({ worker: false });
});

afterAll(async () => {
  await h?.close();
});

const csv = (path: string, text: string, contentType = 'text/csv; charset=utf-8') =>
  api(h.baseUrl, 'POST', path, { who: 'co', rawBody: text, headers: { 'content-type': contentType } });

test('a CSV with one bad row imports nothing and names the row (400)', async () => {
  const p = unique('imp');
  const text = [
    'id,compound_id,name,email,members',
    `${p}-1,c-east,王家,wang@example.test,3`,
    `${p}-2,c-east,李家,not-an-email,2`,
    `${p}-3,c-east,"张家, 二号楼",zhang@example.test,4`,
  ].join('\r\n');
  const res = await csv('/api/directory/families/import', text);
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('CSV_INVALID');
  expect(res.body.error.details).toEqual([{ line: 3, reason: expect.stringContaining('email') }]);
  expect(res.body.error.message).toContain('line 3');
  expect(await h.db.selectFrom('families').select('id').where('id', 'like', `${p}-%`).execute()).toHaveLength(0);

  const fixed = await csv('/api/directory/families/import', text.replace('not-an-email', 'li@example.test'));
  expect(fixed.status).toBe(200);
  expect(fixed.body).toEqual({ imported: 3, created: 3, updated: 0 });
  const rows = await h.db.selectFrom('families').selectAll().where('id', 'like', `${p}-%`).orderBy('id').execute();
  expect(rows.map((r) => [r.name, r.members])).toEqual([
    ['王家', 3],
    ['李家', 2],
    ['张家, 二号楼', 4],
  ]);
});

test('an import names every bad row, refuses a body that is not CSV (415) and one over the limit (413)', async () => {
  const res = await csv('/api/directory/volunteers/import', 'id,name,email\nv-ok,好人,ok@example.test\nv-bad,,bad@example.test\nv-bad2,某人,nope\n');
  expect(res.status).toBe(400);
  expect(res.body.error.details.map((r: { line: number }) => r.line)).toEqual([3, 4]);
  expect((await csv('/api/directory/volunteers/import', '{"id":"x"}', 'application/json')).status).toBe(415);
  const big = `id,name\n${'c-x,'.padEnd(3 * 1024 * 1024, 'x')}\n`;
  const tooLarge = await csv('/api/directory/compounds/import', big);
  expect(tooLarge.status).toBe(413);
  expect(tooLarge.body.error.message).toContain('2048 kB');
  expect((await csv('/api/directory/spaceships/import', 'id\n1')).status).toBe(404);
});

test('create, update and list; a duplicate is 409; an unknown compound 422', async () => {
  const id = unique('fam');
  const created = await api(h.baseUrl, 'POST', '/api/directory/families', { who: 'co', body: { id, compoundId: 'c-west', name: '赵家', email: 'zhao@example.test', members: 3 } });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ id, compoundId: 'c-west', members: 3, locale: 'zh-CN', qrToken: expect.stringMatching(/^[0-9A-Z]{20}$/) });
  const dup = await api(h.baseUrl, 'POST', '/api/directory/families', { who: 'co', body: { id, compoundId: 'c-west', name: '赵家', email: 'zhao@example.test' } });
  expect(dup.status).toBe(409);
  expect(dup.body.error.code).toBe('DUPLICATE');
  const badRef = await api(h.baseUrl, 'POST', '/api/directory/families', { who: 'co', body: { id: unique('fam'), compoundId: 'nowhere', name: '钱家', email: 'qian@example.test' } });
  expect(badRef.status).toBe(422);
  expect(badRef.body.error.message).toContain('compoundId');

  const updated = await api(h.baseUrl, 'POST', `/api/directory/families/${id}`, { who: 'co', body: { members: 5 } });
  expect(updated.status).toBe(200);
  expect(updated.body).toMatchObject({ id, members: 5, name: '赵家', qrToken: created.body.qrToken });
  expect((await api(h.baseUrl, 'POST', '/api/directory/families/nobody', { who: 'co', body: { members: 2 } })).status).toBe(404);

  const list = await api(h.baseUrl, 'GET', '/api/directory/families?compoundId=c-west', { who: 'co' });
  expect(list.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ id, members: 5 })]));
  expect(list.body.items.every((f: { compoundId: string }) => f.compoundId === 'c-west')).toBe(true);
  const staff = await api(h.baseUrl, 'GET', '/api/directory/staff?role=gridWorker', { who: 'co' });
  expect(staff.body.items.map((s: { id: string }) => s.id)).toEqual(['gw-east']);

  const merchant = await api(h.baseUrl, 'POST', '/api/directory/merchants', { who: 'co', body: { id: unique('m'), name: '万达广场', email: 'wanda@example.test' } });
  const venue = await api(h.baseUrl, 'POST', '/api/directory/venues', { who: 'co', body: { id: unique('v'), merchantId: merchant.body.id, name: '中庭', capacity: 200 } });
  expect(venue.status).toBe(201);
  expect(venue.body).toMatchObject({ merchantId: merchant.body.id, capacity: 200 });
});
