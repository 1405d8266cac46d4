/**
 * The outbox's one rule, shared by every sender (workflow activities, the cycle, the digest, the
 * API's own emails): claim the key with a lease, keep the message in the row, send it with a
 * Message-ID derived from the key, mark it sent the moment the relay answers. A retry after a
 * crash finds the mark and sends nothing; a sender that died before the mark leaves its message
 * for the retrier once the lease lapses; only a crash between the relay's answer and the mark
 * re-sends, with the same Message-ID, which mail clients collapse.
 * A fan-out claims its rows in batches instead (`claimEmails`), each for one attempt with a lease,
 * so a retry running beside an attempt that is still sending never takes, and re-sends, its rows.
 * A send the relay turns away is recorded, not thrown (`deliverRecorded`): `retrying` with the
 * message kept for the worker's retrier (mail/email-retrier.ts), or `refused` for good.
 */
import { randomUUID } from 'node:crypto';
import { PermanentMailError, type EmailAttachment, type Mailer, type OutgoingEmail } from './mailer';
import type { Recipient } from '../domain/people';
import { messageIdFor } from './message-id';
import type { RenderedEmail } from './messages';

export interface EmailClaim {
  /**
   * `send`: the claim is the caller's until its lease ends; `alreadySent` once `markEmailSent`
   * recorded it; `held`: another sender's live claim has it (that sender, or after its lease the
   * retrier, sends it).
   */
  outcome: 'send' | 'alreadySent' | 'held';
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
  /** Claims one email for `holder` (see EmailClaim): one statement, so concurrent claims get one `send`. */
  claimEmail(key: string, meta: { activityId: string; purpose: string; recipientKey: string }, holder: ClaimHolder): Promise<EmailClaim>;
  /**
   * Keeps the message of a row `owner` claimed, before it goes to the relay: if the sender dies
   * before marking it, the retrier sends this copy once the lease lapses.
   */
  parkEmail(key: string, owner: string, email: OutgoingEmail): Promise<void>;
  /**
   * Claims a batch in one statement: a new or unheld row, a row `holder.owner` holds already, or a
   * row whose lease lapsed becomes the holder's until `holder.leaseUntil`; a sent row never.
   */
  claimEmails(emails: readonly EmailToClaim[], holder: ClaimHolder): Promise<BatchClaim>;
  /** Gives back the rows `owner` holds and did not send (an attempt that stops early), so the next attempt need not wait for the lease. */
  releaseEmails(owner: string): Promise<void>;
  markEmailSent(key: string, messageId: string): Promise<void>;
  /** A send the relay refused for now: counts the attempt, keeps the message for the retry, frees the claim. */
  markEmailRetrying(key: string, failure: { error: string; nextAttemptAt: string; email: OutgoingEmail }): Promise<void>;
  /** Refused for good (or out of retries): counts the attempt, keeps the reason, frees the claim. */
  markEmailRefused(key: string, error: string): Promise<void>;
  /** Claims retrying rows whose next attempt is due (unheld or lapsed), up to `limit`, for `holder`. */
  claimDueRetries(holder: ClaimHolder, now: string, limit: number): Promise<DueRetry[]>;
}

/** A retrying email due again, as claimDueRetries hands it over. */
export interface DueRetry {
  key: string;
  /** Failed sends so far. */
  attempts: number;
  email: OutgoingEmail;
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
  /**
   * Its files, built only when the email is really to be sent (from ids: never in workflow
   * history). A send the relay turns away keeps them with the rendered message in the outbox row,
   * so the retry sends exactly what the first try did.
   */
  attachments?: () => Promise<EmailAttachment[]>;
  headers?: Record<string, string>;
}

async function outgoingOf(deps: { messageIdDomain: string }, email: OnceEmail): Promise<OutgoingEmail> {
  const rendered = email.render();
  const attachments: EmailAttachment[] = email.attachments ? await email.attachments() : [];
  return {
    to: { name: email.recipient.name, email: email.recipient.email },
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    messageId: messageIdFor(email.key, deps.messageIdDomain),
    ...(email.headers ? { headers: email.headers } : {}),
    ...(attachments.length ? { attachments } : {}),
  };
}

// ---- delivery outcomes: one recipient never holds up the rest ---------------------------------

/** How long to wait after the 1st, 2nd, … failed send; after the last, the email is refused. */
export const DEFAULT_EMAIL_RETRY_DELAYS_MS: readonly number[] = [60_000, 5 * 60_000, 15 * 60_000, 60 * 60_000, 3 * 60 * 60_000];

export type Delivery = 'sent' | 'alreadySent' | 'retrying' | 'refused';

