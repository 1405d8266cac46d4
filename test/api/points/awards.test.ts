/**
 * Points staff award outside an activity (family learning, volunteering) over real HTTP against
 * the real app (SQLite), with an earning cap of 100 a month set in the environment.
 */
import { AuditRepository } from '../../../db/repositories';
import { api, startApiHarness, unique, type ApiHarness } from '../harness';
import { award, seedFamily } from '../people-fixtures';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness({ worker: false, env: { POINTS_EARNING_CAP: '100', POINTS_EARNING_CAP_PERIOD: 'month' } });
});

afterAll(async () => {
  await h?.close();
});

type Who = 'gw' | 'pm' | 'co' | 'pmWest' | 'su';
const awardPoints = (familyId: string, body: unknown, who: Who = 'gw') => api(h.baseUrl, 'POST', `/api/families/${familyId}/points/awards`, { who, body });
const entries = (familyId: string) => h.db.selectFrom('points_entries').selectAll().where('holder_id', '=', familyId).execute();

test('an award for family learning is written with its rule and reason, shows in the family’s history, and a retry with its key awards nothing new', async () => {
  const f = await seedFamily(h.db);
  const body = { path: 'familyLearning', points: 20, reason: '亲子共读打卡满 4 周', idempotencyKey: unique('k') };
  const first = await awardPoints(f.id, body);
  expect(first.status).toBe(201);
  expect(first.body).toMatchObject({ familyId: f.id, balance: 20, existing: false, entry: { kind: 'award', amount: 20, rule: 'familyLearning', activityId: null, note: '亲子共读打卡满 4 周' } });
  const again = await awardPoints(f.id, body);
  expect(again.status).toBe(200);
  expect(again.body).toMatchObject({ balance: 20, existing: true, entry: { id: first.body.entry.id } });
  expect(await entries(f.id)).toHaveLength(1);

  const history = await api(h.baseUrl, 'GET', `/api/families/${f.id}/points`, { who: 'pm' });
  expect(history.body.history).toEqual([expect.objectContaining({ id: first.body.entry.id, rule: 'familyLearning', note: '亲子共读打卡满 4 周', amount: 20 })]);
  // Who awarded is in the audit, once.
  const audit = (await new AuditRepository(h.db).recordedBy('staff:gw-east', 'staffAward', 1000)).filter((a) => a.workflow_id === `points:family:${f.id}`);
  expect(audit).toEqual([expect.objectContaining({ action: 'familyLearning', comment: `entry ${first.body.entry.id}: 20 points` })]);
  // The same key for another amount is refused and changes nothing.
  const reused = await awardPoints(f.id, { ...body, points: 25 });
  expect(reused.status).toBe(409);
  expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  expect(await entries(f.id)).toHaveLength(1);
});

test('bad input is a 400 naming each field, and nothing is written', async () => {
  const f = await seedFamily(h.db);
  const res = await awardPoints(f.id, { path: 'shopping', points: 0, reason: '   ', idempotencyKey: '' });
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('InvalidInput');
  const fields = (res.body.error.details as { field: string }[]).map((d) => d.field).sort();
  expect(fields).toEqual(['idempotencyKey', 'path', 'points', 'reason']);
  for (const field of fields) expect(res.body.error.message).toContain(`${field}: `);
  const tooMany = await awardPoints(f.id, { path: 'volunteering', points: 1001, reason: '整年', idempotencyKey: unique('k') });
  expect(tooMany.status).toBe(400);
  expect(tooMany.body.error.message).toContain('points');
  expect(await entries(f.id)).toHaveLength(0);
});

test('an award past the monthly cap is refused naming the cap and what is left; what is left can be awarded', async () => {
  const f = await seedFamily(h.db);
  await award(h.db, f.id, 70); // an activity's points this month
  const over = await awardPoints(f.id, { path: 'volunteering', points: 40, reason: '社区义诊引导', idempotencyKey: unique('k') }, 'pm');
  expect(over.status).toBe(409);
  expect(over.body.error).toEqual({
    code: 'EARNING_CAP_REACHED',
    message: 'The earning cap is 100 points per month; this family has earned 70 this month, so 30 can still be awarded, not 40. Nothing was awarded',
  });
  expect(await entries(f.id)).toHaveLength(1);
  const fits = await awardPoints(f.id, { path: 'volunteering', points: 30, reason: '社区义诊引导', idempotencyKey: unique('k') }, 'pm');
  expect(fits.status).toBe(201);
  expect(fits.body.balance).toBe(100);
});

test('compound-bound staff award only their compound’s families (403 naming the family), coordinators any; supervisors none', async () => {
  const west = await seedFamily(h.db, { compound: 'c-west', name: '西区周家' });
  const body = () => ({ path: 'familyLearning', points: 5, reason: '家庭课堂', idempotencyKey: unique('k') });
  const refused = await awardPoints(west.id, body(), 'gw');
  expect(refused.status).toBe(403);
  expect(refused.body.error.code).toBe('OTHER_COMPOUND');
  expect(refused.body.error.message).toContain(`family 西区周家 (${west.id}) belongs to compound`);
  expect(await entries(west.id)).toHaveLength(0);
  expect((await awardPoints(west.id, body(), 'pmWest')).status).toBe(201);
  expect((await awardPoints(west.id, body(), 'co')).status).toBe(201);
  expect((await awardPoints(west.id, body(), 'su')).status).toBe(403);
  expect(await entries(west.id)).toHaveLength(2);
  expect((await awardPoints('no-such-family', body(), 'co')).status).toBe(404);
});
