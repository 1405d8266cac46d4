/**
 * Emails the registration routes and pages send themselves (not through a workflow): the
 * "you got a place" email to a family promoted from the waitlist, and a family's personal
 * registration link. Each is claimed in the store's outbox before it is sent and carries a
 * Message-ID derived from its key, exactly as the workflow's emails do, so a repeat or a retry
 * never mails a person twice. A send the relay turns away is recorded (`retrying` or `refused`)
 * and the worker's retrier sends it again on its own schedule.
 */
import type { Client } from '@temporalio/client';
import type { Mailer } from '../../mail/mailer';
import type { Recipient } from '../../domain/people';
import type { Config } from '../../config';
import type { Repositories } from '../../db/repositories';
import { emailKey } from '../../mail/message-id';
import { deliverRecorded } from '../../mail/outbox';
import type { EmailMessage } from '../../domain/emails';
import type { RenderEmail } from '../../mail/messages';
import type { ActivitySummaryForEmail } from '../../domain/activity';
import { statusQuery } from '../../workflows/themed-activity.api';
import { themedActivityWorkflowId } from '../../domain/activity';
import { cardCodeOf, qrCardUrl } from '../../domain/card';
import { emailAttachments } from '../../mail/attachments';
import type { Logger } from '../http/errors';
import type { ActivityRef } from '../http/feature-routes';
import { linkExpiry, signSelfServiceLink } from '../family/links';

export interface PeopleMailDeps {
  repos: Repositories;
  config: Config;
  /** Signs the families' own links in the confirmation. */
  linkSecret: string;
  /** To read the plan's theme and venue for the email; the activity row stands in when it cannot answer. */
  client: Client;
  mailer: Mailer;
  render: RenderEmail;
  logger: Logger;
}

export interface MailOutcome {
  sent: number;
  alreadySent: number;
  /** Recipient keys whose email is still pending (the mail server did not take it; retried later). */
  pending: string[];
}

const STATUS_TIMEOUT_MS = 3_000;
/**
 * How long the plan's words (theme, venue, description) read from the workflow are kept: the
 * families' pages show them on every view, and a burst of families must not become a burst of
 * workflow queries (shared NOTES-temporal.md). A plan revised meanwhile shows within this long.
 */
const DETAILS_TTL_MS = 60_000;
/** How long the row's words stand in when the workflow did not answer. */
const FALLBACK_TTL_MS = 10_000;

/** What the emails and the families' pages say about an activity, beyond its row. */
export interface ActivityDetails {
  summary: ActivitySummaryForEmail;
  /** The plan's description (empty when the workflow did not answer). */
  description: string;
}

