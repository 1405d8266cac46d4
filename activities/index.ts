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
import { deferDelivery, deliverRecorded, type Delivery } from '../mail/outbox';
import { actionUrl, signActionToken, type ActionStep } from '../links/action-token';
import { checkInLinkExpiry, registerLinkExpiry, signSelfServiceToken } from '../links/self-service';
import { emailAttachments } from '../mail/attachments';
import { cardCodeOf, qrCardUrl } from '../domain/card';
import { type ActivityStore, type ParticipantSurveyRequest } from './ports';
import type { Mailer } from '../mail/mailer';
import { type ActivityRecord, type AttendanceTally, type AttendanceWindow } from '../domain/activity';
import { type Recipient } from '../domain/people';
import type { ActivitySummary } from '../domain/activity';

export interface ActivityDeps {
  store: ActivityStore;
  mailer: Mailer;
  render: RenderEmail;
  links: {
    secret: string;
    publicBaseUrl: string;
    graceMs: number;
    /** When a family's registration link (in the registration-open email) ends: check-in opens this long before the start (default 30 min, ATTENDANCE_OPENS_BEFORE). */
    attendanceOpensBeforeMs?: number;
    /** When a family's check-in link (in its reminders) ends: this long after the end (default 30 min, ATTENDANCE_CLOSES_AFTER). */
    attendanceClosesAfterMs?: number;
  };
  /** Domain part of generated Message-IDs, e.g. the sender's domain. */
  messageIdDomain: string;
  /** Messages a fan-out sends at once: the mail pool's connections (default 2, the SMTP mailer's default pool). */
  sendConcurrency?: number;
  /** Waits between a failed send's retries (the retrier sends them); after the last, refused. */
  retryDelaysMs?: readonly number[];
}

/** Recipients claimed and sent as one batch: a few hundred, so one claim statement stays small. */
export const FAN_OUT_BATCH = 200;
/** What one message may take at a slow relay, to size a batch's time (and so its lease) from its length. */
const MESSAGE_BUDGET_MS = 5_000;
/**
 * How long a row stays held after its attempt stops starting sends: a send already in flight
 * then has this long to finish (the mailer's socket timeout is 30 s) before another attempt may
 * take the row. Only a crash between the relay's acceptance and the outbox mark re-sends, with
 * the same Message-ID.
 */
const IN_FLIGHT_GRACE_MS = 60_000;
/**
 * A fan-out heartbeats at most this often. Each heartbeat converts its details and crosses into
 * the worker's native core, which then drops all but one in a while anyway; once a message, it
 * was about a tenth of a message's CPU in the benchmark. A second is far inside the 30 s heartbeat
 * timeout, and a cancellation (which arrives in a heartbeat's answer) is still noticed in about one.
 */
const FAN_OUT_HEARTBEAT_EVERY_MS = 1_000;
/** Temporary failures in a row after which a fan-out stops trying the relay and queues the rest for the retrier. */
const RELAY_DOWN_AFTER = 3;

/**
 * How long one attempt of a fan-out to `recipients` may take with `concurrency` sends at once:
 * every batch's own budget (its length over the concurrency, times a slow relay's time per
 * message), one after another, and the grace for the last sends in flight (so a minute and a
 * bit for a few people, not a fixed two minutes for a thousand). A crashed worker is still
 * noticed in seconds, by the heartbeat timeout.
 */
export function fanOutTimeoutMs(recipients: number, concurrency: number): number {
  let total = 0;
  for (let start = 0; start < recipients; start += FAN_OUT_BATCH) total += Math.ceil(Math.min(FAN_OUT_BATCH, recipients - start) / concurrency) * MESSAGE_BUDGET_MS;
  return total + IN_FLIGHT_GRACE_MS;
}

/**
 * The directory's entry for a person (a corrected address reaches a running activity); the
 * recorded contact only when the directory has none; nobody when neither has an address (logged
 * by key, never by name or address).
 */
