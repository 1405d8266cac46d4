/**
 * The ledger's earning cap and expiry come from the settings (POINTS_* in config), reach every
 * ledger writer through createRepositories, and hold on both databases; staff awards (family
 * learning, volunteering outside an activity) are refused over the cap and idempotent; expiry and
 * the month-ahead list of what will expire are computed from the entries.
 */
import type { Kysely } from 'kysely';
import { loadConfig } from '../../config';
import { createRepositories } from '../../db/repositories';
import { Directory } from '../../db/services/directory';
import { LedgerError } from '../../db/services/ledger';
import type { Database } from '../../db/types';
import { reportDeps } from '../../reports';
import { DIALECTS, TestClock, uniq, useTestDatabase } from './harness';

async function seedFamily(db: Kysely<Database>): Promise<string> {
  const dir = new Directory(db);
  const p = uniq('ps');
  await dir.createCompound({ id: `${p}-c`, name: '锦华' });
  await dir.createFamily({ id: `${p}-f`, compoundId: `${p}-c`, name: '刘家', email: `${p}@example.com` });
  return `${p}-f`;
}

function reposFrom(db: Kysely<Database>, env: Record<string, string>) {
  const config = loadConfig(env);
  return { config, repos: createRepositories(db, { ...reportDeps(db), ledgerPolicy: config.points.policy }) };
}

async function refusal(p: Promise<unknown>): Promise<LedgerError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof LedgerError) return err;
    throw err;
  }
  throw new Error('not refused');
}