export function createPeopleMail(deps: PeopleMailDeps) {
  const store = deps.repos.store;
  const domain = deps.config.mail.from.email.split('@')[1] ?? 'localhost';

  const detailsCache = new Map<string, { at: number; key: string; details: ActivityDetails }>();

  /**
   * The activity's plan words: from the workflow (cached a minute per activity, and only an answer
   * is cached), else the row's. Keyed also on the row's title, times and stage, so a change the
   * row shows is never hidden behind an older answer.
   */
  async function activityDetails(activity: ActivityRef): Promise<ActivityDetails> {
    const key = `${activity.title}|${activity.startsAt}|${activity.endsAt}|${activity.stage}`;
    const hit = detailsCache.get(activity.id);
    if (hit && hit.key === key && Date.now() - hit.at < DETAILS_TTL_MS) return hit.details;
    const base: ActivitySummaryForEmail = {
      activityId: activity.id,
      title: activity.title,
      theme: '—',
      compound: activity.compound,
      startsAt: activity.startsAt,
      endsAt: activity.endsAt,
    };
    try {
      const status = await Promise.race([
        deps.client.workflow.getHandle(themedActivityWorkflowId(activity.id)).query(statusQuery),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('status query timed out')), STATUS_TIMEOUT_MS).unref()),
      ]);
      const p = status.plan;
      const venueName = status.venue?.venueName ?? (p.venue.kind === 'community' ? p.venue.venueName : undefined);
      const details: ActivityDetails = { summary: { ...base, theme: p.theme, ...(venueName ? { venueName } : {}) }, description: p.description ?? '' };
      if (detailsCache.size > 1000) detailsCache.clear();
      detailsCache.set(activity.id, { at: Date.now(), key, details });
      return details;
    } catch {
      // Not answering (no worker, a slow one): the row's words, kept briefly so a burst of page
      // views does not wait out the query's timeout once each.
      const fallback: ActivityDetails = { summary: base, description: '' };
      detailsCache.set(activity.id, { at: Date.now() - DETAILS_TTL_MS + FALLBACK_TTL_MS, key, details: fallback });
      return fallback;
    }
  }

  /** The activity as the emails show it: the plan (theme, venue) when the workflow answers, else the row. */
  async function activityForEmail(activity: ActivityRef): Promise<ActivitySummaryForEmail> {
    return (await activityDetails(activity)).summary;
  }

  async function deliver(key: string, activityId: string, recipient: Recipient, message: EmailMessage): Promise<'sent' | 'alreadySent' | 'pending'> {
    try {
      // A relay that turns it away leaves it to the worker's retrier (mail/email-retrier.ts), which
      // sends the same message later: the outbox records it, and the activity's page shows it.
      const outcome = await deliverRecorded(
        { store, mailer: deps.mailer, messageIdDomain: domain, retryDelaysMs: deps.config.mail.retryDelaysMs },
        {
          key,
          scopeId: activityId,
          purpose: message.purpose,
          recipient,
          render: () => deps.render(message, recipient.locale),
          attachments: () => emailAttachments(message),
          headers: { 'X-Activity-Id': activityId, 'X-Email-Purpose': message.purpose },
        },
      );
      if (outcome === 'sent' || outcome === 'alreadySent') return outcome;
      deps.logger.warn(`email ${outcome}`, { purpose: message.purpose, recipientKey: recipient.key });
      return 'pending';
    } catch (err) {
      // The outbox itself (the database) failed: nothing is recorded, so the caller learns it is pending.
      deps.logger.warn('email not sent; it stays pending in the outbox', { purpose: message.purpose, recipientKey: recipient.key, error: String(err) });
      return 'pending';
    }
  }

  function tally(outcomes: { key: string; outcome: 'sent' | 'alreadySent' | 'pending' }[]): MailOutcome {
    return {
      sent: outcomes.filter((o) => o.outcome === 'sent').length,
      alreadySent: outcomes.filter((o) => o.outcome === 'alreadySent').length,
      pending: outcomes.filter((o) => o.outcome === 'pending').map((o) => o.key),
    };
  }

  /** The outbox key of a family's confirmation: one per registration (a family that cancels and registers again is confirmed again). */
  const confirmationKey = (activityId: string, familyId: string, seq: number) =>
    emailKey({ workflowId: themedActivityWorkflowId(activityId), purpose: 'registrationConfirmed', recipientKey: `family:${familyId}`, round: `registration-${seq}` });

  /**
   * Confirms a family's place (status registered): its card as an inline QR image with the short
   * code, its own check-in link, its registration link (whose page offers cancel) and a calendar
   * file, all built now from ids. Once per registration; a send that failed stays pending and
   * goes out on the family's next visit to its page.
   */
  async function sendRegistrationConfirmation(activity: ActivityRef, familyId: string): Promise<'sent' | 'alreadySent' | 'pending' | 'notRegistered'> {
    const registration = await deps.repos.registrations().get(activity.id, familyId);
    const contact = await deps.repos.activities.registeredFamilyContact(activity.id, familyId);
    const qrToken = (await store.familyCardTokens([familyId])).get(familyId);
    if (!registration || registration.status !== 'registered' || !contact || !qrToken) return 'notRegistered';
    const { summary, description } = await activityDetails(activity);
    const person = { kind: 'family' as const, id: familyId };
    const base = deps.config.http.publicBaseUrl;
    const checkIn = signSelfServiceLink({ activityId: activity.id, step: 'checkIn', person, expiresAtMs: linkExpiry('checkIn', activity, deps.config) }, deps.linkSecret, base);
    const register = signSelfServiceLink({ activityId: activity.id, step: 'register', person, expiresAtMs: linkExpiry('register', activity, deps.config) }, deps.linkSecret, base);
    const compoundName = (await deps.repos.people.compoundName(activity.compound)) ?? activity.compound;
    const message: EmailMessage = {
      purpose: 'registrationConfirmed',
      activity: { ...summary, compound: compoundName },
      recipientName: contact.name,
      members: registration.members,
      description,
      card: { url: qrCardUrl(base, qrToken), code: cardCodeOf(qrToken) },
      checkInUrl: checkIn.url,
      checkInExpiresAt: checkIn.expiresAt,
      cancelUrl: register.url,
      calendar: {
        uid: `${activity.id}.${familyId}@${domain}`,
        stampedAt: registration.createdAt,
        location: summary.venueName ? `${summary.venueName}（${compoundName}）` : compoundName,
      },
    };
    const recipient: Recipient = { key: `family:${familyId}`, name: contact.name, email: contact.email, locale: contact.locale };
    return deliver(confirmationKey(activity.id, familyId, registration.seq), activity.id, recipient, message);
  }

  return {
    activityForEmail,
    activityDetails,

    sendRegistrationConfirmation,

    /** Whether a confirmation to this family is still waiting in the outbox (a send that failed): its page then sends it again. */
    async confirmationPending(activityId: string, familyId: string): Promise<boolean> {
      return (await deps.repos.activities.pendingRecipientKeys(activityId, 'registrationConfirmed')).includes(`family:${familyId}`);
    },

    /**
     * Tells each promoted family it has a place (and sends it the registration confirmation with
     * its card): once per (activity, family), whatever happens later. Also retries promotion
     * emails of this activity still pending from an earlier failure, to families that still hold
     * their place.
     */
    async sendWaitlistPromotions(activity: ActivityRef, promoted: Recipient[]): Promise<MailOutcome> {
      const workflowId = themedActivityWorkflowId(activity.id);
      const recipients = new Map<string, Recipient>(promoted.map((r) => [r.key, r]));
      const pendingKeys = await deps.repos.activities.pendingRecipientKeys(activity.id, 'waitlistPromoted');
      for (const key of pendingKeys) {
        if (recipients.has(key) || !key.startsWith('family:')) continue;
        const row = await deps.repos.activities.registeredFamilyContact(activity.id, key.slice('family:'.length));
        if (row) recipients.set(key, { key, name: row.name, email: row.email, locale: row.locale });
      }
      if (recipients.size === 0) return { sent: 0, alreadySent: 0, pending: [] };
      const summary = await activityForEmail(activity);
      const outcomes = [];
      for (const r of recipients.values()) {
        const key = emailKey({ workflowId, purpose: 'waitlistPromoted', recipientKey: r.key, round: 1 });
        const message: EmailMessage = { purpose: 'waitlistPromoted', activity: summary, recipientName: r.name };
        outcomes.push({ key: r.key, outcome: await deliver(key, activity.id, r, message) });
        // A family that now holds a place gets its confirmation too: its card, check-in link and calendar file.
        if (promoted.some((p) => p.key === r.key)) await sendRegistrationConfirmation(activity, r.key.slice('family:'.length));
      }
      return tally(outcomes);
    },

    /**
     * Sends families their personal registration link (the 'registrationOpen' email, whose button
     * is the link). Once per (activity, family, link expiry): a link re-issued after a reschedule
     * goes out again.
     */
    async sendRegistrationLinks(activity: ActivityRef, links: { recipient: Recipient; url: string; expiresAt: string }[]): Promise<MailOutcome> {
      const workflowId = themedActivityWorkflowId(activity.id);
      const summary = await activityForEmail(activity);
      const outcomes = [];
      for (const l of links) {
        const key = emailKey({ workflowId, purpose: 'registrationOpen', recipientKey: l.recipient.key, round: `link-${l.expiresAt}` });
        const message: EmailMessage = { purpose: 'registrationOpen', activity: summary, recipientName: l.recipient.name, registerUrl: l.url, linkExpiresAt: l.expiresAt };
        outcomes.push({ key: l.recipient.key, outcome: await deliver(key, activity.id, l.recipient, message) });
      }
      return tally(outcomes);
    },
  };
}

export type PeopleMail = ReturnType<typeof createPeopleMail>;
