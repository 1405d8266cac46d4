/**
 * Coupons: the codes redemptions issue (db/services/ledger.ts `redeem`), and what happens to them
 * afterwards (domain/coupons.ts): a merchant marks its own coupon used, staff mark an education
 * reward's used at the counter, staff refund one that was not used (its points come back by a
 * `reversal` entry in the same transaction as the coupon's `refunded` event, and its unit goes back
 * to stock). A coupon ends once: `coupon_events` holds at most one row per coupon (unique), so a
 * second use is refused naming the first, whatever the concurrency.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { COUPON_STATUSES, couponExpiresAt, couponStatus, normalizeCouponCode, DEFAULT_COUPON_VALID_DAYS, type CouponStatus } from '../../domain/coupons';
import { text } from '../../domain/text';
import { withTransaction } from '../database';
import type { Database, RewardKind } from '../types';
import { type Clock, newId, num, systemClock } from '../util';
import { Ledger, expiryFor, lockHolder, nextCreatedAt, defaultLedgerPolicy, balanceOf, type LedgerPolicy } from './ledger';
import { IdSchema, IdempotencyKeySchema, parseInput } from './validation';

export { COUPON_STATUSES };
export type { CouponStatus };

/** A coupon as pages show it. */
export interface CouponView {
  redemptionId: string;
  code: string;
  familyId: string;
  familyName: string;
  rewardId: string;
  rewardName: string;
  rewardKind: RewardKind;
  /** The merchant whose coupon it is; null for an education reward. */
  merchantId: string | null;
  merchantName: string | null;
  points: number;
  issuedAt: string;
  expiresAt: string;
  status: CouponStatus;
  /** When it was used, and by which merchant (or member of staff). */
  usedAt: string | null;
  usedByMerchantId: string | null;
  usedByStaffId: string | null;
  refundedAt: string | null;
}

/** Who marks a coupon used. */
export type CouponUser = { kind: 'merchant'; merchantId: string } | { kind: 'staff'; staffId: string };

export type UseRefusal = 'notFound' | 'otherMerchant' | 'notForStaff' | 'alreadyUsed' | 'refunded' | 'expired';
export type UseResult = { ok: true; coupon: CouponView } | { ok: false; reason: UseRefusal; coupon?: CouponView };

export type RefundRefusal = 'notFound' | 'alreadyUsed' | 'alreadyRefunded' | 'insufficientPoints';
export type RefundResult = { ok: true; coupon: CouponView; balance: number } | { ok: false; reason: RefundRefusal; coupon?: CouponView };

export interface CouponsOptions {
  now?: Clock;
  policy?: Partial<LedgerPolicy>;
  /** Days a coupon stays valid after it is issued (default DEFAULT_COUPON_VALID_DAYS). */
  validDays?: number;
}

const RefundSchema = z.object({ staffId: IdSchema, note: text().trim().min(1, 'a reason is required').max(1000) });

export class Coupons {
  private readonly now: Clock;
  private readonly policy: LedgerPolicy;
  private readonly validDays: number;
  private readonly ledger: Ledger;

  constructor(
    private readonly db: Kysely<Database>,
    options: CouponsOptions = {},
  ) {
    this.now = options.now ?? systemClock;
    this.policy = { ...defaultLedgerPolicy, ...options.policy };
    this.validDays = options.validDays ?? DEFAULT_COUPON_VALID_DAYS;
    this.ledger = new Ledger(db, { now: this.now, policy: this.policy });
  }

  /**
   * Redeems (the ledger's rules: idempotent by key, never below zero points or stock) and fixes the
   * coupon's validity. `created` is false when this key was redeemed before (nothing new spent).
   */
  async issue(familyId: string, rewardId: string, idempotencyKey: string): Promise<{ coupon: CouponView; balance: number; created: boolean }> {
    const key = parseInput(IdempotencyKeySchema, idempotencyKey);
    const before = await this.db.selectFrom('redemptions').select('id').where('idempotency_key', '=', key).executeTakeFirst();
    const r = await this.ledger.redeem(familyId, rewardId, key);
    await this.db
      .updateTable('redemptions')
      .set({ coupon_expires_at: couponExpiresAt(r.createdAt, this.validDays) })
      .where('id', '=', r.id)
      .where('coupon_expires_at', 'is', null)
      .execute();
    const coupon = await this.load(this.db, { redemptionId: r.id });
    if (!coupon) throw new Error(`redemption ${r.id} vanished`);
    return { coupon, balance: r.balance, created: !before };
  }

