/**
 * A family's own survey link (`/survey/<token>`), one per invitation, signed as an action token
 * (action-token.ts) with its own step, so no other link opens it however well signed:
 *
 *   wf    `survey:<invitationId>`  the invitation (bound to its round and its family)
 *   rcp   `family:<familyId>`      who answers, for the record
 *   act   ['answer', 'withdraw']
 *   exp   the round's close plus the withdrawal period: after the close the page refuses answers
 *         (the round's own `closes_at` decides that, not the token), but a family may still open it
 *         to withdraw what it gave; a longer-lived link is the price of being able to withdraw.
 *
 * Only a form POST acts (NOTES-links.md); GET shows.
 */
import { signActionToken, verifyActionToken, type ActionTokenSecret } from './action-token';

export const SURVEY_PAGE_PREFIX = '/survey';
const WF_PREFIX = 'survey:';
const FAMILY = 'family:';

export interface SurveyLinkTarget {
  invitationId: string;
  familyId: string;
  /** Epoch ms the link stops opening the page. */
  expiresAtMs: number;
}

export interface SignedSurveyLink {
  url: string;
  token: string;
  /** ISO instant the link stops working. */
  expiresAt: string;
}

export function signSurveyLink(target: SurveyLinkTarget, secret: ActionTokenSecret, publicBaseUrl: string): SignedSurveyLink {
  const exp = Math.floor(target.expiresAtMs / 1000);
  const token = signActionToken({ v: 1, wf: `${WF_PREFIX}${target.invitationId}`, step: 'survey', round: 0, rcp: `${FAMILY}${target.familyId}`, act: ['answer', 'withdraw'], exp }, secret);
  return { url: `${publicBaseUrl.replace(/\/+$/, '')}${SURVEY_PAGE_PREFIX}/${token}`, token, expiresAt: new Date(exp * 1000).toISOString() };
}

export type ReadSurveyLink = { kind: 'ok' | 'expired'; invitationId: string; familyId: string } | { kind: 'invalid' };

/** Checks a survey token: `invalid` for anything not signed by us for a survey (tampered, another step, malformed). */
export function readSurveyToken(token: string, secret: ActionTokenSecret, nowMs: number): ReadSurveyLink {
  let v = verifyActionToken(token, secret, nowMs);
  let expired = false;
  if (!v.ok && v.reason === 'expired') {
    v = verifyActionToken(token, secret, 0);
    expired = true;
  }
  if (!v.ok) return { kind: 'invalid' };
  const c = v.claims;
  if (c.step !== 'survey' || !c.wf.startsWith(WF_PREFIX) || c.wf.length === WF_PREFIX.length || !c.rcp.startsWith(FAMILY) || c.rcp.length === FAMILY.length) {
    return { kind: 'invalid' };
  }
  return { kind: expired ? 'expired' : 'ok', invitationId: c.wf.slice(WF_PREFIX.length), familyId: c.rcp.slice(FAMILY.length) };
}
