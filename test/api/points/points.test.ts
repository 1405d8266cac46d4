/** Growth points over real HTTP against the real app (SQLite): balances, redemptions, catalogue, totals, expiry. */
import { Ledger } from '../../../db/services/ledger';
import { api, startApiHarness, unique, type ApiHarness } from '../harness';
import { award, seedFamily } from '../people-fixtures';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness({ worker: false });
});

afterAll(async () => {
  await h?.close();
});

async function reward(price: number, stock: number): Promise<string> {
  const res = await api(h.baseUrl, 'POST', '/api/rewards', { who: 'co', body: { id: unique('rw'), name: `绘本借阅券 ${price}`, kind: 'education', price, stock } });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

const redeem = (familyId: string, rewardId: string, idempotencyKey: string, who: 'gw' | 'pm' | 'co' | 'pmWest' | 'su' = 'gw') =>
  api(h.baseUrl, 'POST', `/api/families/${familyId}/redemptions`, { who, body: { rewardId, idempotencyKey } });

test('a redemption past the balance is refused (409 INSUFFICIENT_POINTS) and spends nothing', async () => {
  const f = await seedFamily(h.db);
  await award(h.db, f.id, 30);
  const rw = await reward(50, 10);
  const res = await redeem(f.id, rw, unique('k'));
  expect(res.status).toBe(409);
  expect(res.body.error.code).toBe('INSUFFICIENT_POINTS');
  expect(res.body.error.message).toBe('绘本借阅券 50 costs 50 points; the balance is 30');
  const points = await api(h.baseUrl, 'GET', `/api/families/${f.id}/points`, { who: 'pm' });
  expect(points.body).toMatchObject({ balance: 30, redemptions: [] });
});

test('a redemption issues a coupon; the same key again returns the same redemption; past the stock is refused (409 OUT_OF_STOCK)', async () => {
  const [f, g] = [await seedFamily(h.db), await seedFamily(h.db)];
  await award(h.db, f.id, 100);
  await award(h.db, g.id, 100);
  const rw = await reward(40, 1);

  const key = unique('counter');
  const first = await redeem(f.id, rw, key);
  expect(first.status).toBe(201);
  expect(first.body).toMatchObject({ familyId: f.id, rewardId: rw, points: 40, balance: 60, existing: false, couponCode: expect.stringMatching(/^JH-/) });
  const again = await redeem(f.id, rw, key);
  expect(again.status).toBe(200);
  expect(again.body).toMatchObject({ id: first.body.id, couponCode: first.body.couponCode, balance: 60, existing: true });

  const none = await redeem(g.id, rw, unique('counter'));
  expect(none.status).toBe(409);
  expect(none.body.error).toMatchObject({ code: 'OUT_OF_STOCK', message: '绘本借阅券 40 is out of stock' });

  // The same key for another family is refused, not silently answered with f's coupon.
  expect((await redeem(g.id, rw, key)).body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');

  const points = await api(h.baseUrl, 'GET', `/api/families/${f.id}/points`, { who: 'co' });
  expect(points.body.balance).toBe(60);
  expect(points.body.history.map((e: { kind: string; amount: number }) => [e.kind, e.amount])).toEqual([
    ['redemption', -40],
    ['award', 100],
  ]);
  // The listing names the redemption but not its coupon code (shown at the counter only), nor the key that would fetch it.
  expect(points.body.redemptions).toEqual([expect.objectContaining({ id: first.body.id, rewardId: rw, points: 40 })]);
  expect(points.body.redemptions[0]).not.toHaveProperty('couponCode');
  expect(points.body.redemptions[0]).not.toHaveProperty('idempotencyKey');
  expect(JSON.stringify(points.body)).not.toContain(first.body.couponCode);
  const catalogue = await api(h.baseUrl, 'GET', '/api/rewards', { who: 'su' });
  expect(catalogue.body.rewards).toEqual(expect.arrayContaining([expect.objectContaining({ id: rw, stock: 0 })]));
});

test('property managers and grid workers see and serve only their compound’s families', async () => {
  const west = await seedFamily(h.db, { compound: 'c-west' });
  await award(h.db, west.id, 100);
  expect((await api(h.baseUrl, 'GET', `/api/families/${west.id}/points`, { who: 'gw' })).status).toBe(403);
  expect((await api(h.baseUrl, 'GET', `/api/families/${west.id}/points`, { who: 'pmWest' })).status).toBe(200);
  // The supervisor reads no family's ledger (as the dashboard refuses it).
  const supervisor = await api(h.baseUrl, 'GET', `/api/families/${west.id}/points`, { who: 'su' });
  expect(supervisor.status).toBe(403);
  expect(JSON.stringify(supervisor.body)).not.toContain('balance');
  const rw = await reward(10, 5);
  expect((await redeem(west.id, rw, unique('k'), 'pm')).status).toBe(403);
  expect((await redeem(west.id, rw, unique('k'), 'su')).status).toBe(403);
  expect((await redeem(west.id, rw, unique('k'), 'pmWest')).status).toBe(201);
  expect((await api(h.baseUrl, 'GET', '/api/families/nobody/points', { who: 'co' })).status).toBe(404);
});

test('totals and expiry (coordinator): expiring twice writes nothing the second time', async () => {
  const f = await seedFamily(h.db);
  // Earned in 2023 (local time): expires at the end of 2024.
  await new Ledger(h.db).award({ holder: { kind: 'family', id: f.id }, amount: 25, idempotencyKey: unique('old'), earnedAt: '2023-06-01T10:00:00+08:00' });

  const first = await api(h.baseUrl, 'POST', '/api/points/expire', { who: 'co', body: { asOf: '2025-01-02T00:00:00+08:00' } });
  expect(first.status).toBe(200);
  expect(first.body.entries).toBeGreaterThanOrEqual(1);
  expect(first.body.points).toBeGreaterThanOrEqual(25);
  const second = await api(h.baseUrl, 'POST', '/api/points/expire', { who: 'co', body: { asOf: '2025-01-02T00:00:00+08:00' } });
  expect(second.body).toMatchObject({ entries: 0, points: 0 });
  expect((await api(h.baseUrl, 'GET', `/api/families/${f.id}/points`, { who: 'co' })).body.balance).toBe(0);

  const from = new Date(Date.now() - 60_000).toISOString();
  const to = new Date(Date.now() + 60_000).toISOString();
  const totals = await api(h.baseUrl, 'GET', `/api/points/totals?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, { who: 'co' });
  expect(totals.status).toBe(200);
  expect(totals.body).toMatchObject({ from, to, awarded: expect.any(Number), expired: expect.any(Number), outstanding: expect.any(Number) });
  expect(totals.body.expired).toBeGreaterThanOrEqual(25);
  const backwards = await api(h.baseUrl, 'GET', `/api/points/totals?from=${encodeURIComponent(to)}&to=${encodeURIComponent(from)}`, { who: 'co' });
  expect(backwards.status).toBe(400);
  expect(backwards.body.error.details).toEqual([expect.objectContaining({ field: 'to' })]);
});
