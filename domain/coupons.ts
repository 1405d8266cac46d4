/**
 * A coupon's life (the code a redemption issues): `issued` until its merchant (or, for an education
 * reward, staff at the counter) marks it `used`, staff `refunded` it (its points came back by a
 * ledger reversal), or its validity ran out (`expired`, derived from the clock, never written).
 * Used and refunded are final and exclusive: one coupon event per coupon (db/migrations/010).
 *
 * Pure: no I/O.
 */

export const COUPON_STATUSES = ['issued', 'used', 'expired', 'refunded'] as const;
export type CouponStatus = (typeof COUPON_STATUSES)[number];

/** How long a coupon stays valid after it is issued, when nothing else is said. */
export const DEFAULT_COUPON_VALID_DAYS = 90;
const DAY_MS = 86_400_000;

/** The instant a coupon issued at `issuedAt` stops being valid. */
export function couponExpiresAt(issuedAt: string, validDays: number = DEFAULT_COUPON_VALID_DAYS): string {
  return new Date(Date.parse(issuedAt) + validDays * DAY_MS).toISOString();
}

/** What the status is computed from. */
export interface CouponFacts {
  expiresAt: string;
  /** The coupon event, when there is one. */
  event?: { kind: 'used' | 'refunded'; at: string };
  /** The redemption's ledger entry was reversed (a refund written by the ledger itself). */
  entryReversed?: boolean;
}

/** The coupon's status at `nowMs`. */
export function couponStatus(c: CouponFacts, nowMs: number): CouponStatus {
  if (c.event?.kind === 'refunded' || (c.entryReversed && !c.event)) return 'refunded';
  if (c.event?.kind === 'used') return 'used';
  return nowMs >= Date.parse(c.expiresAt) ? 'expired' : 'issued';
}

const CODE_BODY = /^JH([0-9A-Z]{4})([0-9A-Z]{4})([0-9A-Z]{4})$/;

/**
 * A coupon code as typed (or scanned) to the code on record, `JH-XXXX-XXXX-XXXX`: spaces and dashes
 * dropped, upper case, and the letters Crockford base32 reads as digits (O → 0, I and L → 1).
 * Undefined when it cannot be a coupon code.
 */
export function normalizeCouponCode(typed: string): string | undefined {
  const flat = typed.replace(/[\s-]+/g, '').toUpperCase();
  if (!flat.startsWith('JH')) return undefined;
  const body = flat.slice(2).replace(/O/g, '0').replace(/[IL]/g, '1');
  const m = CODE_BODY.exec(`JH${body}`);
  return m ? `JH-${m[1]}-${m[2]}-${m[3]}` : undefined;
}
