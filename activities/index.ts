/**
 * Every side effect of the themed-activity workflow. Built by `createActivities(deps)` so the
 * worker passes real dependencies and tests pass theirs.
 *
 * Idempotency: each email is claimed in the store's outbox under (workflow, purpose, recipient,
 * round) before it is sent and marked after, and carries a Message-ID derived from the same key;
 * ledger and attendance writes are idempotent in the store. A retry after a crash therefore
 * repeats nothing a person would see twice (a crash between SMTP acceptance and the outbox mark
 * re-sends with the same Message-ID, which mail clients collapse).
 */
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import type { Locale, PointsRules } from '../domain/schemas';
import type { ActivityEmailPurpose as EmailPurpose, EmailMessage } from '../domain/emails';
import type { RenderEmail } from '../mail/messages';
import type { ActivitySummaryForEmail } from '../domain/activity';
import { emailKey } from '../mail/message-id';
import { sendOnce } from '../mail/outbox';
import { actionUrl, signActionToken, type ActionStep } from '../links/action-token';
import { type ActivityStore } from './ports';
import { PermanentMailError, type Mailer } from '../mail/mailer';
import { type ActivityRecord, type AttendanceTally, type AttendanceWindow } from '../domain/activity';
import { type Recipient } from '../domain/people';
import type { ActivitySummary } from '../domain/activity';