function personRecipient(a: Extract<Audience, { kind: 'person' }>, onFile: ReadonlyMap<string, Recipient>, unreachable: string[]): Recipient[] {
  const current = onFile.get(a.recipientKey);
  if (current) return [current];
  if (a.email) return [{ key: a.recipientKey, name: a.name, email: a.email, locale: a.locale }];
  log.warn('no address on file for a recipient', { recipientKey: a.recipientKey });
  unreachable.push(a.recipientKey);
  return [];
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Filled in by the activity, which alone knows the recipient, the public URL and the links' grace. */
type FilledByActivity = 'recipientName' | 'actionUrl' | 'linkExpiresAt' | 'registerUrl' | 'dashboardUrl';
export type MessageDraft = DistributiveOmit<EmailMessage, FilledByActivity>;

/**
 * One person by key, or a group, resolved from the directory when the email goes out. A person's
 * name, email and locale are what workflows recorded before the directory became the only address
 * book: used only when the directory no longer has the key (runs started since carry no email).
 */
export type Audience =
  | { kind: 'person'; recipientKey: string; name: string; email?: string; locale: Locale }
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
  /**
   * Recipient keys the relay turned away for now: the outbox's retrier sends them later, on their
   * own schedule, so the stage goes on without them. Absent in results recorded before this field.
   */
  retrying?: string[];
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
  const concurrency = Math.max(1, Math.floor(deps.sendConcurrency ?? 2));
  const opensBeforeMs = links.attendanceOpensBeforeMs ?? 30 * 60_000;
  const closesAfterMs = links.attendanceClosesAfterMs ?? 30 * 60_000;

  /** The family behind a recipient key, or undefined for staff, merchants and volunteers. */
  const familyIdOf = (recipient: Recipient): string | undefined => (recipient.key.startsWith('family:') ? recipient.key.slice('family:'.length) : undefined);

  /**
   * What a family's copy of an email adds, signed now (never in workflow history): the
   * registration-open email's button is the family's own registration link; a reminder carries
   * the family's card and its own check-in link.
   */
  function personalise(workflowId: string, message: EmailMessage, recipient: Recipient, qrToken: string | undefined): EmailMessage {
    const familyId = familyIdOf(recipient);
    if (!familyId) return message;
    const person = { kind: 'family' as const, id: familyId };
    if (message.purpose === 'registrationOpen') {
      const expiresAtMs = registerLinkExpiry(message.activity.startsAt, opensBeforeMs);
      const link = signSelfServiceToken({ workflowId, step: 'register', person, expiresAtMs }, links.secret, links.publicBaseUrl);
      return { ...message, registerUrl: link.url, linkExpiresAt: link.expiresAt };
    }
    if (message.purpose === 'reminder' && qrToken) {
      const link = signSelfServiceToken({ workflowId, step: 'checkIn', person, expiresAtMs: checkInLinkExpiry(message.activity, closesAfterMs) }, links.secret, links.publicBaseUrl);
      return { ...message, card: { url: qrCardUrl(links.publicBaseUrl, qrToken), code: cardCodeOf(qrToken) }, checkInUrl: link.url };
    }
    return message;
  }

  function urlsFor(draft: MessageDraft): { registerUrl: string; dashboardUrl: string } {
    const id = encodeURIComponent(draft.activity.activityId);
    return {
      registerUrl: `${links.publicBaseUrl}/activities/${id}/register`,
      dashboardUrl: `${links.publicBaseUrl}/dashboard/activities/${id}`,
    };
  }

  /** Who the audience is now; `unreachable`: people with no address on file or recorded (reported as refused). */
  async function resolveAudience(audience: Audience[]): Promise<{ recipients: Recipient[]; unreachable: string[] }> {
    const people = audience.filter((a) => a.kind === 'person');
    const onFile = people.length ? await store.recipientsByKey(people.map((p) => p.recipientKey)) : new Map<string, Recipient>();
    const seen = new Map<string, Recipient>();
    const unreachable: string[] = [];
    for (const a of audience) {
      const found: Recipient[] =
        a.kind === 'person'
          ? personRecipient(a, onFile, unreachable)
          : a.kind === 'registrants'
            ? await store.listRegistrants(a.activityId)
            : await store.listCompoundFamilies(a.compound);
      for (const r of found) if (!seen.has(r.key)) seen.set(r.key, r);
    }
    return { recipients: [...seen.values()], unreachable };
  }

  const deliveryDeps = { store, mailer: deps.mailer, messageIdDomain: deps.messageIdDomain, ...(deps.retryDelaysMs ? { retryDelaysMs: deps.retryDelaysMs } : {}) };

  /** Sends one message to one recipient at most once per key, and records what became of it. */
  async function deliver(
    key: string,
    activityId: string,
    purpose: EmailPurpose,
    recipient: Recipient,
    message: EmailMessage,
    /** `claimed`: the caller holds the row already (a fan-out's batch claim). */
    claim: 'claimOne' | 'claimed' = 'claimOne',
    /** Set when the relay already failed several times in a row in this call: queue it for the retrier without trying. */
    relayDown?: string,
  ): Promise<Delivery> {
    const email = {
      key,
      scopeId: activityId,
      purpose,
      recipient,
      render: () => render(message, recipient.locale),
      attachments: () => emailAttachments(message),
      headers: { 'X-Activity-Id': activityId, 'X-Email-Purpose': purpose },
    };
    // One bad address or a relay down must not stop the others, nor hold up the stage: the outbox
    // records it (refused, or retrying on its own schedule) and the staff see it on the activity's page.
    const outcome = relayDown ? await deferDelivery(deliveryDeps, email, relayDown) : await deliverRecorded(deliveryDeps, email, claim === 'claimed');
    if (outcome === 'refused' || outcome === 'retrying') log.warn(`email ${outcome}`, { purpose, recipientKey: recipient.key });
    return outcome;
  }

  /** Counts one delivery into a result. */
  function count(result: NotifyResult, outcome: Delivery, recipientKey: string): void {
    if (outcome === 'sent') result.sent++;
    else if (outcome === 'alreadySent') result.alreadySent++;
    else if (outcome === 'refused') result.failed.push(recipientKey);
    else (result.retrying ??= []).push(recipientKey);
  }

  return {
    async recordActivity(record: ActivityRecord): Promise<void> {
      await store.upsertActivity(record);
    },

    async recordSummary(summary: ActivitySummary): Promise<void> {
      await store.saveActivitySummary(summary);
    },

    /**
     * Outcome evaluation: when the feedback stage opens, the activity's participant survey becomes
     * a round (data; the survey sweeper, activities/surveys.ts, invites the families that checked
     * in). Ids and times in, an id out: nothing personal crosses the workflow's history.
     */
    async openParticipantSurvey(req: ParticipantSurveyRequest): Promise<{ roundId: string | null }> {
      return store.ensureSurveyRound(req);
    },

    /**
     * Sends one message to every recipient of the audience, exactly once, however slow the relay.
     * The audience goes in batches: each is claimed in one statement for this attempt, with a lease
     * sized from the batch, and sent with the mail pool's concurrency. Before each send the attempt
     * checks that it is neither cancelled nor past its time, because Temporal does not stop an
     * attempt that timed out: the retry starts beside it, and finds the rows it still holds taken.
     * A retry resumes through the outbox (sent rows are skipped); rows another live attempt holds
     * make this one fail retryably once the rest is done, to be retried when their lease lapses.
     */
    /**
     * How many people an audience reaches now, and the start-to-close timeout its fan-out's
     * attempt needs (`fanOutTimeoutMs`): the workflow sizes the `notify` call from it.
     */
    async planFanOut(audience: Audience[]): Promise<{ recipients: number; startToCloseMs: number }> {
      const recipients = (await resolveAudience(audience)).recipients.length;
      return { recipients, startToCloseMs: fanOutTimeoutMs(recipients, concurrency) };
    },

    async notify(req: NotifyRequest): Promise<NotifyResult> {
      const activityId = req.message.activity.activityId;
      const ctx = Context.current();
      const { activityId: callId, attempt, startToCloseTimeoutMs } = ctx.info;
      const ownerPrefix = `${req.workflowId}/${callId}#`;
      const owner = `${ownerPrefix}${attempt}`;
      // On this process's clock (the server's may differ, or be skipped ahead in tests): the
      // server's deadline plus the moment it took to hand the task over, which the lease's grace covers.
      const attemptEndsAt = startToCloseTimeoutMs > 0 ? Date.now() + startToCloseTimeoutMs : Number.POSITIVE_INFINITY;
      const { recipients, unreachable } = await resolveAudience(req.audience);
      const result: NotifyResult = { sent: 0, alreadySent: 0, failed: [...unreachable] };
      // The token's expiry (whole seconds), which the email states: the step's deadline is when
      // the person is asked to act by, but the link keeps working through the grace after it.
      const exp = req.action ? Math.floor((Date.parse(req.action.expiresAt) + links.graceMs) / 1000) : undefined;
      const keyOf = (recipient: Recipient) => emailKey({ workflowId: req.workflowId, purpose: req.purpose, recipientKey: recipient.key, round: req.round });
      const messageFor = (recipient: Recipient, qrToken: string | undefined): EmailMessage => personalise(req.workflowId, baseMessageFor(recipient), recipient, qrToken);
      const baseMessageFor = (recipient: Recipient): EmailMessage => {
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
        return {
          ...req.message,
          ...urlsFor(req.message),
          recipientName: recipient.name,
          ...(actionLink && exp !== undefined ? { actionUrl: actionLink, linkExpiresAt: new Date(exp * 1000).toISOString() } : {}),
        } as EmailMessage;
      };

      let lastHeartbeat = 0;
      const heartbeat = (): void => {
        if (Date.now() - lastHeartbeat < FAN_OUT_HEARTBEAT_EVERY_MS) return;
        lastHeartbeat = Date.now();
        ctx.heartbeat(result);
      };
      let heldUntil = 0;
      let failuresInARow = 0;
      let relayDown: string | undefined;
      for (let start = 0; start < recipients.length; start += FAN_OUT_BATCH) {
        const batch = recipients.slice(start, start + FAN_OUT_BATCH);
        const stopAt = Math.min(attemptEndsAt, Date.now() + Math.ceil(batch.length / concurrency) * MESSAGE_BUDGET_MS);
        const byKey = new Map(batch.map((r) => [keyOf(r), r]));
        const claim = await store.claimEmails(
          [...byKey.keys()].map((key) => ({ key, activityId, purpose: req.purpose, recipientKey: byKey.get(key)!.key })),
          { owner, leaseUntil: new Date(stopAt + IN_FLIGHT_GRACE_MS).toISOString() },
        );
        for (const s of claim.sent) {
          // Sent by an earlier attempt of this same call: still this call's send.
          if (s.owner?.startsWith(ownerPrefix)) result.sent++;
          else result.alreadySent++;
        }
        for (const h of claim.held) heldUntil = Math.max(heldUntil, Date.parse(h.leaseUntil));

        const queue = claim.claimed.map((key) => ({ key, recipient: byKey.get(key)! }));
        // Reminders show each family its card: the tokens of this batch's families, read once.
        const cards =
          req.purpose === 'reminder' ? await store.familyCardTokens(queue.map((q) => familyIdOf(q.recipient)).filter((id): id is string => id !== undefined)) : new Map<string, string>();
        let stoppedBecause: string | undefined;
        const sender = async () => {
          for (let next = queue.shift(); next; next = queue.shift()) {
            if (ctx.cancellationSignal.aborted) stoppedBecause = `cancelled (${String(ctx.cancellationSignal.reason)})`;
            else if (Date.now() >= stopAt) stoppedBecause = 'out of time';
            if (stoppedBecause) return;
            const outcome = await deliver(next.key, activityId, req.purpose, next.recipient, messageFor(next.recipient, cards.get(familyIdOf(next.recipient) ?? '')), 'claimed', relayDown);
            count(result, outcome, next.recipient.key);
            failuresInARow = outcome === 'retrying' ? failuresInARow + 1 : 0;
            if (failuresInARow >= RELAY_DOWN_AFTER && !relayDown) relayDown = `not tried: the relay failed ${RELAY_DOWN_AFTER} sends in a row`;
            heartbeat();
          }
        };
        try {
          await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, sender));
        } finally {
          // Every send of this attempt has returned: what it holds unsent (refused addresses, or the
          // rest of a stopped batch) is free for the next attempt now, not when the lease lapses.
          if (stoppedBecause || start + FAN_OUT_BATCH >= recipients.length) await store.releaseEmails(owner);
        }
        if (stoppedBecause) {
          throw ApplicationFailure.retryable(`stopped sending ${req.purpose} after ${result.sent} emails: ${stoppedBecause}`, 'FanOutStopped');
        }
      }
      if (heldUntil > 0) {
        // Another attempt of this call is still sending these: retry once its lease lapses.
        throw ApplicationFailure.create({
          type: 'EmailsHeldByAnotherAttempt',
          message: `${req.purpose}: some recipients are held by another attempt until ${new Date(heldUntil).toISOString()}`,
          nextRetryDelay: Math.max(1_000, heldUntil - Date.now() + 1_000),
        });
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
        count(result.notified, await deliver(key, activityId, 'registrationReleased', family, message), family.key);
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
        count(notified, await deliver(key, req.activityId, 'pointsAwarded', b.recipient, message), b.recipient.key);
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
