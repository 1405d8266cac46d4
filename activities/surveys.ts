/**
 * Outcome evaluation's survey sweeper: opens due rounds and sends their one reminder. (The
 * themed-activity workflow's own step, `openParticipantSurvey` in ./index.ts, only writes the
 * activity's round.)
 *
 * Rounds are data (db/services/surveys.ts), so nothing waits in a workflow for a baseline that
 * opens months later: the sweeper runs in every worker process on a timer (as the email retrier,
 * mail/email-retrier.ts) and is safe to run twice at once or again after a crash:
 * - invitations are written by one idempotent insert-select (one per family per round);
 * - each email is claimed in the outbox with a lease (`claimEmails`), keyed per invitation and
 *   purpose, so two sweepers never send one email and a repeat sends nothing; its Message-ID is
 *   derived from the key, so a re-send after a crash between SMTP and the mark folds in the client;
 * - `opened_at` / `reminded_at` are set only once every email of the round was handled, so a crash
 *   before that means the next sweep finishes the round.
 * The workflow hands over ids and times only; names, addresses and answers never enter its history.
 */
import type { Kysely } from 'kysely';
import { Surveys, type SurveyInvitee, type SurveyRound } from '../db/services/surveys';
import type { Database } from '../db/types';
import type { SurveyEmailMessage } from '../domain/emails';
import { signSurveyLink } from '../links/survey-links';
import type { Mailer } from '../mail/mailer';
import { emailKey } from '../mail/message-id';
import { deliverRecorded, type Delivery, type OutboxStore, type OnceEmail } from '../mail/outbox';
import { renderSurveyEmail } from '../mail/survey-templates';
import { every, type Periodic } from '../lib/every';

export interface SurveyMailDeps {
  db: Kysely<Database>;
  store: Pick<OutboxStore, 'claimEmail' | 'parkEmail' | 'claimEmails' | 'markEmailSent' | 'markEmailRetrying' | 'markEmailRefused'>;
  mailer: Mailer;
  linkSecret: string;
  publicBaseUrl: string;
  messageIdDomain: string;
  /** How long after a round's close its links still open the page (config.surveys.withdrawPeriodMs). */
  withdrawPeriodMs: number;
  retryDelaysMs?: readonly number[];
  /** Epoch ms: the sweeper's clock (tests drive it). */
  now?: () => number;
}

export interface SurveySweeperDeps extends SurveyMailDeps {
  /** This process, for the outbox claims (a lapsed lease lets another take over after a crash). */
  owner: string;
  /** How long a claim holds (default 5 minutes: longer than a send's socket timeout). */
  leaseMs?: number;
}

export interface SweepResult {
  opened: string[];
  reminded: string[];
  emails: Record<Delivery | 'held', number>;
}

const PURPOSE = { invite: 'surveyInvitation', remind: 'surveyReminder' } as const;

/** The outbox key of one invitation's email (`invite` or `remind`): one of each per family per round. */
export function surveyEmailKey(invitationId: string, which: keyof typeof PURPOSE): string {
  return emailKey({ workflowId: `survey:${invitationId}`, purpose: PURPOSE[which], recipientKey: `invitation:${invitationId}`, round: '1' });
}

/** One sweep: opens every due round (invitations and their emails), then sends every due reminder. */
export async function sweepSurveys(deps: SurveySweeperDeps): Promise<SweepResult> {
  const nowMs = deps.now?.() ?? Date.now();
  const now = new Date(nowMs);
  const surveys = new Surveys(deps.db, { now: () => now });
  const result: SweepResult = { opened: [], reminded: [], emails: { sent: 0, alreadySent: 0, retrying: 0, refused: 0, held: 0 } };
  for (const round of await surveys.roundsToOpen(now)) {
    const invitees = await surveys.writeInvitations(round.id, now);
    if (await sendAll(deps, surveys, round, invitees, 'invite', nowMs, result)) {
      await surveys.markOpened(round.id, now);
      result.opened.push(round.id);
    }
  }
  for (const round of await surveys.roundsToRemind(now)) {
    const unanswered = await surveys.invitees(round.id, { unansweredOnly: true });
    if (await sendAll(deps, surveys, round, unanswered, 'remind', nowMs, result)) {
      await surveys.markReminded(round.id, unanswered.map((i) => i.invitationId), now);
      result.reminded.push(round.id);
    }
  }
  return result;
}

/** Claims and sends one email per invitee; true when none is left to another sweeper still sending it. */
async function sendAll(deps: SurveySweeperDeps, surveys: Surveys, round: SurveyRound, invitees: readonly SurveyInvitee[], which: keyof typeof PURPOSE, nowMs: number, result: SweepResult): Promise<boolean> {
  if (invitees.length === 0) return true;
  const version = await surveys.version(round.questionnaireVersionId);
  const about = await surveys.roundSubject(round);
  const scopeId = round.activityId ?? round.cycleId ?? round.id;
  const byKey = new Map(invitees.map((i) => [surveyEmailKey(i.invitationId, which), i]));
  const claim = await deps.store.claimEmails(
    [...byKey.keys()].map((key) => ({ key, activityId: scopeId, purpose: PURPOSE[which], recipientKey: `family:${byKey.get(key)!.familyId}` })),
    { owner: deps.owner, leaseUntil: new Date(nowMs + (deps.leaseMs ?? 5 * 60_000)).toISOString() },
  );
  result.emails.alreadySent += claim.sent.length;
  result.emails.held += claim.held.length;
  for (const key of claim.claimed) {
    const invitee = byKey.get(key)!;
    const link = signSurveyLink({ invitationId: invitee.invitationId, familyId: invitee.familyId, expiresAtMs: Date.parse(round.closesAt) + deps.withdrawPeriodMs }, deps.linkSecret, deps.publicBaseUrl);
    const message: SurveyEmailMessage = {
      purpose: PURPOSE[which],
      recipientName: invitee.name,
      title: version ? version.definition.title[invitee.locale] : '',
      about,
      kind: round.kind,
      // The page opens in the family's language (the directory's), whatever its browser asks for.
      url: `${link.url}?lang=${invitee.locale}`,
      closesAt: round.closesAt,
      linkExpiresAt: link.expiresAt,
    };
    const email: OnceEmail = {
      key,
      scopeId,
      purpose: PURPOSE[which],
      recipient: { key: `family:${invitee.familyId}`, name: invitee.name, email: invitee.email, locale: invitee.locale },
      render: () => renderSurveyEmail(message, invitee.locale, nowMs),
    };
    result.emails[await deliverRecorded({ ...deps, now: () => nowMs }, email, true)]++;
  }
  return claim.held.length === 0;
}

export type RunningSurveySweeper = Periodic<SweepResult>;

/** Sweeps every `intervalMs` (one at a time) until stopped. Errors are reported, never thrown. */
export function startSurveySweeper(deps: SurveySweeperDeps & { intervalMs: number; onError?: (err: unknown) => void }): RunningSurveySweeper {
  return every(deps.intervalMs, () => sweepSurveys(deps), deps.onError);
}
