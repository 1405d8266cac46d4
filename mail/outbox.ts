/**
 * The outbox's one rule, shared by every sender (workflow activities, the cycle, the digest, the
 * API's waitlist emails): claim the key, send with a Message-ID derived from it, mark it sent.
 * A retry after a crash finds the mark and sends nothing; a crash between SMTP acceptance and
 * the mark re-sends with the same Message-ID, which mail clients collapse.
 */
import type { Mailer } from './mailer';
import type { Recipient } from '../domain/people';
import { messageIdFor } from './message-id';
import type { RenderedEmail } from './messages';

export interface EmailClaim {
  /** `send` the first time; `alreadySent` once `markEmailSent` recorded it. */
  outcome: 'send' | 'alreadySent';
}

/** Where the outbox keeps its rows (the database's `email_outbox`). */
export interface OutboxStore {
  /** First writer gets `send`; after `markEmailSent`, everyone gets `alreadySent`. */
  claimEmail(key: string, meta: { activityId: string; purpose: string; recipientKey: string }): Promise<EmailClaim>;
  markEmailSent(key: string, messageId: string): Promise<void>;
}

export interface OutboxDeps {
  store: OutboxStore;
  mailer: Mailer;
  messageIdDomain: string;
}

export interface OnceEmail {
  /** emailKey({ workflowId, purpose, recipientKey, round }) */
  key: string;
  /** The activity (or workflow) the outbox row belongs to. */
  scopeId: string;
  purpose: string;
  recipient: Recipient;
  /** Called only when the email is really to be sent. */
  render: () => RenderedEmail;
  headers?: Record<string, string>;
}

/**
 * Sends `email` unless its key was sent before. The mailer's errors pass through unchanged
 * (PermanentMailError or a transient one): what to do about them is each caller's policy.
 */
export async function sendOnce(deps: OutboxDeps, email: OnceEmail): Promise<'sent' | 'alreadySent'> {
  const { recipient } = email;
  const claim = await deps.store.claimEmail(email.key, { activityId: email.scopeId, purpose: email.purpose, recipientKey: recipient.key });
  if (claim.outcome === 'alreadySent') return 'alreadySent';
  const rendered = email.render();
  const messageId = messageIdFor(email.key, deps.messageIdDomain);
  await deps.mailer.send({
    to: { name: recipient.name, email: recipient.email },
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    messageId,
    ...(email.headers ? { headers: email.headers } : {}),
  });
  await deps.store.markEmailSent(email.key, messageId);
  return 'sent';
}