  /** The coupon with this code (as typed: normalised), or undefined. */
  async byCode(code: string): Promise<CouponView | undefined> {
    const c = normalizeCouponCode(code);
    return c ? this.load(this.db, { code: c }) : undefined;
  }

  /** A family's coupons, newest first. */
  async forFamily(familyId: string): Promise<CouponView[]> {
    return this.list(this.db, parseInput(IdSchema, familyId));
  }

  /**
   * Marks a coupon used, once. A merchant may use only its own coupons; staff only education
   * rewards' (a merchant coupon is the merchant's to take). A second use is refused with the coupon,
   * whose usedAt says when the first was.
   */
  async markUsed(code: string, by: CouponUser, note = ''): Promise<UseResult> {
    const normal = normalizeCouponCode(code);
    if (!normal) return { ok: false, reason: 'notFound' };
    if (by.kind === 'merchant') parseInput(IdSchema, by.merchantId);
    else parseInput(IdSchema, by.staffId);
    return withTransaction(this.db, async (trx) => {
      const coupon = await this.load(trx, { code: normal });
      if (!coupon) return { ok: false, reason: 'notFound' };
      if (by.kind === 'merchant' && coupon.merchantId !== by.merchantId) return { ok: false, reason: 'otherMerchant' };
      if (by.kind === 'staff' && coupon.rewardKind !== 'education') return { ok: false, reason: 'notForStaff', coupon };
      const refusal = this.refusalOf(coupon.status);
      if (refusal) return { ok: false, reason: refusal, coupon };
      const inserted = await trx
        .insertInto('coupon_events')
        .values({
          id: newId('ce'),
          redemption_id: coupon.redemptionId,
          kind: 'used',
          at: this.now().toISOString(),
          merchant_id: by.kind === 'merchant' ? by.merchantId : null,
          staff_id: by.kind === 'staff' ? by.staffId : null,
          refund_entry_id: null,
          note: note.slice(0, 1000),
        })
        .onConflict((oc) => oc.column('redemption_id').doNothing())
        .returning('id')
        .executeTakeFirst();
      const after = await this.load(trx, { redemptionId: coupon.redemptionId });
      if (!after) throw new Error(`coupon ${coupon.redemptionId} vanished`);
      if (!inserted) return { ok: false, reason: this.refusalOf(after.status) ?? 'alreadyUsed', coupon: after };
      return { ok: true, coupon: after };
    });
  }

