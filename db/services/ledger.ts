/**
 * The growth-points ledger (成长积分).
 *
 * `points_entries` is APPEND ONLY: this module (and every other module) only ever inserts into it,
 * and the database refuses UPDATE and DELETE on it with a trigger. A correction is a `reversal`
 * entry that negates the entry it corrects. A balance is always SUM(amount) of the holder's entries.
 *
 * Entry kinds and signs: `award` >= 0, `redemption` < 0, `expiry` < 0, `reversal` = -(reversed amount).
 * Only awards and redemptions can be reversed, each at most once.
 *
 * Concurrency: every write that depends on a balance runs in one transaction that first locks the
 * holder's row (families / volunteers) with SELECT … FOR UPDATE on PostgreSQL; on SQLite write
 * transactions are serialised (BEGIN IMMEDIATE). Reward stock is decremented with a conditional
 * UPDATE (stock = stock - 1 WHERE stock > 0); rewards rows may be updated, ledger entries may not.
 *
 * Policy (see LedgerPolicy; the settings are config.points.policy, POINTS_* in .env.example, handed
 * in once through createRepositories / the activity store): points earned in year Y expire at the
 * end of year Y + N, local time (UTC+8); an optional cap limits the points a holder can earn per
 * calendar month (or year): an activity's award that would pass it is cut to what is left
 * (possibly 0, recorded with a note); a staff award (`staffAward`) that would pass it is refused.
 */
import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import { text } from '../../domain/text';
import { dialectOf, isUniqueViolation, withTransaction } from '../database';
import type { Database, HolderKind, PointsEntryKind, PointsEntryRow, RedemptionsTable, RewardKind, RewardsTable } from '../types';
import { type Clock, ServiceError, newId, num, randomToken, systemClock, toIso } from '../util';
import { IdSchema, IdempotencyKeySchema, InstantSchema, parseInput } from './validation';
import {
  capPeriodOf,
  cappedAward,
  defaultLedgerPolicy,
  dueExpiries as dueEntryExpiries,
  expiryFor,
  replayLots as replayEntryLots,
  staffAwardCapRefusal,
  upcomingExpiries,
  STAFF_AWARD_MAX,
  STAFF_AWARD_PATHS,
  type LedgerEntryFacts,
  type StaffAwardPath,
  type LedgerPolicy,
  type Lot,
} from '../../domain/points';

// The arithmetic lives in domain/points.ts; re-exported so this module's importers keep compiling.
export { capPeriodOf, defaultLedgerPolicy, expiryFor };
export type { LedgerPolicy, Lot };

export interface Holder {
  kind: HolderKind;
  id: string;
}

export type LedgerErrorCode =
  | 'HOLDER_NOT_FOUND'
  | 'FAMILY_NOT_FOUND'
  | 'REWARD_NOT_FOUND'
  | 'ENTRY_NOT_FOUND'
  | 'INSUFFICIENT_POINTS'
  | 'OUT_OF_STOCK'
  | 'NOT_REVERSIBLE'
  | 'ALREADY_REVERSED'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'DUPLICATE'
  /** A staff award that would pass the earning cap (POINTS_EARNING_CAP); the message names the cap and what is left. */
  | 'EARNING_CAP_REACHED';

export class LedgerError extends ServiceError<LedgerErrorCode> {
  override readonly name = 'LedgerError';
}

export interface PointsEntry {
  id: string;
  holder: Holder;
  kind: PointsEntryKind;
  amount: number;
  activityId: string | null;
  rule: string | null;
  idempotencyKey: string;
  reversesEntryId: string | null;
  earnedAt: string;
  expiresAt: string | null;
  createdAt: string;
  note: string;
}

export interface Reward {
  id: string;
  name: string;
  kind: RewardKind;
  merchantId: string | null;
  price: number;
  stock: number;
}

export interface Redemption {
  id: string;
  rewardId: string;
  familyId: string;
  couponCode: string;
  points: number;
  idempotencyKey: string;
  entryId: string;
  createdAt: string;
}