/** A single send as a workflow counts it: `queued` for one the retrier sends later, `failed` for one refused for good. */
export type SendOutcome = 'sent' | 'alreadySent' | 'queued' | 'failed';

export function sendOutcomeOf(delivery: Delivery): SendOutcome {
  if (delivery === 'retrying') return 'queued';
  if (delivery === 'refused') return 'failed';
  return delivery;
}

export interface DeliveryDeps {
  store: Pick<OutboxStore, 'claimEmail' | 'parkEmail' | 'markEmailSent' | 'markEmailRetrying' | 'markEmailRefused'>;
  mailer: Mailer;
  messageIdDomain: string;
  retryDelaysMs?: readonly number[];
  /** Epoch ms. */
  now?: () => number;
}

/**
 * How long a single send's claim holds: longer than the relay's connect, greeting and socket
 * timeouts together (mail/smtp-mailer.ts: 10 + 10 + 30 s), so a live sender never loses its row to
 * the retrier; short enough that a row whose sender died goes out a minute or two later.
 */
export const SINGLE_SEND_LEASE_MS = 90_000;

/**
 * Sends `email` once and records what became of it instead of throwing the relay's error:
 * `retrying` (a temporary refusal or an unreachable relay: the retrier sends the same message again
 * later) or `refused` (for good). Unless the caller claimed the row in a batch (`claimed`), the row
 * is claimed here with a lease and the message parked in it before it goes to the relay: a process
 * that dies before the mark leaves a row the retrier sends, with the same Message-ID, once the
 * lease lapses. A row another sender holds answers `retrying` (it is on its way, not confirmed).
 * The store's own errors still throw: without its record the caller must retry.
 */
export async function deliverRecorded(deps: DeliveryDeps, email: OnceEmail, claimed = false): Promise<Delivery> {
  let owner: string | undefined;
  if (!claimed) {
    owner = `send:${randomUUID()}`;
    const leaseUntil = new Date((deps.now?.() ?? Date.now()) + SINGLE_SEND_LEASE_MS).toISOString();
    const claim = await deps.store.claimEmail(email.key, { activityId: email.scopeId, purpose: email.purpose, recipientKey: email.recipient.key }, { owner, leaseUntil });
    if (claim.outcome === 'alreadySent') return 'alreadySent';
    if (claim.outcome === 'held') return 'retrying';
  }
  const outgoing = await outgoingOf(deps, email);
  if (owner) await deps.store.parkEmail(email.key, owner, outgoing);
  try {
    await deps.mailer.send(outgoing);
  } catch (err) {
    return recordFailure(deps, email.key, err, outgoing, 0);
  }
  await deps.store.markEmailSent(email.key, outgoing.messageId);
  return 'sent';
}

/**
 * Queues a claimed email for the retrier without trying the relay now: after a run of failures
 * in one fan-out the relay is down, and trying each of a few hundred more (each up to the socket
 * timeout) would hold up the stage for nothing.
 */
export async function deferDelivery(
  deps: { store: Pick<OutboxStore, 'markEmailRetrying'>; messageIdDomain: string; retryDelaysMs?: readonly number[]; now?: () => number },
  email: OnceEmail,
  reason: string,
): Promise<'retrying'> {
  const delay = (deps.retryDelaysMs ?? DEFAULT_EMAIL_RETRY_DELAYS_MS)[0] ?? 60_000;
  const now = deps.now?.() ?? Date.now();
  await deps.store.markEmailRetrying(email.key, { error: reason, nextAttemptAt: new Date(now + delay).toISOString(), email: await outgoingOf(deps, email) });
  return 'retrying';
}

/** Records a failed send after `attemptsBefore` earlier failures: retry later, or refuse for good. */
export async function recordFailure(
  deps: { store: Pick<OutboxStore, 'markEmailRetrying' | 'markEmailRefused'>; retryDelaysMs?: readonly number[]; now?: () => number },
  key: string,
  err: unknown,
  outgoing: OutgoingEmail,
  attemptsBefore: number,
): Promise<'retrying' | 'refused'> {
  const reason = err instanceof Error ? err.message : String(err);
  const delays = deps.retryDelaysMs ?? DEFAULT_EMAIL_RETRY_DELAYS_MS;
  if (err instanceof PermanentMailError) {
    await deps.store.markEmailRefused(key, reason);
    return 'refused';
  }
  const delay = delays[attemptsBefore];
  if (delay === undefined) {
    await deps.store.markEmailRefused(key, `gave up after ${attemptsBefore + 1} attempts: ${reason}`);
    return 'refused';
  }
  const now = deps.now?.() ?? Date.now();
  await deps.store.markEmailRetrying(key, { error: reason, nextAttemptAt: new Date(now + delay).toISOString(), email: outgoing });
  return 'retrying';
}