  /**
   * Refunds a coupon nobody used (issued or expired): a `reversal` of its redemption entry gives the
   * points back, the coupon's `refunded` event names that entry, and the unit goes back to stock, all
   * in one transaction. Refused for a used or already refunded coupon.
   */
  async refund(code: string, input: { staffId: string; note: string }): Promise<RefundResult> {
    const normal = normalizeCouponCode(code);
    if (!normal) return { ok: false, reason: 'notFound' };
    const r = parseInput(RefundSchema, input);
    return withTransaction(this.db, async (trx) => {
      const found = await this.load(trx, { code: normal });
      if (!found) return { ok: false, reason: 'notFound' };
      const holder = { kind: 'family' as const, id: found.familyId };
      await lockHolder(trx, holder);
      const coupon = await this.load(trx, { redemptionId: found.redemptionId });
      if (!coupon) return { ok: false, reason: 'notFound' };
      if (coupon.status === 'used') return { ok: false, reason: 'alreadyUsed', coupon };
      if (coupon.status === 'refunded') return { ok: false, reason: 'alreadyRefunded', coupon };
      const redemption = await trx.selectFrom('redemptions').select(['entry_id', 'reward_id']).where('id', '=', coupon.redemptionId).executeTakeFirstOrThrow();
      const original = await trx.selectFrom('points_entries').selectAll().where('id', '=', redemption.entry_id).executeTakeFirstOrThrow();
      const nowIso = this.now().toISOString();
      const entry = await trx
        .insertInto('points_entries')
        .values({
          id: newId('pe'),
          holder_kind: 'family',
          holder_id: coupon.familyId,
          kind: 'reversal',
          amount: -num(original.amount),
          activity_id: null,
          rule: null,
          idempotency_key: `coupon-refund:${coupon.redemptionId}`,
          reverses_entry_id: original.id,
          earned_at: original.earned_at,
          // As the ledger's own reversal of a redemption: the refunded points expire as if earned when spent.
          expires_at: expiryFor(original.earned_at, this.policy),
          created_at: await nextCreatedAt(trx, holder, nowIso),
          note: r.note,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('coupon_events')
        .values({ id: newId('ce'), redemption_id: coupon.redemptionId, kind: 'refunded', at: nowIso, merchant_id: null, staff_id: r.staffId, refund_entry_id: entry.id, note: r.note })
        .execute();
      await trx
        .updateTable('rewards')
        .set((eb) => ({ stock: eb('stock', '+', 1) }))
        .where('id', '=', redemption.reward_id)
        .execute();
      const after = await this.load(trx, { redemptionId: coupon.redemptionId });
      if (!after) throw new Error(`coupon ${coupon.redemptionId} vanished`);
      return { ok: true, coupon: after, balance: await balanceOf(trx, holder) };
    });
  }

  private refusalOf(status: CouponStatus): 'alreadyUsed' | 'refunded' | 'expired' | undefined {
    if (status === 'used') return 'alreadyUsed';
    if (status === 'refunded') return 'refunded';
    if (status === 'expired') return 'expired';
    return undefined;
  }

  private query(db: Kysely<Database>) {
    return db
      .selectFrom('redemptions as r')
      .innerJoin('rewards as w', 'w.id', 'r.reward_id')
      .innerJoin('families as f', 'f.id', 'r.family_id')
      .leftJoin('merchants as m', 'm.id', 'w.merchant_id')
      .leftJoin('coupon_events as e', 'e.redemption_id', 'r.id')
      .leftJoin('points_entries as rev', 'rev.reverses_entry_id', 'r.entry_id')
      .select([
        'r.id as redemptionId',
        'r.coupon_code as code',
        'r.family_id as familyId',
        'f.name as familyName',
        'r.reward_id as rewardId',
        'w.name as rewardName',
        'w.kind as rewardKind',
        'w.merchant_id as merchantId',
        'm.name as merchantName',
        'r.points as points',
        'r.created_at as issuedAt',
        'r.coupon_expires_at as expiresAt',
        'e.kind as eventKind',
        'e.at as eventAt',
        'e.merchant_id as eventMerchantId',
        'e.staff_id as eventStaffId',
        'rev.id as reversalId',
        'rev.created_at as reversalAt',
      ]);
  }

  private toView(row: Awaited<ReturnType<ReturnType<Coupons['query']>['executeTakeFirstOrThrow']>>): CouponView {
    const expiresAt = row.expiresAt ?? couponExpiresAt(row.issuedAt, this.validDays);
    const event = row.eventKind && row.eventAt ? { kind: row.eventKind, at: row.eventAt } : undefined;
    const status = couponStatus({ expiresAt, ...(event ? { event } : {}), entryReversed: row.reversalId !== null }, this.now().getTime());
    return {
      redemptionId: row.redemptionId,
      code: row.code,
      familyId: row.familyId,
      familyName: row.familyName,
      rewardId: row.rewardId,
      rewardName: row.rewardName,
      rewardKind: row.rewardKind,
      merchantId: row.merchantId,
      merchantName: row.merchantName,
      points: num(row.points),
      issuedAt: row.issuedAt,
      expiresAt,
      status,
      usedAt: event?.kind === 'used' ? event.at : null,
      usedByMerchantId: event?.kind === 'used' ? row.eventMerchantId : null,
      usedByStaffId: event?.kind === 'used' ? row.eventStaffId : null,
      refundedAt: status === 'refunded' ? (event?.kind === 'refunded' ? event.at : row.reversalAt) : null,
    };
  }

  private async load(db: Kysely<Database>, by: { code: string } | { redemptionId: string }): Promise<CouponView | undefined> {
    const q = this.query(db);
    const row = await ('code' in by ? q.where('r.coupon_code', '=', by.code) : q.where('r.id', '=', by.redemptionId)).executeTakeFirst();
    return row ? this.toView(row) : undefined;
  }

  private async list(db: Kysely<Database>, familyId: string): Promise<CouponView[]> {
    const rows = await this.query(db).where('r.family_id', '=', familyId).orderBy('r.created_at', 'desc').orderBy('r.id', 'desc').execute();
    return rows.map((r) => this.toView(r));
  }
}
