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
import type { Logger } from '../http/errors';
import type { ActivityRef } from '../http/feature-routes';

export interface PeopleMailDeps {
  repos: Repositories;
  config: Config;
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

export function createPeopleMail(deps: PeopleMailDeps) {
  const store = deps.repos.store;
  const domain = deps.config.mail.from.email.split('@')[1] ?? 'localhost';

  /** The activity as the emails show it: the plan (theme, venue) when the workflow answers, else the row. */
  async function activityForEmail(activity: ActivityRef): Promise<ActivitySummaryForEmail> {
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
      return { ...base, theme: p.theme, ...(venueName ? { venueName } : {}) };
    } catch {
      return base;
    }
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

  return {
    activityForEmail,

    /**
     * Tells each promoted family it has a place: once per (activity, family), whatever happens
     * later. Also retries promotion emails of this activity still pending from an earlier failure,
     * to families that still hold their place.
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
        const message: EmailMessage = { purpose: 'registrationOpen', activity: summary, recipientName: l.recipient.name, registerUrl: l.url };
        outcomes.push({ key: l.recipient.key, outcome: await deliver(key, activity.id, l.recipient, message) });
      }
      return tally(outcomes);
    },
  };
}

export type PeopleMail = ReturnType<typeof createPeopleMail>;
