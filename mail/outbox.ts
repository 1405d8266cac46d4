/**
 * The outbox's one rule, shared by every sender (workflow activities, the cycle, the digest, the
 * API's waitlist emails): claim the key, send with a Message-ID derived from it, mark it sent.
 * A retry after a crash finds the mark and sends nothing; a crash between SMTP acceptance and
 * the mark re-sends with the same Message-ID, which mail clients collapse.
 * A fan-out claims its rows in batches instead (`claimEmails`), each for one attempt with a lease,
 * so a retry running beside an attempt that is still sending never takes, and re-sends, its rows.
 */
import type { EmailAttachment, Mailer } from './mailer';
import type { Recipient } from '../domain/people';
import { messageIdFor } from './message-id';
import type { RenderedEmail } from './messages';

export interface EmailClaim {
  /** `send` the first time; `alreadySent` once `markEmailSent` recorded it. */
  outcome: 'send' | 'alreadySent';
}

/** One row of a batch claim. */
export interface EmailToClaim {
  key: string;
  activityId: string;
  purpose: string;
  recipientKey: string;
}

/** Who claims a batch, and until when no one else may take its rows. */
export interface ClaimHolder {
  /** The attempt: a later attempt has another owner, so it never takes a row a live attempt holds. */
  owner: string;
  /** ISO instant: after it, the rows this holder did not mark sent may be taken again. */
  leaseUntil: string;
}

/** What one batch claim found, each key in exactly one list. */
export interface BatchClaim {
  /** Now held by the claimant (new rows, its own earlier claims, lapsed leases): to be sent. */
  claimed: string[];
  /** Sent before, with the owner that sent them (null for a single claim's send). */
  sent: { key: string; owner: string | null }[];
  /** Held by another owner whose lease has not lapsed: that attempt may still be sending them. */
  held: { key: string; leaseUntil: string }[];
}

/** Where the outbox keeps its rows (the database's `email_outbox`). */
export interface OutboxStore {
  /** First writer gets `send`; after `markEmailSent`, everyone gets `alreadySent`. */
  claimEmail(key: string, meta: { activityId: string; purpose: string; recipientKey: string }): Promise<EmailClaim>;
  /**
   * Claims a batch in one statement: a new or unheld row, a row `holder.owner` holds already, or a
   * row whose lease lapsed becomes the holder's until `holder.leaseUntil`; a sent row never.
   */
  claimEmails(emails: readonly EmailToClaim[], holder: ClaimHolder): Promise<BatchClaim>;
  /** Gives back the rows `owner` holds and did not send (an attempt that stops early), so the next attempt need not wait for the lease. */
  releaseEmails(owner: string): Promise<void>;
  markEmailSent(key: string, messageId: string): Promise<void>;
}

export interface OutboxDeps {
  /** A single send needs only these two; the batch claims are for fan-outs. */
  store: Pick<OutboxStore, 'claimEmail' | 'markEmailSent'>;
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
  /** Its files, built only when the email is really to be sent (from ids: the outbox row stores none of them). */
  attachments?: () => Promise<EmailAttachment[]>;
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
  await sendClaimed(deps, email);
  return 'sent';
}

/** Sends an email whose row the caller claimed (`claimEmails`) and marks it sent. */
export async function sendClaimed(deps: OutboxDeps, email: OnceEmail): Promise<void> {
  const { recipient } = email;
  const rendered = email.render();
  const attachments = email.attachments ? await email.attachments() : [];
  const messageId = messageIdFor(email.key, deps.messageIdDomain);
  await deps.mailer.send({
    to: { name: recipient.name, email: recipient.email },
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    messageId,
    ...(email.headers ? { headers: email.headers } : {}),
    ...(attachments.length ? { attachments } : {}),
  });
  await deps.store.markEmailSent(email.key, messageId);
}