export interface LedgerTotals {
  /** Points awarded by entries written in the period. */
  awarded: number;
  /** Net effect of reversals written in the period (negative when awards were taken back). */
  reversed: number;
  /** Points spent on rewards in the period (a positive figure). */
  redeemed: number;
  /** Points that expired in the period (a positive figure). */
  expired: number;
  /** Sum of every balance at the end of the period. */
  outstanding: number;
}

// ---------------------------------------------------------------------------------------------
// Building blocks shared with the activity store. Call them inside a transaction.

export function toPointsEntry(row: PointsEntryRow): PointsEntry {
  return {
    id: row.id,
    holder: { kind: row.holder_kind, id: row.holder_id },
    kind: row.kind,
    amount: num(row.amount),
    activityId: row.activity_id,
    rule: row.rule,
    idempotencyKey: row.idempotency_key,
    reversesEntryId: row.reverses_entry_id,
    earnedAt: row.earned_at,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    note: row.note,
  };
}

/**
 * Locks the holder's directory row (SELECT … FOR UPDATE on PostgreSQL) so balance checks and the
 * writes that follow are serialised per holder. Returns false when the holder does not exist.
 */
export async function lockHolder(trx: Kysely<Database>, holder: Holder): Promise<boolean> {
  const pg = dialectOf(trx) === 'postgres';
  if (holder.kind === 'family') {
    const q = trx.selectFrom('families').select('id').where('id', '=', holder.id);
    return !!(await (pg ? q.forUpdate() : q).executeTakeFirst());
  }
  const q = trx.selectFrom('volunteers').select('id').where('id', '=', holder.id);
  return !!(await (pg ? q.forUpdate() : q).executeTakeFirst());
}

export async function balanceOf(trx: Kysely<Database>, holder: Holder): Promise<number> {
  const row = await trx
    .selectFrom('points_entries')
    .select((eb) => eb.fn.sum<string | number | null>('amount').as('total'))
    .where('holder_kind', '=', holder.kind)
    .where('holder_id', '=', holder.id)
    .executeTakeFirst();
  return num(row?.total);
}

/**
 * The created_at for the holder's next entry: now, or 1 ms after the holder's latest entry when
 * that is not earlier. Under the holder's lock this makes (holder, created_at) a strict order of
 * writing, which the FIFO replay relies on even when two entries are written within one millisecond.
 */
export async function nextCreatedAt(trx: Kysely<Database>, holder: Holder, now: string): Promise<string> {
  const row = await trx
    .selectFrom('points_entries')
    .select((eb) => eb.fn.max('created_at').as('latest'))
    .where('holder_kind', '=', holder.kind)
    .where('holder_id', '=', holder.id)
    .executeTakeFirst();
  const latest = row?.latest;
  return typeof latest === 'string' && latest >= now ? new Date(Date.parse(latest) + 1).toISOString() : now;
}

/** The ledger key of a staff award: the client's idempotency key, in its own namespace. */
export function staffAwardKey(idempotencyKey: string): string {
  return `staff-award:${idempotencyKey}`;
}

async function entryByKey(trx: Kysely<Database>, key: string): Promise<PointsEntryRow | undefined> {
  return trx.selectFrom('points_entries').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
}

/** Points the holder earned in [from, to): awards less reversed awards, by the date they were earned. */
async function earnedIn(trx: Kysely<Database>, holder: Holder, period: { from: string; to: string }): Promise<number> {
  const row = await trx
    .selectFrom('points_entries')
    .select((eb) => eb.fn.sum<string | number | null>('amount').as('total'))
    .where('holder_kind', '=', holder.kind)
    .where('holder_id', '=', holder.id)
    .where('earned_at', '>=', period.from)
    .where('earned_at', '<', period.to)
    // Reversals of awards are the negative ones (a reversed redemption is a positive refund).
    .where((eb) => eb.or([eb('kind', '=', 'award'), eb.and([eb('kind', '=', 'reversal'), eb('amount', '<', 0)])]))
    .executeTakeFirst();
  return num(row?.total);
}

