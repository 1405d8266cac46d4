import type { Kysely } from 'kysely';
import { Coupons } from '../../db/services/coupons';
import { Cycles } from '../../db/services/cycles';
import { Directory } from '../../db/services/directory';
import { computeCycleReport, cycleReportTable } from '../../reports/cycle-report';
import { Ledger } from '../../db/services/ledger';
import type { Database } from '../../db/types';
import { DIALECTS, TestClock, uniq, useTestDatabase } from './harness';

async function refusalOf(statement: Promise<unknown>): Promise<string> {
  try {
    await statement;
  } catch (err) {
    return String((err as { message?: unknown }).message ?? err);
  }
  return 'the statement was not refused';
}

async function seed(db: Kysely<Database>, clock: TestClock, points = 100) {
  const p = uniq('C');
  const dir = new Directory(db);
  await dir.createCompound({ id: `${p}-c`, name: '锦华' });
  await dir.createFamily({ id: `${p}-f`, compoundId: `${p}-c`, name: '王家', email: 'wang@example.com' });
  await dir.createMerchant({ id: `${p}-m`, name: '万达', email: 'wanda@example.com' });
  await dir.createMerchant({ id: `${p}-m2`, name: '永辉', email: 'yh@example.com' });
  const ledger = new Ledger(db, { now: clock.now });
  await ledger.createReward({ id: `${p}-cinema`, name: '电影票', kind: 'merchantCoupon', merchantId: `${p}-m`, price: 30, stock: 5 });
  await ledger.createReward({ id: `${p}-book`, name: '绘本', kind: 'education', price: 20, stock: 5 });
  await ledger.award({ holder: { kind: 'family', id: `${p}-f` }, amount: points, idempotencyKey: `${p}-award`, rule: 'attendance' });
  clock.set('2026-03-01T02:00:00.000Z');
  return { p, family: `${p}-f`, merchant: `${p}-m`, otherMerchant: `${p}-m2`, cinema: `${p}-cinema`, book: `${p}-book`, ledger };
}

