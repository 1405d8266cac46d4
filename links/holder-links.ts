/**
 * Long-lived personal links that open a holder's own page, signed as action tokens
 * (action-token.ts) with their own step, so no other link opens them however well signed:
 *
 *   /f/<token>  a family's page (registrations, card, points, rewards, coupons): step 'family',
 *               recipient `family:<id>`, 180 days by default; every family email can carry one.
 *   /m/<token>  a merchant's coupon page (check a code, mark it used): step 'merchant',
 *               recipient `merchant:<id>`, 90 days by default.
 *
 * They only show pages; anything that acts is a form POST with its CSRF value.
 */
import { signActionToken, verifyActionToken, type ActionTokenSecret } from './action-token';

export const FAMILY_PAGE_PREFIX = '/f';
export const MERCHANT_PAGE_PREFIX = '/m';
export const FAMILY_PAGE_DAYS = 180;
export const MERCHANT_PAGE_DAYS = 90;
const DAY_MS = 86_400_000;

type HolderLinkKind = 'family' | 'merchant';
const SPEC: Record<HolderLinkKind, { wf: string; prefix: string; act: string[]; days: number }> = {
  family: { wf: 'family-page', prefix: FAMILY_PAGE_PREFIX, act: ['view'], days: FAMILY_PAGE_DAYS },
  merchant: { wf: 'merchant-coupons', prefix: MERCHANT_PAGE_PREFIX, act: ['useCoupon'], days: MERCHANT_PAGE_DAYS },
};

export interface SignedHolderLink {
  url: string;
  token: string;
  /** ISO instant the link stops working. */
  expiresAt: string;
}

function sign(kind: HolderLinkKind, id: string, secret: ActionTokenSecret, publicBaseUrl: string, nowMs: number, days?: number): SignedHolderLink {
  const spec = SPEC[kind];
  const exp = Math.floor((nowMs + (days ?? spec.days) * DAY_MS) / 1000);
  const token = signActionToken({ v: 1, wf: spec.wf, step: kind, round: 0, rcp: `${kind}:${id}`, act: spec.act, exp }, secret);
  return { url: `${publicBaseUrl.replace(/\/+$/, '')}${spec.prefix}/${token}`, token, expiresAt: new Date(exp * 1000).toISOString() };
}

export type ReadHolderLink = { kind: 'ok'; id: string; expiresAt: string } | { kind: 'expired'; id: string } | { kind: 'invalid' };

function read(kind: HolderLinkKind, token: string, secret: ActionTokenSecret, nowMs: number): ReadHolderLink {
  let v = verifyActionToken(token, secret, nowMs);
  let expired = false;
  if (!v.ok && v.reason === 'expired') {
    v = verifyActionToken(token, secret, 0);
    expired = true;
  }
  if (!v.ok) return { kind: 'invalid' };
  const c = v.claims;
  const prefix = `${kind}:`;
  if (c.step !== kind || c.wf !== SPEC[kind].wf || !c.rcp.startsWith(prefix) || c.rcp.length === prefix.length) return { kind: 'invalid' };
  const id = c.rcp.slice(prefix.length);
  return expired ? { kind: 'expired', id } : { kind: 'ok', id, expiresAt: new Date(c.exp * 1000).toISOString() };
}

/** A family's own page link (`/f/<token>`). */
export function signFamilyPageLink(familyId: string, secret: ActionTokenSecret, publicBaseUrl: string, nowMs: number, days?: number): SignedHolderLink {
  return sign('family', familyId, secret, publicBaseUrl, nowMs, days);
}

export function readFamilyPageToken(token: string, secret: ActionTokenSecret, nowMs: number): ReadHolderLink {
  return read('family', token, secret, nowMs);
}

/** A merchant's coupon page link (`/m/<token>`). */
export function signMerchantLink(merchantId: string, secret: ActionTokenSecret, publicBaseUrl: string, nowMs: number, days?: number): SignedHolderLink {
  return sign('merchant', merchantId, secret, publicBaseUrl, nowMs, days);
}

export function readMerchantToken(token: string, secret: ActionTokenSecret, nowMs: number): ReadHolderLink {
  return read('merchant', token, secret, nowMs);
}