export interface AwardInput {
  holder: Holder;
  amount: number;
  idempotencyKey: string;
  activityId?: string | null;
  rule?: string | null;
  note?: string;
  /** When the points were earned (default: now). Expiry and the earning cap are reckoned from it. */
  earnedAt?: string;
}

/**
 * Writes one award unless an entry with the same idempotency key exists (then returns that one).
 * Applies the earning cap. The caller holds the holder's lock (lockHolder) in `trx`.
 */
export async function insertAward(
  trx: Kysely<Database>,
  policy: LedgerPolicy,
  input: AwardInput,
  now: string,
): Promise<{ entry: PointsEntryRow; created: boolean }> {
  const existing = await entryByKey(trx, input.idempotencyKey);
  if (existing) return { entry: existing, created: false };

  const earnedAt = toIso(input.earnedAt ?? now);
  const period = capPeriodOf(earnedAt, policy);
  const earnedInPeriod = period && policy.earningCap ? await earnedIn(trx, input.holder, period) : 0;
  const { amount, note } = cappedAward(input.amount, earnedInPeriod, policy, input.note ?? '');
  const inserted = await trx
    .insertInto('points_entries')
    .values({
      id: newId('pe'),
      holder_kind: input.holder.kind,
      holder_id: input.holder.id,
      kind: 'award',
      amount,
      activity_id: input.activityId ?? null,
      rule: input.rule ?? null,
      idempotency_key: input.idempotencyKey,
      reverses_entry_id: null,
      earned_at: earnedAt,
      expires_at: expiryFor(earnedAt, policy),
      created_at: await nextCreatedAt(trx, input.holder, now),
      note,
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { entry: inserted, created: true };
  const raced = await entryByKey(trx, input.idempotencyKey);
  if (!raced) throw new Error(`points entry ${input.idempotencyKey} neither inserted nor found`);
  return { entry: raced, created: false };
}

// ---------------------------------------------------------------------------------------------
// FIFO replay: which earnings are still unspent. Oldest earnings are consumed first.

/** A ledger row as the pure FIFO replay (domain/points.ts) takes it. */
export function entryFacts(row: PointsEntryRow): LedgerEntryFacts {
  return {
    id: row.id,
    kind: row.kind,
    amount: num(row.amount),
    earnedAt: row.earned_at,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    reversesEntryId: row.reverses_entry_id,
  };
}

/** `replayLots` of domain/points.ts over ledger rows. */
export function replayLots(entries: readonly PointsEntryRow[]): { lots: Lot[]; debt: number } {
  return replayEntryLots(entries.map(entryFacts));
}

/** `dueExpiries` of domain/points.ts over ledger rows: the expiry entries a holder is due as of `asOf`. */
export function dueExpiries(entries: readonly PointsEntryRow[], asOf: string): { expiresAt: string; amount: number }[] {
  return dueEntryExpiries(entries.map(entryFacts), asOf);
}

// ---------------------------------------------------------------------------------------------

const HolderSchema = z.object({ kind: z.enum(['family', 'volunteer']), id: IdSchema });
const AwardSchema = z.object({
  holder: HolderSchema,
  amount: z.number().int().min(0).max(1_000_000),
  idempotencyKey: IdempotencyKeySchema,
  activityId: IdSchema.nullish(),
  rule: z.string().trim().min(1).max(100).nullish(),
  note: text().max(1000).optional(),
  earnedAt: InstantSchema.optional(),
});
const StaffAwardSchema = z.object({
  familyId: IdSchema,
  path: z.enum(STAFF_AWARD_PATHS),
  amount: z.number().int().min(1).max(STAFF_AWARD_MAX),
  reason: text().trim().min(1, 'a reason is required').max(500),
  // Shorter than other keys: the ledger keeps it as `staff-award:<key>`.
  idempotencyKey: z.string().trim().min(1).max(180),
});
const ReverseSchema = z.object({
  entryId: z.string().trim().min(1).max(200),
  idempotencyKey: IdempotencyKeySchema,
  note: text().trim().min(1, 'a reason is required').max(1000),
});
const RewardSchema = z
  .object({
    id: IdSchema.optional(),
    name: text().trim().min(1).max(200),
    kind: z.enum(['education', 'merchantCoupon']),
    merchantId: IdSchema.nullish(),
    price: z.number().int().positive().max(1_000_000),
    stock: z.number().int().min(0).max(1_000_000),
  })
  .refine((r) => r.kind !== 'merchantCoupon' || !!r.merchantId, {
    message: 'a merchant coupon needs its merchant',
    path: ['merchantId'],
  });
const RewardPatchSchema = z.object({
  name: text().trim().min(1).max(200).optional(),
  price: z.number().int().positive().max(1_000_000).optional(),
  stock: z.number().int().min(0).max(1_000_000).optional(),
});

export interface LedgerOptions {
  policy?: Partial<LedgerPolicy>;
  now?: Clock;
}

export class Ledger {
  readonly policy: LedgerPolicy;
  private readonly now: Clock;

  constructor(
    private readonly db: Kysely<Database>,
    options: LedgerOptions = {},
  ) {
    this.policy = { ...defaultLedgerPolicy, ...options.policy };
    this.now = options.now ?? systemClock;
  }

  private nowIso(): string {
    return this.now().toISOString();
  }

  /** SUM(amount) of the holder's entries. */
  async balance(holder: Holder): Promise<number> {
    return balanceOf(this.db, parseInput(HolderSchema, holder));
  }

  /** The holder's entries, newest first. */
  async history(holder: Holder, opts: { limit?: number } = {}): Promise<PointsEntry[]> {
    const h = parseInput(HolderSchema, holder);
    const rows = await this.db
      .selectFrom('points_entries')
      .selectAll()
      .where('holder_kind', '=', h.kind)
      .where('holder_id', '=', h.id)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(Math.min(Math.max(1, opts.limit ?? 1000), 10_000))
      .execute();
    return rows.map(toPointsEntry);
  }

  /** Awards points (idempotent by key; the earning cap applies). Returns the entry written or found. */
  async award(input: AwardInput): Promise<PointsEntry> {
    const a = parseInput(AwardSchema, input);
    return withTransaction(this.db, async (trx) => {
      if (!(await lockHolder(trx, a.holder))) throw new LedgerError('HOLDER_NOT_FOUND', `no ${a.holder.kind} ${a.holder.id}`);
      const { entry } = await insertAward(trx, this.policy, a, this.nowIso());
      return toPointsEntry(entry);
    });
  }

  /**
   * Corrects an award or a redemption with an entry of the opposite sign (idempotent by key).
   * Refused when the holder's balance would go below zero. A reversed redemption refunds the points;
   * it does not return the coupon to stock.
   */
  async reverse(input: { entryId: string; idempotencyKey: string; note: string }): Promise<PointsEntry> {
    const r = parseInput(ReverseSchema, input);
    return withTransaction(this.db, async (trx) => {
      const original = await trx.selectFrom('points_entries').selectAll().where('id', '=', r.entryId).executeTakeFirst();
      if (!original) throw new LedgerError('ENTRY_NOT_FOUND', `no points entry ${r.entryId}`);
      const holder: Holder = { kind: original.holder_kind, id: original.holder_id };
      await lockHolder(trx, holder);
      const existing = await entryByKey(trx, r.idempotencyKey);
      if (existing) {
        if (existing.reverses_entry_id === original.id) return toPointsEntry(existing);
        throw new LedgerError('IDEMPOTENCY_KEY_REUSED', `idempotency key ${r.idempotencyKey} was used for another entry`);
      }
      if (original.kind !== 'award' && original.kind !== 'redemption') {
        throw new LedgerError('NOT_REVERSIBLE', `a ${original.kind} entry cannot be reversed`);
      }
      if (num(original.amount) === 0) throw new LedgerError('NOT_REVERSIBLE', 'the entry moved no points');
      const already = await trx.selectFrom('points_entries').select('id').where('reverses_entry_id', '=', original.id).executeTakeFirst();
      if (already) throw new LedgerError('ALREADY_REVERSED', `entry ${original.id} was already reversed by ${already.id}`);
      const amount = -num(original.amount);
      if (amount < 0) {
        const balance = await balanceOf(trx, holder);
        if (balance + amount < 0) {
          throw new LedgerError('INSUFFICIENT_POINTS', `reversing ${-amount} points would leave a balance of ${balance + amount}`);
        }
      }
      const entry = await trx
        .insertInto('points_entries')
        .values({
          id: newId('pe'),
          holder_kind: holder.kind,
          holder_id: holder.id,
          kind: 'reversal',
          amount,
          activity_id: original.activity_id,
          rule: original.rule,
          idempotency_key: r.idempotencyKey,
          reverses_entry_id: original.id,
          earned_at: original.earned_at,
          expires_at: original.kind === 'award' ? original.expires_at : expiryFor(original.earned_at, this.policy),
          created_at: await nextCreatedAt(trx, holder, this.nowIso()),
          note: r.note,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toPointsEntry(entry);
    });
  }

  async createReward(input: z.input<typeof RewardSchema>): Promise<Reward> {
    const r = parseInput(RewardSchema, input);
    const row = {
      id: r.id ?? newId('rw'),
      name: r.name,
      kind: r.kind,
      merchant_id: r.merchantId ?? null,
      price: r.price,
      stock: r.stock,
    };
    try {
      await this.db.insertInto('rewards').values(row).execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw new LedgerError('DUPLICATE', `reward ${row.id} exists`);
      throw error;
    }
    return toReward(row);
  }

  /** Changes a reward's name, price or stock (set, not added). */
  async updateReward(id: string, patch: z.input<typeof RewardPatchSchema>): Promise<Reward> {
    const p = parseInput(RewardPatchSchema, patch);
    const rewardId = parseInput(IdSchema, id);
    const set = { ...(p.name !== undefined && { name: p.name }), ...(p.price !== undefined && { price: p.price }), ...(p.stock !== undefined && { stock: p.stock }) };
    if (Object.keys(set).length) await this.db.updateTable('rewards').set(set).where('id', '=', rewardId).execute();
    const row = await this.db.selectFrom('rewards').selectAll().where('id', '=', rewardId).executeTakeFirst();
    if (!row) throw new LedgerError('REWARD_NOT_FOUND', `no reward ${rewardId}`);
    return toReward(row);
  }

  /** Adds `count` to a reward's stock. */
  async restock(id: string, count: number): Promise<Reward> {
    const rewardId = parseInput(IdSchema, id);
    const n = parseInput(z.number().int().positive().max(1_000_000), count);
    await this.db
      .updateTable('rewards')
      .set((eb) => ({ stock: eb('stock', '+', n) }))
      .where('id', '=', rewardId)
      .execute();
    const row = await this.db.selectFrom('rewards').selectAll().where('id', '=', rewardId).executeTakeFirst();
    if (!row) throw new LedgerError('REWARD_NOT_FOUND', `no reward ${rewardId}`);
    return toReward(row);
  }

  async listRewards(): Promise<Reward[]> {
    const rows = await this.db.selectFrom('rewards').selectAll().orderBy('name').orderBy('id').execute();
    return rows.map(toReward);
  }

  async listRedemptions(familyId: string): Promise<Redemption[]> {
    const rows = await this.db
      .selectFrom('redemptions')
      .selectAll()
      .where('family_id', '=', parseInput(IdSchema, familyId))
      .orderBy('created_at')
      .execute();
    return rows.map(toRedemption);
  }

  /**
   * Spends a family's points on one unit of a reward and issues a coupon code. Idempotent by
   * `idempotencyKey` (a repeat returns the first redemption). Refuses with LedgerError
   * INSUFFICIENT_POINTS or OUT_OF_STOCK rather than letting a balance or a stock go below zero.
   */
  async redeem(familyId: string, rewardId: string, idempotencyKey: string): Promise<Redemption & { balance: number }> {
    const fid = parseInput(IdSchema, familyId);
    const rid = parseInput(IdSchema, rewardId);
    const key = parseInput(IdempotencyKeySchema, idempotencyKey);
    try {
      return await withTransaction(this.db, async (trx) => {
        const holder: Holder = { kind: 'family', id: fid };
        if (!(await lockHolder(trx, holder))) throw new LedgerError('FAMILY_NOT_FOUND', `no family ${fid}`);
        const existing = await trx.selectFrom('redemptions').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
        if (existing) return { ...this.sameRedemption(existing, fid, rid), balance: await balanceOf(trx, holder) };

        const reward = await trx.selectFrom('rewards').selectAll().where('id', '=', rid).executeTakeFirst();
        if (!reward) throw new LedgerError('REWARD_NOT_FOUND', `no reward ${rid}`);
        if (num(reward.stock) <= 0) throw new LedgerError('OUT_OF_STOCK', `${reward.name} is out of stock`);
        const price = num(reward.price);
        const balance = await balanceOf(trx, holder);
        if (balance < price) {
          throw new LedgerError('INSUFFICIENT_POINTS', `${reward.name} costs ${price} points; the balance is ${balance}`);
        }
        const taken = await trx
          .updateTable('rewards')
          .set((eb) => ({ stock: eb('stock', '-', 1) }))
          .where('id', '=', rid)
          .where('stock', '>', 0)
          .executeTakeFirst();
        if (Number(taken.numUpdatedRows) !== 1) throw new LedgerError('OUT_OF_STOCK', `${reward.name} is out of stock`);

        const now = await nextCreatedAt(trx, holder, this.nowIso());
        const entry = await trx
          .insertInto('points_entries')
          .values({
            id: newId('pe'),
            holder_kind: 'family',
            holder_id: fid,
            kind: 'redemption',
            amount: -price,
            activity_id: null,
            rule: null,
            idempotency_key: `redemption:${key}`,
            reverses_entry_id: null,
            earned_at: now,
            expires_at: null,
            created_at: now,
            note: `redeemed ${reward.name}`,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const redemption = await trx
          .insertInto('redemptions')
          .values({
            id: newId('rd'),
            reward_id: rid,
            family_id: fid,
            coupon_code: `JH-${randomToken(4)}-${randomToken(4)}-${randomToken(4)}`,
            points: price,
            idempotency_key: key,
            entry_id: entry.id,
            created_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return { ...toRedemption(redemption), balance: balance - price };
      });
    } catch (error) {
      // The same key used concurrently for another family: the unique index refused the second one.
      if (!isUniqueViolation(error)) throw error;
      const existing = await this.db.selectFrom('redemptions').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
      if (!existing) throw error;
      return { ...this.sameRedemption(existing, fid, rid), balance: await balanceOf(this.db, { kind: 'family', id: fid }) };
    }
  }

  private sameRedemption(row: Selectable<RedemptionsTable>, familyId: string, rewardId: string): Redemption {
    if (row.family_id !== familyId || row.reward_id !== rewardId) {
      throw new LedgerError('IDEMPOTENCY_KEY_REUSED', `idempotency key ${row.idempotency_key} was used for another redemption`);
    }
    return toRedemption(row);
  }

  /**
   * Awards a family points for an earning path outside an activity (家庭学习 family learning,
   * 志愿服务 volunteering), written as an `award` entry with the path as its rule, no activity and
   * the reason as its note, keyed `staff-award:<idempotencyKey>`. Under the earning cap like every
   * award, but refused (EARNING_CAP_REACHED, naming the cap and what is left) rather than cut: the
   * person awarding decides. The same key again returns the first entry (`created: false`); the
   * same key for another family, path or amount is refused (IDEMPOTENCY_KEY_REUSED).
   */
  async staffAward(input: { familyId: string; path: StaffAwardPath; amount: number; reason: string; idempotencyKey: string }): Promise<{ entry: PointsEntry; created: boolean }> {
    const a = parseInput(StaffAwardSchema, input);
    const holder: Holder = { kind: 'family', id: a.familyId };
    const key = staffAwardKey(a.idempotencyKey);
    return withTransaction(this.db, async (trx) => {
      if (!(await lockHolder(trx, holder))) throw new LedgerError('FAMILY_NOT_FOUND', `no family ${a.familyId}`);
      const existing = await entryByKey(trx, key);
      if (existing) {
        if (existing.holder_kind !== 'family' || existing.holder_id !== a.familyId || existing.rule !== a.path || num(existing.amount) !== a.amount) {
          throw new LedgerError('IDEMPOTENCY_KEY_REUSED', `idempotency key ${a.idempotencyKey} was used for another award`);
        }
        return { entry: toPointsEntry(existing), created: false };
      }
      const now = this.nowIso();
      const period = capPeriodOf(now, this.policy);
      const earned = period ? await earnedIn(trx, holder, period) : 0;
      const refusal = staffAwardCapRefusal(a.amount, earned, this.policy);
      if (refusal) {
        throw new LedgerError(
          'EARNING_CAP_REACHED',
          `The earning cap is ${refusal.cap} points per ${refusal.period}; this family has earned ${refusal.earned} this ${refusal.period}, so ${refusal.left} can still be awarded, not ${a.amount}. Nothing was awarded`,
        );
      }
      const { entry, created } = await insertAward(trx, this.policy, { holder, amount: a.amount, idempotencyKey: key, activityId: null, rule: a.path, note: a.reason }, now);
      return { entry: toPointsEntry(entry), created };
    });
  }

  /** Where the holder stands against the earning cap now (what a staff award may still give); null without a cap. */
  async capRoom(holder: Holder): Promise<{ cap: number; period: 'month' | 'year'; earned: number; left: number } | null> {
    const h = parseInput(HolderSchema, holder);
    const cap = this.policy.earningCap;
    const period = capPeriodOf(this.nowIso(), this.policy);
    if (!cap || !period) return null;
    const earned = await earnedIn(this.db, h, period);
    return { cap: cap.max, period: cap.period, earned, left: Math.max(0, cap.max - earned) };
  }

  /**
   * The families whose unspent points expire in (asOf, until], one line per family and expiry
   * date (what will be lost then, after redemptions and earlier expiries took the oldest points).
   * Read only; the notice's outbox key makes each line's email go once.
   */
  async upcomingFamilyExpiries(asOf: string, until: string): Promise<{ familyId: string; expiresAt: string; amount: number; balance: number }[]> {
    const from = toIso(parseInput(InstantSchema, asOf));
    const to = toIso(parseInput(InstantSchema, until));
    const holders = await this.db
      .selectFrom('points_entries')
      .select('holder_id')
      .distinct()
      .where('holder_kind', '=', 'family')
      .where('kind', 'in', ['award', 'reversal'])
      .where('expires_at', 'is not', null)
      .where('expires_at', '>', from)
      .where('expires_at', '<=', to)
      .orderBy('holder_id')
      .execute();
    const out: { familyId: string; expiresAt: string; amount: number; balance: number }[] = [];
    for (const { holder_id: familyId } of holders) {
      const rows = await this.db.selectFrom('points_entries').selectAll().where('holder_kind', '=', 'family').where('holder_id', '=', familyId).execute();
      const balance = rows.reduce((sum, r) => sum + num(r.amount), 0);
      for (const due of upcomingExpiries(rows.map(entryFacts), from, to)) out.push({ familyId, ...due, balance });
    }
    return out;
  }

  /**
   * Writes an `expiry` entry for every holder whose earnings reached their expiry date by `asOf`,
   * for what is left of them after redemptions and earlier expiries took the oldest points first.
   * One entry per (holder, expiry date), keyed `expiry:<kind>:<id>:<date>`: a repeat writes nothing,
   * because what is due is recomputed from the entries (under the holder's lock) and is then 0.
   * Points that reach an already-expired date afterwards (a back-dated award, the refund of a
   * redemption made in an expired year) expire at the next run, in an entry keyed `…:<date>:2`.
   */
  async expirePoints(asOf: string): Promise<{ entries: number; points: number }> {
    const cutoff = toIso(parseInput(InstantSchema, asOf));
    const holders = await this.db
      .selectFrom('points_entries')
      .select(['holder_kind', 'holder_id'])
      .distinct()
      .where('expires_at', 'is not', null)
      .where('expires_at', '<=', cutoff)
      .where('kind', 'in', ['award', 'reversal'])
      .orderBy('holder_kind')
      .orderBy('holder_id')
      .execute();
    let entries = 0;
    let points = 0;
    for (const h of holders) {
      const holder: Holder = { kind: h.holder_kind, id: h.holder_id };
      const written = await withTransaction(this.db, async (trx) => {
        await lockHolder(trx, holder);
        const all = await trx
          .selectFrom('points_entries')
          .selectAll()
          .where('holder_kind', '=', holder.kind)
          .where('holder_id', '=', holder.id)
          .execute();
        const out: number[] = [];
        for (const due of dueExpiries(all, cutoff)) {
          if (due.amount <= 0) continue;
          // Points that reach an already-processed date later (a back-dated award, a refund of an old
          // redemption) get a second entry for that date: `…:<date>:2`, `…:<date>:3`.
          const base = `expiry:${holder.kind}:${holder.id}:${due.expiresAt}`;
          const earlier = all.filter((e) => e.kind === 'expiry' && e.expires_at === due.expiresAt).length;
          const inserted = await trx
            .insertInto('points_entries')
            .values({
              id: newId('pe'),
              holder_kind: holder.kind,
              holder_id: holder.id,
              kind: 'expiry',
              amount: -due.amount,
              activity_id: null,
              rule: null,
              idempotency_key: earlier === 0 ? base : `${base}:${earlier + 1}`,
              reverses_entry_id: null,
              earned_at: due.expiresAt,
              expires_at: due.expiresAt,
              created_at: await nextCreatedAt(trx, holder, this.nowIso()),
              note: `points that expired at ${due.expiresAt}`,
            })
            .onConflict((oc) => oc.column('idempotency_key').doNothing())
            .returning('amount')
            .executeTakeFirst();
          if (inserted) out.push(-num(inserted.amount));
        }
        return out;
      });
      entries += written.length;
      points += written.reduce((s, n) => s + n, 0);
    }
    return { entries, points };
  }

  /** Ledger figures for entries written in [from, to), and the total outstanding at `to`. */
  async totals(period: { from: string; to: string }): Promise<LedgerTotals> {
    const from = toIso(parseInput(InstantSchema, period.from));
    const to = toIso(parseInput(InstantSchema, period.to));
    const rows = await this.db
      .selectFrom('points_entries')
      .select((eb) => ['kind', eb.fn.sum<string | number | null>('amount').as('total')])
      .where('created_at', '>=', from)
      .where('created_at', '<', to)
      .groupBy('kind')
      .execute();
    const by = (k: PointsEntryKind) => num(rows.find((r) => r.kind === k)?.total);
    const outstanding = await this.db
      .selectFrom('points_entries')
      .select((eb) => eb.fn.sum<string | number | null>('amount').as('total'))
      .where('created_at', '<', to)
      .executeTakeFirst();
    const negated = (n: number) => (n === 0 ? 0 : -n);
    return {
      awarded: by('award'),
      reversed: by('reversal'),
      redeemed: negated(by('redemption')),
      expired: negated(by('expiry')),
      outstanding: num(outstanding?.total),
    };
  }
}

function toReward(row: Selectable<RewardsTable>): Reward {
  return { id: row.id, name: row.name, kind: row.kind, merchantId: row.merchant_id, price: num(row.price), stock: num(row.stock) };
}

function toRedemption(row: Selectable<RedemptionsTable>): Redemption {
  return {
    id: row.id,
    rewardId: row.reward_id,
    familyId: row.family_id,
    couponCode: row.coupon_code,
    points: num(row.points),
    idempotencyKey: row.idempotency_key,
    entryId: row.entry_id,
    createdAt: row.created_at,
  };
}
