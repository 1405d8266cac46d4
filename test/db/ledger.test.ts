import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { Directory } from '../../db/services/directory';
import { type Holder, Ledger, LedgerError, dueExpiries, replayLots } from '../../db/services/ledger';
import type { Database } from '../../db/types';
import { DIALECTS, TestClock, createTestDatabase, uniq, useTestDatabase } from './harness';

/** Small seeded PRNG (mulberry32), so a failing randomised run can be replayed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function seedHolders(db: Kysely<Database>, families: number, volunteers = 0): Promise<{ families: string[]; volunteers: string[] }> {
  const dir = new Directory(db);
  const p = uniq('L');
  await dir.createCompound({ id: `${p}-c`, name: '锦华' });
  const f: string[] = [];
  const v: string[] = [];
  for (let i = 0; i < families; i++) {
    await dir.createFamily({ id: `${p}-f${i}`, compoundId: `${p}-c`, name: `家庭${i}`, email: `f${i}@example.com` });
    f.push(`${p}-f${i}`);
  }
  for (let i = 0; i < volunteers; i++) {
    await dir.createVolunteer({ id: `${p}-v${i}`, name: `志愿者${i}`, email: `v${i}@example.com` });
    v.push(`${p}-v${i}`);
  }
  return { families: f, volunteers: v };
}

const fam = (id: string): Holder => ({ kind: 'family', id });

/**
 * The message a refused statement fails with. Read from the error itself rather than with
 * `rejects.toThrow`: better-sqlite3's native addon keeps the SqliteError class of the first test
 * file that loaded it, so in later files its errors are not `instanceof` this file's Error and
 * jest reports "did not throw" for an error that was thrown.
 */
async function refusalOf(statement: Promise<unknown>): Promise<string> {
  try {
    await statement;
  } catch (err) {
    return String((err as { message?: unknown }).message ?? err);
  }
  return 'the statement was not refused';
}

async function rawSum(db: Kysely<Database>, holder: Holder): Promise<number> {
  const rows = await db.selectFrom('points_entries').select('amount').where('holder_kind', '=', holder.kind).where('holder_id', '=', holder.id).execute();
  return rows.reduce((s, r) => s + Number(r.amount), 0);
}

async function entriesOf(db: Kysely<Database>, holder: Holder) {
  return db.selectFrom('points_entries').selectAll().where('holder_kind', '=', holder.kind).where('holder_id', '=', holder.id).execute();
}

