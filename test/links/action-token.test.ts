import { createHmac } from 'node:crypto';
import { actionUrl, signActionToken, verifyActionToken, type ActionTokenClaims } from '../../links/action-token';

const SECRET = 'test-secret-0123456789-abcdefghijklmnop'; // 39 bytes
const NOW_MS = Date.parse('2026-04-20T10:00:00Z');
const claims: ActionTokenClaims = {
  wf: 'themed-activity-A001',
  step: 'approval',
  round: 2,
  rcp: 'staff:gw-1',
  act: ['approve', 'reject', 'requestChanges'],
  exp: Math.floor(NOW_MS / 1000) + 3600,
  v: 1,
};

/** A token whose payload is `payloadText`, correctly signed with SECRET. */
function signRaw(payloadText: string): string {
  const payload = Buffer.from(payloadText, 'utf8').toString('base64url');
  return `${payload}.${createHmac('sha256', SECRET).update(payload).digest('base64url')}`;
}

/** Replaces the character at index i with a different base64url character. */
function flip(s: string, i: number): string {
  const c = s[i] === 'A' ? 'B' : 'A';
  return s.slice(0, i) + c + s.slice(i + 1);
}

describe('action tokens', () => {
  it('round-trips the claims', () => {
    const token = signActionToken(claims, SECRET);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verifyActionToken(token, SECRET, NOW_MS)).toEqual({ ok: true, claims });
  });

  it('is deterministic and accepts a Buffer secret', () => {
    expect(signActionToken(claims, SECRET)).toBe(signActionToken({ ...claims }, SECRET));
    const key = Buffer.alloc(32, 7);
    expect(verifyActionToken(signActionToken(claims, key), key, NOW_MS)).toEqual({ ok: true, claims });
  });

  it('rejects a tampered payload as badSignature', () => {
    const token = signActionToken(claims, SECRET);
    const [, sig] = token.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ ...claims, round: 3 })).toString('base64url');
    expect(verifyActionToken(`${forged}.${sig}`, SECRET, NOW_MS)).toEqual({ ok: false, reason: 'badSignature' });
    expect(verifyActionToken(flip(token, 5), SECRET, NOW_MS)).toEqual({ ok: false, reason: 'badSignature' });
  });

  it('rejects a tampered signature as badSignature, including a non-canonical last character', () => {
    const token = signActionToken(claims, SECRET);
    expect(verifyActionToken(flip(token, token.length - 10), SECRET, NOW_MS)).toEqual({ ok: false, reason: 'badSignature' });
    // The last character of a 43-char base64url holds 2 unused bits: another spelling of the same
    // bytes (low bit flipped) decodes to the same MAC but must not pass.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(token.slice(-1));
    const respelled = token.slice(0, -1) + alphabet[last ^ 1];
    const sig = (t: string): string => t.split('.')[1] as string;
    expect(Buffer.from(sig(respelled), 'base64url').equals(Buffer.from(sig(token), 'base64url'))).toBe(true);
    expect(verifyActionToken(respelled, SECRET, NOW_MS)).toEqual({ ok: false, reason: 'badSignature' });
  });

  it('rejects truncated tokens', () => {
    const token = signActionToken(claims, SECRET);
    expect(verifyActionToken(token.slice(0, -1), SECRET, NOW_MS)).toEqual({ ok: false, reason: 'badSignature' });
    expect(verifyActionToken(token.slice(0, token.indexOf('.') + 1), SECRET, NOW_MS)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyActionToken(token.slice(0, token.indexOf('.')), SECRET, NOW_MS)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyActionToken(token.slice(0, 12), SECRET, NOW_MS)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('rejects garbage as malformed without throwing', () => {
    const garbage: unknown[] = ['', 'garbage', '.', '..', 'a.b.c', 'é.ü', 'abc.def ', 'x'.repeat(10_000), null, undefined, 42, {}];
    for (const g of garbage) {
      expect(verifyActionToken(g, SECRET, NOW_MS)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('rejects a correctly signed payload that is not valid claims as malformed', () => {
    expect(verifyActionToken(signRaw('not json'), SECRET, NOW_MS)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyActionToken(signRaw(JSON.stringify({ ...claims, v: 2 })), SECRET, NOW_MS)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyActionToken(signRaw(JSON.stringify({ ...claims, step: 'pointsAward' })), SECRET, NOW_MS)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyActionToken(signRaw(JSON.stringify({ ...claims, admin: true })), SECRET, NOW_MS)).toEqual({ ok: false, reason: 'malformed' });
    // The helper itself signs valid claims correctly, so the rejections above are about the claims.
    expect(verifyActionToken(signRaw(JSON.stringify(claims)), SECRET, NOW_MS).ok).toBe(true);
  });

  it('rejects a token signed with another secret', () => {
    const token = signActionToken(claims, 'another-secret-of-enough-length-0123456789');
    expect(verifyActionToken(token, SECRET, NOW_MS)).toEqual({ ok: false, reason: 'badSignature' });
  });

  it('rejects an expired token, from exactly exp on', () => {
    const token = signActionToken(claims, SECRET);
    expect(verifyActionToken(token, SECRET, claims.exp * 1000 - 1).ok).toBe(true);
    expect(verifyActionToken(token, SECRET, claims.exp * 1000)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyActionToken(token, SECRET, claims.exp * 1000 + 86_400_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('throws for a secret shorter than 32 bytes, at sign and at verify', () => {
    const short = 'x'.repeat(31);
    expect(() => signActionToken(claims, short)).toThrow(/32 bytes/);
    expect(() => verifyActionToken(signActionToken(claims, SECRET), short, NOW_MS)).toThrow(/32 bytes/);
    expect(() => signActionToken(claims, Buffer.alloc(31))).toThrow(/32 bytes/);
    expect(() => signActionToken(claims, 'x'.repeat(32))).not.toThrow();
  });

  it('refuses to sign invalid claims', () => {
    expect(() => signActionToken({ ...claims, act: [] }, SECRET)).toThrow();
    expect(() => signActionToken({ ...claims, exp: 1.5 }, SECRET)).toThrow();
  });

  it('builds the action URL', () => {
    expect(actionUrl('https://jinhua.example', 'abc.def')).toBe('https://jinhua.example/a/abc.def');
    expect(actionUrl('https://jinhua.example/app/', 'abc.def')).toBe('https://jinhua.example/app/a/abc.def');
  });
});