describe.each(DIALECTS)('coupons on %s', (dialect) => {
  const t = useTestDatabase(dialect);

  it('a coupon is issued, used once by its merchant, and a second use is refused naming when it was used', async () => {
    const clock = new TestClock('2026-03-01T01:00:00.000Z');
    const s = await seed(t.db, clock);
    const coupons = new Coupons(t.db, { now: clock.now });
    const { coupon, balance, created } = await coupons.issue(s.family, s.cinema, `${s.p}-k1`);
    expect(created).toBe(true);
    expect(balance).toBe(70);
    expect(coupon.status).toBe('issued');
    expect(coupon.expiresAt).toBe('2026-05-30T02:00:00.000Z');
    expect(coupon.merchantName).toBe('万达');
    // The same key again: the same coupon, nothing spent.
    const again = await coupons.issue(s.family, s.cinema, `${s.p}-k1`);
    expect(again).toMatchObject({ created: false, balance: 70, coupon: { code: coupon.code } });

    // Another merchant may not use it; staff may not take a merchant's coupon.
    expect(await coupons.markUsed(coupon.code, { kind: 'merchant', merchantId: s.otherMerchant })).toEqual({ ok: false, reason: 'otherMerchant' });
    expect(await coupons.markUsed(coupon.code, { kind: 'staff', staffId: 'gw-1' })).toMatchObject({ ok: false, reason: 'notForStaff' });

    clock.advance(60_000);
    const typed = coupon.code.toLowerCase().replace(/-/g, ' ');
    const used = await coupons.markUsed(typed, { kind: 'merchant', merchantId: s.merchant });
    expect(used).toMatchObject({ ok: true, coupon: { status: 'used', usedAt: '2026-03-01T02:01:00.000Z', usedByMerchantId: s.merchant } });

    clock.advance(60_000);
    const second = await coupons.markUsed(coupon.code, { kind: 'merchant', merchantId: s.merchant });
    expect(second).toMatchObject({ ok: false, reason: 'alreadyUsed', coupon: { usedAt: '2026-03-01T02:01:00.000Z' } });
    const events = await t.db.selectFrom('coupon_events').selectAll().where('redemption_id', '=', coupon.redemptionId).execute();
    expect(events.map((e) => e.kind)).toEqual(['used']);
    // A used coupon is not refunded.
    expect(await coupons.refund(coupon.code, { staffId: 'co-1', note: '误兑' })).toMatchObject({ ok: false, reason: 'alreadyUsed' });
  });

  it('two uses at once: exactly one is recorded', async () => {
    const clock = new TestClock('2026-03-01T01:00:00.000Z');
    const s = await seed(t.db, clock);
    const coupons = new Coupons(t.db, { now: clock.now });
    const { coupon } = await coupons.issue(s.family, s.cinema, `${s.p}-k1`);
    const results = await Promise.all([1, 2, 3, 4].map(() => coupons.markUsed(coupon.code, { kind: 'merchant', merchantId: s.merchant })));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.reason)).toEqual(['alreadyUsed', 'alreadyUsed', 'alreadyUsed']);
  });

  it('an education reward is marked used by staff', async () => {
    const clock = new TestClock('2026-03-01T01:00:00.000Z');
    const s = await seed(t.db, clock);
    const coupons = new Coupons(t.db, { now: clock.now });
    const { coupon } = await coupons.issue(s.family, s.book, `${s.p}-k1`);
    expect(await coupons.markUsed(coupon.code, { kind: 'merchant', merchantId: s.merchant })).toEqual({ ok: false, reason: 'otherMerchant' });
    expect(await coupons.markUsed(coupon.code, { kind: 'staff', staffId: 'gw-1' })).toMatchObject({ ok: true, coupon: { status: 'used', usedByStaffId: 'gw-1' } });
  });

  it('a refund restores the points by a reversal entry and returns the unit to stock; a second refund is refused', async () => {
    const clock = new TestClock('2026-03-01T01:00:00.000Z');
    const s = await seed(t.db, clock);
    const coupons = new Coupons(t.db, { now: clock.now });
    const { coupon } = await coupons.issue(s.family, s.cinema, `${s.p}-k1`);
    expect(await s.ledger.balance({ kind: 'family', id: s.family })).toBe(70);
    clock.advance(3_600_000);
    const refund = await coupons.refund(coupon.code, { staffId: 'co-1', note: '活动取消' });
    expect(refund).toMatchObject({ ok: true, balance: 100, coupon: { status: 'refunded', refundedAt: '2026-03-01T03:00:00.000Z' } });
    const history = await s.ledger.history({ kind: 'family', id: s.family });
    expect(history.map((e) => [e.kind, e.amount])).toEqual([
      ['reversal', 30],
      ['redemption', -30],
      ['award', 100],
    ]);
    const event = await t.db.selectFrom('coupon_events').selectAll().where('redemption_id', '=', coupon.redemptionId).executeTakeFirstOrThrow();
    expect(event).toMatchObject({ kind: 'refunded', refund_entry_id: history[0]?.id });
    expect((await s.ledger.listRewards()).find((r) => r.id === s.cinema)?.stock).toBe(5);
    expect(await coupons.refund(coupon.code, { staffId: 'co-1', note: 'again' })).toMatchObject({ ok: false, reason: 'alreadyRefunded' });
    expect(await coupons.markUsed(coupon.code, { kind: 'merchant', merchantId: s.merchant })).toMatchObject({ ok: false, reason: 'refunded' });
    expect(await s.ledger.balance({ kind: 'family', id: s.family })).toBe(100);
  });

  it('an expired coupon is not valid: its use is refused and nothing is recorded', async () => {
    const clock = new TestClock('2026-03-01T01:00:00.000Z');
    const s = await seed(t.db, clock);
    const coupons = new Coupons(t.db, { now: clock.now, validDays: 30 });
    const { coupon } = await coupons.issue(s.family, s.cinema, `${s.p}-k1`);
    clock.set('2026-03-31T01:59:59.999Z');
    expect((await coupons.byCode(coupon.code))?.status).toBe('issued');
    clock.set('2026-03-31T02:00:00.000Z');
    expect((await coupons.byCode(coupon.code))?.status).toBe('expired');
    expect(await coupons.markUsed(coupon.code, { kind: 'merchant', merchantId: s.merchant })).toMatchObject({ ok: false, reason: 'expired', coupon: { status: 'expired' } });
    expect(await t.db.selectFrom('coupon_events').select('id').where('redemption_id', '=', coupon.redemptionId).execute()).toEqual([]);
    // It can still be refunded: nobody used it.
    expect(await coupons.refund(coupon.code, { staffId: 'co-1', note: '过期退还' })).toMatchObject({ ok: true, balance: 100 });
  });

  it('a redemption reversed by the ledger itself reads as refunded', async () => {
    const clock = new TestClock('2026-03-01T01:00:00.000Z');
    const s = await seed(t.db, clock);
    const coupons = new Coupons(t.db, { now: clock.now });
    const { coupon } = await coupons.issue(s.family, s.cinema, `${s.p}-k1`);
    const entry = await t.db.selectFrom('redemptions').select('entry_id').where('id', '=', coupon.redemptionId).executeTakeFirstOrThrow();
    await s.ledger.reverse({ entryId: entry.entry_id, idempotencyKey: `${s.p}-rev`, note: 'fix' });
    expect((await coupons.byCode(coupon.code))?.status).toBe('refunded');
    expect(await coupons.markUsed(coupon.code, { kind: 'merchant', merchantId: s.merchant })).toMatchObject({ ok: false, reason: 'refunded' });
  });

  it('coupon events are append only: the database refuses UPDATE and DELETE', async () => {
    const clock = new TestClock('2026-03-01T01:00:00.000Z');
    const s = await seed(t.db, clock);
    const coupons = new Coupons(t.db, { now: clock.now });
    const { coupon } = await coupons.issue(s.family, s.cinema, `${s.p}-k1`);
    await coupons.markUsed(coupon.code, { kind: 'merchant', merchantId: s.merchant });
    expect(await refusalOf(t.db.updateTable('coupon_events').set({ at: '2020-01-01T00:00:00.000Z' }).where('redemption_id', '=', coupon.redemptionId).execute())).toMatch(/append-only/);
    expect(await refusalOf(t.db.deleteFrom('coupon_events').where('redemption_id', '=', coupon.redemptionId).execute())).toMatch(/append-only/);
    expect(await coupons.byCode('not a code')).toBeUndefined();
  });

  it('the cycle report counts used coupons per merchant (education under its own line), not issued or refunded ones', async () => {
    const clock = new TestClock('2026-03-01T01:00:00.000Z');
    const s = await seed(t.db, clock, 200);
    const compound = `${s.p}-c`;
    await new Cycles(t.db).ensure({
      cycleId: `${s.p}-cy`,
      name: '第三期',
      periodStart: '2026-02-01T00:00:00.000Z',
      periodEnd: '2026-06-01T00:00:00.000Z',
      compounds: [compound],
      coordinator: { id: 'co-1' },
      supervisor: { id: 'su-1' },
      milestones: [],
    });
    const coupons = new Coupons(t.db, { now: clock.now });
    const a = await coupons.issue(s.family, s.cinema, `${s.p}-a`);
    const b = await coupons.issue(s.family, s.cinema, `${s.p}-b`);
    const c = await coupons.issue(s.family, s.cinema, `${s.p}-c`);
    const d = await coupons.issue(s.family, s.book, `${s.p}-d`);
    await coupons.markUsed(a.coupon.code, { kind: 'merchant', merchantId: s.merchant });
    await coupons.markUsed(b.coupon.code, { kind: 'merchant', merchantId: s.merchant });
    await coupons.refund(c.coupon.code, { staffId: 'co-1', note: '退还' });
    await coupons.markUsed(d.coupon.code, { kind: 'staff', staffId: 'gw-1' });
    const report = await computeCycleReport(t.db, `${s.p}-cy`, { asOf: '2026-03-02T00:00:00.000Z' });
    expect(report.coupons?.used.count).toBe(3);
    expect(report.coupons?.byMerchant.map((m) => [m.merchantId, m.name, m.used])).toEqual([
      [null, '', 1],
      [s.merchant, '万达', 2],
    ]);
    const table = cycleReportTable(report, 'coupons', 'zh-CN');
    expect(table.rows.map((r) => [r.name, r.used])).toEqual([
      ['教育资源（社区兑换）', 1],
      ['万达', 2],
    ]);
    // Before the uses, the window holds none.
    const earlier = await computeCycleReport(t.db, `${s.p}-cy`, { asOf: '2026-03-01T01:30:00.000Z' });
    expect(earlier.coupons?.used.count).toBe(0);
  });
});
