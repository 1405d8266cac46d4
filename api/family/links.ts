/**
 * Signed self-service links for families and volunteers (`/s/<token>`), as the API uses them: the
 * signing and reading live in links/self-service.ts (the workflow's activities sign there too);
 * this adds what needs the config and the activity's row: when a link expires, and which activity
 * a workflow id names. A registration link ends when check-in opens, a check-in link when check-in
 * closes.
 */
import type { Config } from '../../config';
import { themedActivityWorkflowId } from '../../domain/activity';
import { checkInLinkExpiry, readSelfServiceClaims, registerLinkExpiry, signSelfServiceToken, type SelfServiceStep, type PersonRef } from '../../links/self-service';
import type { ActionTokenClaims } from '../../links/action-token';
import type { ActivityRef } from '../http/feature-routes';

export { SELF_SERVICE_PREFIX, actionsFor, selfServiceUrl, type PersonKind, type PersonRef, type SelfServiceStep } from '../../links/self-service';

const WORKFLOW_PREFIX = themedActivityWorkflowId('');

/**
 * When the link stops working: registration closes when check-in opens (30 min before the start by
 * default); check-in closes after the end (the window the workflow opened, when it has).
 */
export function linkExpiry(step: SelfServiceStep, activity: ActivityRef, config: Config): number {
  if (step === 'register') return registerLinkExpiry(activity.startsAt, config.timings.attendanceOpensBeforeMs);
  return checkInLinkExpiry(activity, config.timings.attendanceClosesAfterMs);
}

export function signSelfServiceLink(
  o: { activityId: string; step: SelfServiceStep; person: PersonRef; expiresAtMs: number },
  secret: string,
  publicBaseUrl: string,
): { url: string; expiresAt: string } {
  const { url, expiresAt } = signSelfServiceToken({ workflowId: themedActivityWorkflowId(o.activityId), step: o.step, person: o.person, expiresAtMs: o.expiresAtMs }, secret, publicBaseUrl);
  return { url, expiresAt };
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
  const r = readSelfServiceClaims(token, secret, nowMs, WORKFLOW_PREFIX);
  if (r.kind === 'invalid') return r;
  return { kind: r.kind, claims: r.claims, activityId: r.workflowId.slice(WORKFLOW_PREFIX.length), step: r.step, person: r.person };
}
