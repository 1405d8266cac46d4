/**
 * Signed action tokens for the links in emails (see shared NOTES-links.md).
 *
 * Format: `base64url(JSON claims) "." base64url(HMAC-SHA256(secret, first segment))`.
 * The MAC covers the encoded payload segment exactly as sent, so a token has one spelling.
 * Verification never throws on untrusted input: it checks the shape, then the signature with a
 * constant-time compare (after a length check), and only then parses and validates the claims.
 * A token only authorises *showing* a page; the page acts on a form POST (never on GET).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

export const ActionStep = z.enum(['approval', 'venueRequest', 'supervisionFeedback', 'signIn', 'register', 'checkIn', 'family', 'merchant', 'survey']);
export type ActionStep = z.infer<typeof ActionStep>;

export const ActionTokenClaims = z.strictObject({
  /** Workflow id. */
  wf: z.string().min(1).max(200),
  step: ActionStep,
  /** The step's round (approval round, merchant attempt, ...); a later round makes older links stale. */
  round: z.number().int().min(0).max(1_000_000),
  /** Recipient key, e.g. `staff:gw-1`, `merchant:m-wanda`: who acts, for the audit trail. */
  rcp: z.string().min(1).max(200),
  /** Actions this link may take, e.g. ['approve', 'reject', 'requestChanges']. */
  act: z.array(z.string().min(1).max(64)).min(1).max(16),
  /** Expiry, epoch seconds (the step's deadline plus a grace). */
  exp: z.number().int().positive(),
  v: z.literal(1),
});
export type ActionTokenClaims = z.infer<typeof ActionTokenClaims>;

export type VerifyResult =
  | { ok: true; claims: ActionTokenClaims }
  | { ok: false; reason: 'malformed' | 'badSignature' | 'expired' };

/** HMAC key: a string (UTF-8) or bytes, at least 32 bytes. */
export type ActionTokenSecret = string | Buffer;

export const MIN_SECRET_BYTES = 32;
/** Longer than any token we sign; anything longer is rejected before any work. */
const MAX_TOKEN_LENGTH = 4096;
/** base64url of a 32-byte HMAC-SHA256, no padding. */
const SIGNATURE_LENGTH = 43;
const SEGMENT = /^[A-Za-z0-9_-]+$/;

function secretBytes(secret: ActionTokenSecret): Buffer {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  if (!Buffer.isBuffer(bytes) || bytes.length < MIN_SECRET_BYTES) {
    throw new RangeError(`action token secret must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  return bytes;
}

function mac(payloadSegment: string, key: Buffer): string {
  return createHmac('sha256', key).update(payloadSegment, 'ascii').digest('base64url');
}

/** Signs claims into a token. Throws if the secret is short or the claims are invalid. */
export function signActionToken(claims: ActionTokenClaims, secret: ActionTokenSecret): string {
  const key = secretBytes(secret);
  const c = ActionTokenClaims.parse(claims);
  // Fixed key order: the same claims always give the same token.
  const canonical = { v: c.v, wf: c.wf, step: c.step, round: c.round, rcp: c.rcp, act: c.act, exp: c.exp };
  const payload = Buffer.from(JSON.stringify(canonical), 'utf8').toString('base64url');
  return `${payload}.${mac(payload, key)}`;
}

/**
 * Checks a token. Never throws for a bad token (only for a short secret or a bad `nowMs`).
 * `malformed`: not two base64url segments, too long, or (signed but) not valid claims;
 * `badSignature`: the signature does not match (tampered, truncated, other secret);
 * `expired`: valid but `nowMs` is at or past `exp`.
 */
export function verifyActionToken(token: unknown, secret: ActionTokenSecret, nowMs: number): VerifyResult {
  const key = secretBytes(secret);
  if (!Number.isFinite(nowMs)) throw new RangeError('nowMs must be a finite number');
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
    return { ok: false, reason: 'malformed' };
  }
  const parts = token.split('.');
  if (parts.length !== 2) return { ok: false, reason: 'malformed' };
  const [payload, signature] = parts as [string, string];
  if (!SEGMENT.test(payload) || !SEGMENT.test(signature)) return { ok: false, reason: 'malformed' };

  const expected = Buffer.from(mac(payload, key), 'ascii');
  const given = Buffer.from(signature, 'ascii');
  if (given.length !== SIGNATURE_LENGTH || given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'badSignature' };
  }

  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const parsed = ActionTokenClaims.safeParse(decoded);
  if (!parsed.success) return { ok: false, reason: 'malformed' };
  if (nowMs >= parsed.data.exp * 1000) return { ok: false, reason: 'expired' };
  return { ok: true, claims: parsed.data };
}

/** The link to put in an email: `${baseUrl}/a/${token}` (trailing slashes of baseUrl dropped). */
export function actionUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/a/${token}`;
}