describe.each(DIALECTS)('points settings on %s', (dialect) => {
  const t = useTestDatabase(dialect);

  it('the earning cap from the settings cuts an activity award and refuses a staff award, naming the cap and what is left', async () => {
    const clock = new TestClock('2026-03-10T02:00:00.000Z');
    const { config, repos } = reposFrom(t.db, { POINTS_EARNING_CAP: '100', POINTS_EARNING_CAP_PERIOD: 'month' });
    // Every writer the repositories hand out carries the one policy.
    expect(repos.store.policy).toEqual(config.points.policy);
    const ledger = repos.ledger({ now: clock.now });
    expect(ledger.policy.earningCap).toEqual({ period: 'month', max: 100 });
    const familyId = await seedFamily(t.db);
    const holder = { kind: 'family' as const, id: familyId };

    const first = await ledger.award({ holder, amount: 70, idempotencyKey: uniq('act'), activityId: 'a-1', rule: 'attendance' });
    expect(first.amount).toBe(70);
    const over = await refusal(ledger.staffAward({ familyId, path: 'familyLearning', amount: 50, reason: '亲子共读打卡 4 周', idempotencyKey: uniq('k') }));
    expect(over.code).toBe('EARNING_CAP_REACHED');
    expect(over.message).toMatch(/earning cap is 100 points per month; this family has earned 70 this month, so 30 can still be awarded, not 50/);
    expect(await ledger.balance(holder)).toBe(70);

    const staff = await ledger.staffAward({ familyId, path: 'volunteering', amount: 30, reason: '社区义诊引导', idempotencyKey: uniq('k') });
    expect(staff).toMatchObject({ created: true, entry: { kind: 'award', amount: 30, rule: 'volunteering', activityId: null, note: '社区义诊引导' } });
    // The cap is full: an activity's award is cut to 0 with a note, as before.
    const cut = await ledger.award({ holder, amount: 10, idempotencyKey: uniq('act'), activityId: 'a-2', rule: 'attendance' });
    expect(cut.amount).toBe(0);
    expect(cut.note).toMatch(/capped from 10 to 0 by the monthly cap of 100/);
    // Next month the cap starts again.
    clock.set('2026-04-01T00:00:00.000Z');
    expect((await ledger.staffAward({ familyId, path: 'familyLearning', amount: 100, reason: '四月家庭学习', idempotencyKey: uniq('k') })).entry.amount).toBe(100);
  });

  it('a yearly cap counts the whole local year', async () => {
    const clock = new TestClock('2026-02-01T00:00:00.000Z');
    const { repos } = reposFrom(t.db, { POINTS_EARNING_CAP: '50', POINTS_EARNING_CAP_PERIOD: 'year' });
    const ledger = repos.ledger({ now: clock.now });
    const familyId = await seedFamily(t.db);
    await ledger.staffAward({ familyId, path: 'familyLearning', amount: 40, reason: '一月', idempotencyKey: uniq('k') });
    clock.set('2026-11-01T00:00:00.000Z');
    const over = await refusal(ledger.staffAward({ familyId, path: 'familyLearning', amount: 20, reason: '十一月', idempotencyKey: uniq('k') }));
    expect(over.message).toMatch(/earning cap is 50 points per year; this family has earned 40 this year, so 10 can still be awarded/);
  });

  it('without a cap setting nothing is cut or refused', async () => {
    const { repos } = reposFrom(t.db, {});
    const ledger = repos.ledger();
    expect(ledger.policy.earningCap).toBeNull();
    const familyId = await seedFamily(t.db);
    const a = await ledger.award({ holder: { kind: 'family', id: familyId }, amount: 5000, idempotencyKey: uniq('act'), activityId: 'a-1', rule: 'attendance' });
    expect(a.amount).toBe(5000);
    expect((await ledger.staffAward({ familyId, path: 'volunteering', amount: 1000, reason: '整年志愿服务', idempotencyKey: uniq('k') })).entry.amount).toBe(1000);
  });

  it('a staff award repeated with its key writes nothing new; the key for another award is refused', async () => {
    const { repos } = reposFrom(t.db, {});
    const ledger = repos.ledger();
    const familyId = await seedFamily(t.db);
    const key = uniq('k');
    const first = await ledger.staffAward({ familyId, path: 'familyLearning', amount: 20, reason: '亲子共读', idempotencyKey: key });
    const again = await ledger.staffAward({ familyId, path: 'familyLearning', amount: 20, reason: '亲子共读', idempotencyKey: key });
    expect(again).toEqual({ entry: first.entry, created: false });
    expect((await refusal(ledger.staffAward({ familyId, path: 'familyLearning', amount: 25, reason: '亲子共读', idempotencyKey: key }))).code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await ledger.balance({ kind: 'family', id: familyId })).toBe(20);
    expect((await refusal(ledger.staffAward({ familyId: 'no-such-family', path: 'familyLearning', amount: 5, reason: 'x', idempotencyKey: uniq('k') }))).code).toBe('FAMILY_NOT_FOUND');
  });

  it('the years before expiry are a setting: 2 years, or never', async () => {
    const earnedAt = '2026-06-15T02:00:00.000Z';
    const familyId = await seedFamily(t.db);
    const holder = { kind: 'family' as const, id: familyId };
    const two = reposFrom(t.db, { POINTS_EXPIRE_AFTER_YEARS: '2' }).repos.ledger();
    const never = reposFrom(t.db, { POINTS_EXPIRE_AFTER_YEARS: 'never' }).repos.ledger();
    // Points earned in 2026 expire at the end of 2028, Beijing time.
    expect((await two.award({ holder, amount: 10, idempotencyKey: uniq('a'), earnedAt })).expiresAt).toBe('2028-12-31T16:00:00.000Z');
    expect((await never.award({ holder, amount: 7, idempotencyKey: uniq('a'), earnedAt })).expiresAt).toBeNull();
    // At the end of 2028 only the 10 expire, once however often the run repeats (the database is
    // shared by this file's tests, so the family's own entries are counted).
    const expiries = async () => (await two.history(holder)).filter((e) => e.kind === 'expiry').map((e) => e.amount);
    await two.expirePoints('2029-01-01T00:00:00.000Z');
    expect(await expiries()).toEqual([-10]);
    expect(await two.expirePoints('2029-01-02T00:00:00.000Z')).toEqual({ entries: 0, points: 0 });
    expect(await expiries()).toEqual([-10]);
    expect(await two.balance(holder)).toBe(7);
  });

  it('lists a month ahead what each family will lose at each expiry date, after what was spent', async () => {
    const { repos } = reposFrom(t.db, {});
    const clock = new TestClock('2025-03-01T00:00:00.000Z');
    const ledger = repos.ledger({ now: clock.now });
    const familyId = await seedFamily(t.db);
    const other = await seedFamily(t.db);
    const holder = { kind: 'family' as const, id: familyId };
    await ledger.award({ holder, amount: 50, idempotencyKey: uniq('a'), earnedAt: '2025-03-01T00:00:00.000Z' });
    await ledger.award({ holder, amount: 20, idempotencyKey: uniq('a'), earnedAt: '2026-02-01T00:00:00.000Z' });
    await ledger.award({ holder: { kind: 'family', id: other }, amount: 5, idempotencyKey: uniq('a'), earnedAt: '2026-01-05T00:00:00.000Z' });
    const reward = await ledger.createReward({ name: '绘本', kind: 'education', price: 30, stock: 5 });
    clock.set('2026-05-01T00:00:00.000Z');
    await ledger.redeem(familyId, reward.id, uniq('r'));
    // 2025's 50 expire at 2026-12-31T16:00Z; 30 were spent from them (oldest first): 20 will go.
    const lines = await ledger.upcomingFamilyExpiries('2026-12-01T16:00:00.000Z', '2026-12-31T16:00:00.000Z');
    expect(lines).toEqual([{ familyId, expiresAt: '2026-12-31T16:00:00.000Z', amount: 20, balance: 40 }]);
    // Nothing expires within a month of June.
    expect(await ledger.upcomingFamilyExpiries('2026-06-01T00:00:00.000Z', '2026-07-01T00:00:00.000Z')).toEqual([]);
  });
});