describe('the ledger source', () => {
  const dbDir = path.join(__dirname, '..', '..', 'db');
  const sources = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));

  /** Every way the code could change or remove a ledger row. */
  const forbidden = [
    /updateTable\(\s*['"`]points_entries/,
    /deleteFrom\(\s*['"`]points_entries/,
    /\bupdate\s+["`]?points_entries\b/i,
    /\bdelete\s+from\s+["`]?points_entries\b/i,
    /\btruncate\b[^;]*points_entries/i,
    /\.replaceInto\(/,
  ];
  const offences = (text: string) => forbidden.filter((re) => re.test(text)).map(String);

  /** The scan below proves nothing unless these catch each form: checked where they are used. */
  function guardTheDetector(): void {
    const caught = [
      "db.updateTable('points_entries').set({ amount: 0 })",
      'trx.deleteFrom("points_entries")',
      'sql`UPDATE points_entries SET amount = 0`',
      'sql`delete from points_entries`',
    ].filter((text) => offences(text).length === 1);
    if (caught.length !== 4 || offences("db.updateTable('rewards')").length !== 0) throw new Error('the ledger detector misses a form of UPDATE or DELETE');
  }

  it('has no UPDATE or DELETE on points_entries anywhere under db/, and every other update names its table', () => {
    guardTheDetector();
    const files = sources(dbDir);
    expect(files.map((f) => path.relative(dbDir, f))).toEqual(expect.arrayContaining(['store.ts', path.join('services', 'ledger.ts')]));
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      expect({ file, offences: offences(text) }).toEqual({ file, offences: [] });
      // A table given by a variable could hide the ledger: only the directory's typed spec is allowed.
      for (const m of text.matchAll(/\.(updateTable|deleteFrom)\(\s*([^)'"`\s]+)/g)) {
        expect({ file, call: m[0] }).toEqual({ file, call: expect.stringMatching(/\((\s*)spec\.table$/) });
      }
    }
  });
});

describe.each(DIALECTS)('ledger on %s', (dialect) => {
  const t = useTestDatabase(dialect, { poolSize: 20 });

  it('the database itself refuses UPDATE and DELETE on points_entries', async () => {
    const { families } = await seedHolders(t.db, 1);
    const ledger = new Ledger(t.db);
    const entry = await ledger.award({ holder: fam(families[0] as string), amount: 10, idempotencyKey: uniq('k') });
    // The row is there to be refused (a refused UPDATE of no rows would prove nothing).
    expect(await t.db.selectFrom('points_entries').select('id').where('id', '=', entry.id).execute()).toHaveLength(1);
    expect(await refusalOf(t.db.updateTable('points_entries').set({ amount: 1000 }).where('id', '=', entry.id).execute())).toMatch(/append-only/);
    expect(await refusalOf(t.db.deleteFrom('points_entries').where('id', '=', entry.id).execute())).toMatch(/append-only/);
    expect(await ledger.balance(fam(families[0] as string))).toBe(10);
  });

  it('50 concurrent redemptions of the last 10 coupons issue exactly 10 and never a negative balance or stock', async () => {
    const { families } = await seedHolders(t.db, 20);
    const clock = new TestClock('2025-06-01T00:00:00Z');
    const ledger = new Ledger(t.db, { now: clock.now });
    const dir = new Directory(t.db);
    const merchant = uniq('m');
    await dir.createMerchant({ id: merchant, name: '万达', email: 'wanda@example.com' });
    const reward = await ledger.createReward({ name: '万达电影券', kind: 'merchantCoupon', merchantId: merchant, price: 10, stock: 10 });
    for (const f of families) await ledger.award({ holder: fam(f), amount: 30, idempotencyKey: `seed:${f}` });

    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        ledger.redeem(families[i % families.length] as string, reward.id, `${reward.id}:${i}`).then(
          (r) => ({ ok: true as const, r }),
          (e: unknown) => ({ ok: false as const, e }),
        ),
      ),
    );
    const issued = outcomes.flatMap((o) => (o.ok ? [o.r] : []));
    const refused = outcomes.flatMap((o) => (o.ok ? [] : [o.e]));
    expect(issued).toHaveLength(10);
    for (const e of refused) expect(e).toMatchObject({ name: 'LedgerError', code: 'OUT_OF_STOCK' });
    expect(new Set(issued.map((r) => r.couponCode)).size).toBe(10);
    expect((await ledger.listRewards()).find((r) => r.id === reward.id)?.stock).toBe(0);
    const redemptions = await t.db.selectFrom('redemptions').select('family_id').where('reward_id', '=', reward.id).execute();
    expect(redemptions).toHaveLength(10);
    for (const f of families) {
      const count = redemptions.filter((r) => r.family_id === f).length;
      expect(await ledger.balance(fam(f))).toBe(30 - 10 * count);
      expect(await rawSum(t.db, fam(f))).toBe(30 - 10 * count);
    }
  });

  it('concurrent redemptions by one family never overspend its balance', async () => {
    const { families } = await seedHolders(t.db, 1);
    const f = families[0] as string;
    const ledger = new Ledger(t.db);
    const reward = await ledger.createReward({ name: '亲子阅读课', kind: 'education', price: 10, stock: 100 });
    await ledger.award({ holder: fam(f), amount: 35, idempotencyKey: uniq('k') });
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => ledger.redeem(f, reward.id, `${f}:${i}`)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'INSUFFICIENT_POINTS' });
    expect(await ledger.balance(fam(f))).toBe(5);
    expect((await ledger.listRewards()).find((r) => r.id === reward.id)?.stock).toBe(97);
  });

  it('a redemption is idempotent by key, and refuses a key used for someone else', async () => {
    const { families } = await seedHolders(t.db, 2);
    const [a, b] = families as [string, string];
    const ledger = new Ledger(t.db);
    const reward = await ledger.createReward({ name: '课程', kind: 'education', price: 10, stock: 5 });
    await ledger.award({ holder: fam(a), amount: 25, idempotencyKey: uniq('k') });
    await ledger.award({ holder: fam(b), amount: 25, idempotencyKey: uniq('k') });
    const first = await ledger.redeem(a, reward.id, 'order-1');
    expect(first).toMatchObject({ familyId: a, points: 10, balance: 15, couponCode: expect.stringMatching(/^JH-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/) });
    expect(await ledger.redeem(a, reward.id, 'order-1')).toEqual(first);
    expect(await ledger.balance(fam(a))).toBe(15);
    await expect(ledger.redeem(b, reward.id, 'order-1')).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    const expensive = await ledger.createReward({ name: '夏令营', kind: 'education', price: 100, stock: 5 });
    await expect(ledger.redeem(b, expensive.id, 'order-2')).rejects.toMatchObject({ code: 'INSUFFICIENT_POINTS' });
    await expect(ledger.redeem('ghost', reward.id, 'order-3')).rejects.toMatchObject({ code: 'FAMILY_NOT_FOUND' });
    expect((await ledger.listRewards()).find((r) => r.id === expensive.id)?.stock).toBe(5);
  });

  it('corrects with reversing entries, once each, never below zero', async () => {
    const { families } = await seedHolders(t.db, 1);
    const f = families[0] as string;
    const ledger = new Ledger(t.db);
    const reward = await ledger.createReward({ name: '课程', kind: 'education', price: 30, stock: 5 });
    const big = await ledger.award({ holder: fam(f), amount: 40, idempotencyKey: uniq('k') });
    const small = await ledger.award({ holder: fam(f), amount: 5, idempotencyKey: uniq('k') });
    const reversal = await ledger.reverse({ entryId: small.id, idempotencyKey: 'fix-1', note: '误发' });
    expect(reversal).toMatchObject({ kind: 'reversal', amount: -5, reversesEntryId: small.id, earnedAt: small.earnedAt });
    expect(await ledger.reverse({ entryId: small.id, idempotencyKey: 'fix-1', note: '误发' })).toEqual(reversal);
    await expect(ledger.reverse({ entryId: small.id, idempotencyKey: 'fix-2', note: 'again' })).rejects.toMatchObject({ code: 'ALREADY_REVERSED' });
    await expect(ledger.reverse({ entryId: reversal.id, idempotencyKey: 'fix-3', note: 'x' })).rejects.toMatchObject({ code: 'NOT_REVERSIBLE' });

    const redemption = await ledger.redeem(f, reward.id, uniq('order'));
    expect(await ledger.balance(fam(f))).toBe(10);
    await expect(ledger.reverse({ entryId: big.id, idempotencyKey: 'fix-4', note: 'spent' })).rejects.toMatchObject({ code: 'INSUFFICIENT_POINTS' });
    const refund = await ledger.reverse({ entryId: redemption.entryId, idempotencyKey: 'refund-1', note: '退券' });
    expect(refund.amount).toBe(30);
    expect(await ledger.balance(fam(f))).toBe(40);
    const history = await ledger.history(fam(f));
    expect(history.map((e) => e.kind).sort()).toEqual(['award', 'award', 'redemption', 'reversal', 'reversal']);
    expect(history.reduce((s, e) => s + e.amount, 0)).toBe(40);
  });

  it('points expire at the end of the year after they were earned, oldest first, once per date', async () => {
    const { families } = await seedHolders(t.db, 1);
    const f = families[0] as string;
    const clock = new TestClock('2023-03-01T02:00:00Z');
    const ledger = new Ledger(t.db, { now: clock.now });
    const reward = await ledger.createReward({ name: '课程', kind: 'education', price: 60, stock: 5 });
    const span = { from: '2023-01-01T00:00:00Z', to: '2027-01-01T00:00:00Z' };
    const baseline = await ledger.totals(span); // other tests in this file wrote entries too
    const old = await ledger.award({ holder: fam(f), amount: 100, idempotencyKey: uniq('k') });
    expect(old.expiresAt).toBe('2024-12-31T16:00:00.000Z'); // 2025-01-01T00:00 in UTC+8
    // Earned on 2023-12-31 at 23:30 local time (15:30Z): still a 2023 point.
    clock.set('2023-12-31T15:30:00Z');
    expect((await ledger.award({ holder: fam(f), amount: 1, idempotencyKey: uniq('k') })).expiresAt).toBe('2024-12-31T16:00:00.000Z');
    clock.set('2024-06-01T00:00:00Z');
    await ledger.award({ holder: fam(f), amount: 50, idempotencyKey: uniq('k') });
    clock.set('2024-08-01T00:00:00Z');
    await ledger.redeem(f, reward.id, uniq('order')); // takes 60 of the 2023 points

    clock.set('2024-12-31T15:59:59Z');
    expect(await ledger.expirePoints(clock.iso())).toEqual({ entries: 0, points: 0 });
    clock.set('2025-01-02T00:00:00Z');
    expect(await ledger.expirePoints(clock.iso())).toEqual({ entries: 1, points: 41 });
    expect(await ledger.expirePoints(clock.iso())).toEqual({ entries: 0, points: 0 });
    expect(await ledger.balance(fam(f))).toBe(50);
    const expiry = (await ledger.history(fam(f))).find((e) => e.kind === 'expiry');
    expect(expiry).toMatchObject({ amount: -41, idempotencyKey: `expiry:family:${f}:2024-12-31T16:00:00.000Z` });

    clock.set('2026-03-01T00:00:00Z');
    expect(await ledger.expirePoints(clock.iso())).toEqual({ entries: 1, points: 50 });
    expect(await ledger.balance(fam(f))).toBe(0);
    const totals = await ledger.totals(span);
    expect({
      awarded: totals.awarded - baseline.awarded,
      redeemed: totals.redeemed - baseline.redeemed,
      expired: totals.expired - baseline.expired,
      reversed: totals.reversed - baseline.reversed,
      outstanding: totals.outstanding - baseline.outstanding,
    }).toEqual({ awarded: 151, redeemed: 60, expired: 91, reversed: 0, outstanding: 0 });
  });

  it('points that reach an already-expired date later expire at the next run, in a second entry for that date', async () => {
    const { families } = await seedHolders(t.db, 1);
    const f = families[0] as string;
    const clock = new TestClock('2023-05-01T00:00:00Z');
    const ledger = new Ledger(t.db, { now: clock.now });
    await ledger.award({ holder: fam(f), amount: 10, idempotencyKey: uniq('k') });
    clock.set('2025-02-01T00:00:00Z');
    expect(await ledger.expirePoints(clock.iso())).toEqual({ entries: 1, points: 10 });
    // A correction awarded now for an activity back in 2023: those points are already past their date.
    await ledger.award({ holder: fam(f), amount: 4, idempotencyKey: uniq('k'), earnedAt: '2023-09-01T10:00:00+08:00' });
    await ledger.award({ holder: fam(f), amount: 6, idempotencyKey: uniq('k') });
    expect(await ledger.expirePoints(clock.iso())).toEqual({ entries: 1, points: 4 });
    expect(await ledger.expirePoints(clock.iso())).toEqual({ entries: 0, points: 0 });
    const keys = (await ledger.history(fam(f))).filter((e) => e.kind === 'expiry').map((e) => e.idempotencyKey).sort();
    expect(keys).toEqual([`expiry:family:${f}:2024-12-31T16:00:00.000Z`, `expiry:family:${f}:2024-12-31T16:00:00.000Z:2`]);
    expect(await ledger.balance(fam(f))).toBe(6);
  });

  it('balances equal the sum of entries after a randomised (seeded) run of awards, redemptions, reversals and expiries', async () => {
    // Its own database: expirePoints and totals are global, so no other test's entries may be there.
    const own = await createTestDatabase(dialect);
    try {
      await randomisedRun(own.db, 20250601);
    } finally {
      await own.close();
    }
  });

  async function randomisedRun(db: Kysely<Database>, seed: number): Promise<void> {
    const rand = mulberry32(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    const { families, volunteers } = await seedHolders(db, 6, 2);
    const holders: Holder[] = [...families.map(fam), ...volunteers.map((id) => ({ kind: 'volunteer' as const, id }))];
    const clock = new TestClock('2023-01-01T00:00:00Z');
    const ledger = new Ledger(db, { now: clock.now, policy: { earningCap: { period: 'month', max: 60 } } });
    const rewards = [
      await ledger.createReward({ name: '小奖励', kind: 'education', price: 15, stock: 25 }),
      await ledger.createReward({ name: '大奖励', kind: 'education', price: 45, stock: 6 }),
    ];
    const initialStock = new Map(rewards.map((r) => [r.id, r.stock]));
    const counts = { award: 0, redeem: 0, refused: 0, reverse: 0, expire: 0 };

    const checkInvariants = async (expiredAsOf?: string) => {
      let sum = 0;
      for (const h of holders) {
        const balance = await ledger.balance(h);
        const entries = await entriesOf(db, h);
        expect({ seed, h, balance }).toEqual({ seed, h, balance: await rawSum(db, h) });
        expect(balance).toBeGreaterThanOrEqual(0);
        const { lots, debt } = replayLots(entries);
        expect({ seed, h, debt }).toEqual({ seed, h, debt: 0 });
        expect(lots.reduce((s, l) => s + l.remaining, 0)).toBe(balance);
        if (expiredAsOf) expect({ seed, h, due: dueExpiries(entries, expiredAsOf) }).toEqual({ seed, h, due: [] });
        sum += balance;
      }
      for (const r of await ledger.listRewards()) {
        if (!initialStock.has(r.id)) continue;
        const issued = await db.selectFrom('redemptions').select('id').where('reward_id', '=', r.id).execute();
        expect(r.stock).toBeGreaterThanOrEqual(0);
        expect(r.stock).toBe((initialStock.get(r.id) ?? 0) - issued.length);
      }
      const totals = await ledger.totals({ from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' });
      expect(totals.outstanding).toBe(sum);
      expect(totals.awarded + totals.reversed - totals.redeemed - totals.expired).toBe(totals.outstanding);
    };

    for (let i = 0; i < 300; i++) {
      clock.advance(Math.floor(rand() * 8 * 86_400_000)); // about 3.3 years in all
      const op = rand();
      if (op < 0.45) {
        await ledger.award({ holder: pick(holders), amount: 1 + Math.floor(rand() * 40), idempotencyKey: `rnd:${seed}:${i}` });
        counts.award++;
      } else if (op < 0.7) {
        try {
          await ledger.redeem(pick(families), pick(rewards).id, `rnd:${seed}:${i}`);
          counts.redeem++;
        } catch (e) {
          expect(e).toBeInstanceOf(LedgerError);
          expect(['INSUFFICIENT_POINTS', 'OUT_OF_STOCK']).toContain((e as LedgerError).code);
          counts.refused++;
        }
      } else if (op < 0.85) {
        const candidates = await db
          .selectFrom('points_entries')
          .select('id')
          .where('kind', 'in', ['award', 'redemption'])
          .select('idempotency_key')
          .where('holder_id', 'in', holders.map((h) => h.id))
          .execute();
        candidates.sort((a, b) => (a.idempotency_key < b.idempotency_key ? -1 : 1)); // the same order on both dialects
        if (candidates.length === 0) continue;
        try {
          await ledger.reverse({ entryId: pick(candidates).id, idempotencyKey: `rnd:${seed}:${i}`, note: 'random correction' });
          counts.reverse++;
        } catch (e) {
          expect(e).toBeInstanceOf(LedgerError);
          expect(['ALREADY_REVERSED', 'INSUFFICIENT_POINTS', 'NOT_REVERSIBLE']).toContain((e as LedgerError).code);
        }
      } else {
        const asOf = clock.iso();
        await ledger.expirePoints(asOf);
        expect(await ledger.expirePoints(asOf)).toEqual({ entries: 0, points: 0 }); // idempotent
        counts.expire++;
        await checkInvariants(asOf);
      }
      if (i % 40 === 39) await checkInvariants();
    }
    await checkInvariants();
    // The run exercised every operation.
    expect(Math.min(counts.award, counts.redeem, counts.refused, counts.reverse, counts.expire)).toBeGreaterThan(0);
    expect(await db.selectFrom('points_entries').select('id').where('kind', '=', 'expiry').where('holder_id', 'in', holders.map((h) => h.id)).execute()).not.toHaveLength(0);

    // Past every expiry date, everything left expires and every balance is 0.
    await ledger.expirePoints('2035-01-01T00:00:00Z');
    await checkInvariants('2035-01-01T00:00:00Z');
    for (const h of holders) expect(await ledger.balance(h)).toBe(0);
  }

  it('totals report a period', async () => {
    const { families } = await seedHolders(t.db, 1);
    const f = families[0] as string;
    const clock = new TestClock('2031-02-01T00:00:00Z');
    const ledger = new Ledger(t.db, { now: clock.now });
    const reward = await ledger.createReward({ name: 'x', kind: 'education', price: 20, stock: 2 });
    const baseline = await ledger.totals({ from: '2031-01-01T00:00:00Z', to: '2031-03-01T00:00:00Z' });
    const a = await ledger.award({ holder: fam(f), amount: 50, idempotencyKey: uniq('k') });
    await ledger.redeem(f, reward.id, uniq('o'));
    await ledger.award({ holder: fam(f), amount: 7, idempotencyKey: uniq('k') }).then((e) => ledger.reverse({ entryId: e.id, idempotencyKey: uniq('r'), note: 'x' }));
    clock.set('2031-04-01T00:00:00Z');
    await ledger.award({ holder: fam(f), amount: 3, idempotencyKey: uniq('k') });
    const feb = await ledger.totals({ from: '2031-02-01T00:00:00Z', to: '2031-03-01T00:00:00Z' });
    expect(feb).toEqual({ awarded: 57, reversed: -7, redeemed: 20, expired: 0, outstanding: baseline.outstanding + 30 });
    expect(a.amount).toBe(50);
  });
});
