/**
 * Signed self-service links for families and volunteers (`/s/<token>`), per shared NOTES-links.md:
 * the token is an action token (action-token.ts) bound to the activity's workflow id, the step
 * ('register' or 'checkIn'), the person (`family:<id>` or `volunteer:<id>`), the actions allowed,
 * and an expiry. The link only shows a page; the page acts on a form POST.
 *
 * Pure signing and reading, with no config and no domain: the API's pages (api/family/links.ts)
 * and the workflow's activities (the registration-open email carries each family's own link,
 * signed at send time) both sign here, so the two can never disagree on what a link says.
 */
import { signActionToken, verifyActionToken, type ActionTokenClaims, type ActionTokenSecret } from './action-token';

export type SelfServiceStep = 'register' | 'checkIn';
export type PersonKind = 'family' | 'volunteer';
export interface PersonRef {
  kind: PersonKind;
  id: string;
}

export const SELF_SERVICE_PREFIX = '/s';

/** What each link may do: a family registers (or cancels); a volunteer also checks out. */
export function actionsFor(step: SelfServiceStep, person: PersonRef): string[] {
  if (step === 'register') return ['register', 'cancel'];
  return person.kind === 'volunteer' ? ['checkIn', 'checkOut'] : ['checkIn'];
}

/** When a registration link stops working: when check-in opens, `opensBeforeMs` before the start. */
export function registerLinkExpiry(startsAtIso: string, opensBeforeMs: number): number {
  return Date.parse(startsAtIso) - opensBeforeMs;
}

/** When a check-in link stops working: when the window closes (the one opened, else the end plus `closesAfterMs`). */
export function checkInLinkExpiry(o: { endsAt: string; attendanceClosesAt?: string | null }, closesAfterMs: number): number {
  if (o.attendanceClosesAt) return Date.parse(o.attendanceClosesAt);
  return Date.parse(o.endsAt) + closesAfterMs;
}

export function selfServiceUrl(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}${SELF_SERVICE_PREFIX}/${token}`;
}

/** Signs one person's link for one step of one workflow; the URL and its real expiry (whole seconds). */
export function signSelfServiceToken(
  o: { workflowId: string; step: SelfServiceStep; person: PersonRef; expiresAtMs: number },
  secret: ActionTokenSecret,
  publicBaseUrl: string,
): { token: string; url: string; expiresAt: string } {
  const claims: ActionTokenClaims = {
    v: 1,
    wf: o.workflowId,
    step: o.step,
    round: 0,
    rcp: `${o.person.kind}:${o.person.id}`,
    act: actionsFor(o.step, o.person),
    exp: Math.floor(o.expiresAtMs / 1000),
  };
  const token = signActionToken(claims, secret);
  return { token, url: selfServiceUrl(publicBaseUrl, token), expiresAt: new Date(claims.exp * 1000).toISOString() };
}

/** What a good self-service token says. */
export interface SelfServiceClaims {
  claims: ActionTokenClaims;
  workflowId: string;
  step: SelfServiceStep;
  person: PersonRef;
}

export type ReadSelfServiceClaims = ({ kind: 'ok' | 'expired' } & SelfServiceClaims) | { kind: 'invalid' };

/**
 * Checks a self-service token whose workflow id starts with `workflowPrefix`. An approval or
 * sign-in token is not one, however well signed; an expired one still says what it was for.
 */
export function readSelfServiceClaims(token: string, secret: ActionTokenSecret, nowMs: number, workflowPrefix: string): ReadSelfServiceClaims {
  let v = verifyActionToken(token, secret, nowMs);
  let kind: 'ok' | 'expired' = 'ok';
  if (!v.ok && v.reason === 'expired') {
    // Good signature: read the claims to say what expired (epoch 0: never "expired").
    v = verifyActionToken(token, secret, 0);
    kind = 'expired';
  }
  if (!v.ok) return { kind: 'invalid' };
  const c = v.claims;
  if (c.step !== 'register' && c.step !== 'checkIn') return { kind: 'invalid' };
  if (!c.wf.startsWith(workflowPrefix) || c.wf.length === workflowPrefix.length) return { kind: 'invalid' };
  const m = /^(family|volunteer):(.+)$/.exec(c.rcp);
  if (!m) return { kind: 'invalid' };
  const person: PersonRef = { kind: m[1] as PersonKind, id: m[2] as string };
  if (c.step === 'register' && person.kind !== 'family') return { kind: 'invalid' };
  return { kind, claims: c, workflowId: c.wf, step: c.step, person };
}