export interface ActivityDeps {
  store: ActivityStore;
  mailer: Mailer;
  render: RenderEmail;
  links: { secret: string; publicBaseUrl: string; graceMs: number };
  /** Domain part of generated Message-IDs, e.g. the sender's domain. */
  messageIdDomain: string;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Filled in by the activity, which alone knows the recipient, the public URL and the links' grace. */
type FilledByActivity = 'recipientName' | 'actionUrl' | 'linkExpiresAt' | 'registerUrl' | 'dashboardUrl';
export type MessageDraft = DistributiveOmit<EmailMessage, FilledByActivity>;

/** One person by their contact details, or a group resolved from the store when the email goes out. */
export type Audience =
  | { kind: 'person'; recipientKey: string; name: string; email: string; locale: Locale }
  | { kind: 'registrants'; activityId: string }
  | { kind: 'compoundFamilies'; compound: string };

export interface NotifyRequest {
  workflowId: string;
  purpose: EmailPurpose;
  /** Distinguishes repeats of the same purpose: approval round, reminder offset and start time, … */
  round: string;
  audience: Audience[];
  message: MessageDraft;
  /** For emails with an action link: what the link may do and until when (plus the grace). */
  action?: { step: ActionStep; round: number; actions: string[]; expiresAt: string };
}

export interface NotifyResult {
  sent: number;
  alreadySent: number;
  /** Recipient keys whose address was refused for good (no retry will help). */
  failed: string[];
}

export interface AwardRequest {
  workflowId: string;
  activityId: string;
  rules: PointsRules;
  activity: ActivitySummaryForEmail;
}

export interface AwardResult {
  pointsAwarded: number;
  familiesAwarded: number;
  volunteersAwarded: number;
  notified: NotifyResult;
}

export interface ReleaseRequest {
  workflowId: string;
  /** How the activity ended: its plan was rejected, or it was cancelled. */
  outcome: 'rejected' | 'cancelled';
  /** The grid worker's comment on the rejection, or the cancellation's reason. */
  reason: string;
  activity: ActivitySummaryForEmail;
}

export interface ReleaseResult {
  released: number;
  notified: NotifyResult;
}

export function createActivities(deps: ActivityDeps) {
  const { store, render, links } = deps;

  function urlsFor(draft: MessageDraft): { registerUrl: string; dashboardUrl: string } {
    const id = encodeURIComponent(draft.activity.activityId);
    return {
      registerUrl: `${links.publicBaseUrl}/activities/${id}/register`,
      dashboardUrl: `${links.publicBaseUrl}/dashboard/activities/${id}`,
    };
  }

  async function resolveAudience(audience: Audience[]): Promise<Recipient[]> {
    const seen = new Map<string, Recipient>();
    for (const a of audience) {
      const found: Recipient[] =
        a.kind === 'person'
          ? [{ key: a.recipientKey, name: a.name, email: a.email, locale: a.locale }]
          : a.kind === 'registrants'
            ? await store.listRegistrants(a.activityId)
            : await store.listCompoundFamilies(a.compound);
      for (const r of found) if (!seen.has(r.key)) seen.set(r.key, r);
    }
    return [...seen.values()];
  }

  /** Sends one message to one recipient exactly once per key; returns what happened. */
  async function deliver(
    key: string,
    activityId: string,
    purpose: EmailPurpose,
    recipient: Recipient,
    message: EmailMessage,
  ): Promise<'sent' | 'alreadySent' | 'failed'> {
    try {
      return await sendOnce(deps, {
        key,
        scopeId: activityId,
        purpose,
        recipient,
        render: () => render(message, recipient.locale),
        headers: { 'X-Activity-Id': activityId, 'X-Email-Purpose': purpose },
      });
    } catch (err) {
      if (err instanceof PermanentMailError) {
        // One bad address must not stop the others, nor be retried forever.
        log.warn('email refused for good', { purpose, recipientKey: recipient.key, error: err.message });
        return 'failed';
      }
      throw err; // transient: the activity retries; the outbox skips those already sent
    }
  }

  return {
    async recordActivity(record: ActivityRecord): Promise<void> {
      await store.upsertActivity(record);
    },

    async recordSummary(summary: ActivitySummary): Promise<void> {
      await store.saveActivitySummary(summary);
    },

    async notify(req: NotifyRequest): Promise<NotifyResult> {
      const activityId = req.message.activity.activityId;
      const recipients = await resolveAudience(req.audience);
      const result: NotifyResult = { sent: 0, alreadySent: 0, failed: [] };
      // The token's expiry (whole seconds), which the email states: the step's deadline is when
      // the person is asked to act by, but the link keeps working through the grace after it.
      const exp = req.action ? Math.floor((Date.parse(req.action.expiresAt) + links.graceMs) / 1000) : undefined;
      for (const recipient of recipients) {
        const key = emailKey({ workflowId: req.workflowId, purpose: req.purpose, recipientKey: recipient.key, round: req.round });
        let actionLink: string | undefined;
        if (req.action && exp !== undefined) {
          const token = signActionToken(
            {
              v: 1,
              wf: req.workflowId,
              step: req.action.step,
              round: req.action.round,
              rcp: recipient.key,
              act: req.action.actions,
              exp,
            },
            links.secret,
          );
          actionLink = actionUrl(links.publicBaseUrl, token);
        }
        const message = {
          ...req.message,
          ...urlsFor(req.message),
          recipientName: recipient.name,
          ...(actionLink && exp !== undefined ? { actionUrl: actionLink, linkExpiresAt: new Date(exp * 1000).toISOString() } : {}),
        } as EmailMessage;
        const outcome = await deliver(key, activityId, req.purpose, recipient, message);
        if (outcome === 'sent') result.sent++;
        else if (outcome === 'alreadySent') result.alreadySent++;
        else result.failed.push(recipient.key);
        Context.current().heartbeat(result);
      }
      return result;
    },

    /**
     * An activity that will not take place gives every family's place (and waitlist spot) back and
     * tells each family once. Each family is emailed before its place is released, so a retry
     * after a crash still finds, and (through the outbox) does not re-email, those not yet released.
     */
    async releaseRegistrations(req: ReleaseRequest): Promise<ReleaseResult> {
      const activityId = req.activity.activityId;
      const result: ReleaseResult = { released: 0, notified: { sent: 0, alreadySent: 0, failed: [] } };
      for (const family of await store.listHeldPlaces(activityId)) {
        const key = emailKey({ workflowId: req.workflowId, purpose: 'registrationReleased', recipientKey: family.key, round: 1 });
        const message: EmailMessage = { purpose: 'registrationReleased', activity: req.activity, recipientName: family.name, outcome: req.outcome, reason: req.reason };
        const outcome = await deliver(key, activityId, 'registrationReleased', family, message);
        if (outcome === 'sent') result.notified.sent++;
        else if (outcome === 'alreadySent') result.notified.alreadySent++;
        else result.notified.failed.push(family.key);
        if (await store.releasePlace(activityId, family.key.replace(/^family:/, ''))) result.released++;
        Context.current().heartbeat(result);
      }
      return result;
    },

    async openAttendance(activityId: string, window: AttendanceWindow): Promise<void> {
      await store.openAttendance(activityId, window);
    },

    async closeAttendance(activityId: string): Promise<AttendanceTally> {
      return store.closeAttendance(activityId);
    },

    /** Writes the ledger entries (once, in one transaction) and tells each family its new balance. */
    async awardPoints(req: AwardRequest): Promise<AwardResult> {
      if (req.rules.attendance < 0 || req.rules.perVolunteerHour < 0) {
        throw ApplicationFailure.nonRetryable('points rules must not be negative', 'InvalidPointsRules');
      }
      const award = await store.awardActivityPoints(req.activityId, req.rules);
      const notified: NotifyResult = { sent: 0, alreadySent: 0, failed: [] };
      for (const b of award.balances) {
        if (b.earned <= 0) continue;
        const key = emailKey({ workflowId: req.workflowId, purpose: 'pointsAwarded', recipientKey: b.recipient.key, round: 1 });
        const message: EmailMessage = {
          purpose: 'pointsAwarded',
          activity: req.activity,
          recipientName: b.recipient.name,
          earned: b.earned,
          balance: b.balance,
        };
        const outcome = await deliver(key, req.activityId, 'pointsAwarded', b.recipient, message);
        if (outcome === 'sent') notified.sent++;
        else if (outcome === 'alreadySent') notified.alreadySent++;
        else notified.failed.push(b.recipient.key);
        Context.current().heartbeat(notified);
      }
      return {
        pointsAwarded: award.pointsAwarded,
        familiesAwarded: award.familiesAwarded,
        volunteersAwarded: award.volunteersAwarded,
        notified,
      };
    },
  };
}

export type ThemedActivityActivities = ReturnType<typeof createActivities>;
