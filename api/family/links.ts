/**
 * Signed self-service links for families and volunteers (`/s/<token>`), per shared NOTES-links.md:
 * the token is an action token (links/action-token.ts) bound to the activity's workflow id, the
 * step ('register' or 'checkIn'), the person (`family:<id>` or `volunteer:<id>`), the actions
 * allowed, and an expiry: a registration link ends when check-in opens, a check-in link when
 * check-in closes. The link only shows a page; the page acts on a form POST.
 */
import type { Config } from '../../config';
import { signActionToken, verifyActionToken, type ActionTokenClaims } from '../../links/action-token';
import { themedActivityWorkflowId } from '../../domain/activity';
import type { ActivityRef } from '../http/feature-routes';

export type SelfServiceStep = 'register' | 'checkIn';
export type PersonKind = 'family' | 'volunteer';
export interface PersonRef {
  kind: PersonKind;
  id: string;
}

export const SELF_SERVICE_PREFIX = '/s';
const WORKFLOW_PREFIX = themedActivityWorkflowId('');

/** What each link may do: a family registers (or cancels); a volunteer also checks out. */
export function actionsFor(step: SelfServiceStep, person: PersonRef): string[] {
  if (step === 'register') return ['register', 'cancel'];
  return person.kind === 'volunteer' ? ['checkIn', 'checkOut'] : ['checkIn'];
}

/**
 * When the link stops working: registration closes when check-in opens (30 min before the start by
 * default); check-in closes after the end (the window the workflow opened, when it has).
 */
export function linkExpiry(step: SelfServiceStep, activity: ActivityRef, config: Config): number {
  if (step === 'register') return Date.parse(activity.startsAt) - config.timings.attendanceOpensBeforeMs;
  if (activity.attendanceClosesAt) return Date.parse(activity.attendanceClosesAt);
  return Date.parse(activity.endsAt) + config.timings.attendanceClosesAfterMs;
}

export function selfServiceUrl(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}${SELF_SERVICE_PREFIX}/${token}`;
}

export function signSelfServiceLink(
  o: { activityId: string; step: SelfServiceStep; person: PersonRef; expiresAtMs: number },
  secret: string,
  publicBaseUrl: string,
): { url: string; expiresAt: string } {
  const claims: ActionTokenClaims = {
    v: 1,
    wf: themedActivityWorkflowId(o.activityId),
    step: o.step,
    round: 0,
    rcp: `${o.person.kind}:${o.person.id}`,
    act: actionsFor(o.step, o.person),
    exp: Math.floor(o.expiresAtMs / 1000),
  };
  const token = signActionToken(claims, secret);
  return { url: selfServiceUrl(publicBaseUrl, token), expiresAt: new Date(claims.exp * 1000).toISOString() };
}

/** What a good self-service token says. */
export interface SelfServiceLink {
  claims: ActionTokenClaims;
  activityId: string;
  step: SelfServiceStep;
  person: PersonRef;
}

export type ReadLink = ({ kind: 'ok' | 'expired' } & SelfServiceLink) | { kind: 'invalid' };

/** Checks a self-service token. An approval or sign-in token is not one, however well signed. */
export function readSelfServiceToken(token: string, secret: string, nowMs: number): ReadLink {
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
  if (!c.wf.startsWith(WORKFLOW_PREFIX) || c.wf.length === WORKFLOW_PREFIX.length) return { kind: 'invalid' };
  const m = /^(family|volunteer):(.+)$/.exec(c.rcp);
  if (!m) return { kind: 'invalid' };
  const person: PersonRef = { kind: m[1] as PersonKind, id: m[2] as string };
  if (c.step === 'register' && person.kind !== 'family') return { kind: 'invalid' };
  return { kind, claims: c, activityId: c.wf.slice(WORKFLOW_PREFIX.length), step: c.step, person };
}
