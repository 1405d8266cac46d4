/**
 * The outbox's retrier: sends again, on each email's own schedule, what a relay turned away for
 * now (`retrying` rows, mail/outbox.ts deliverRecorded), with the message and Message-ID of the
 * first try, until it is sent or refused for good after the last retry. It runs in every worker
 * process on a timer; rows are claimed with a lease, so two workers never send one row at once.
 * Outside any workflow on purpose: one recipient's bad day must not hold up an activity's stage.
 */
import type { Mailer } from './mailer';
import { recordFailure, type OutboxStore } from './outbox';
import { every, type Periodic } from '../lib/every';

export interface EmailRetrierDeps {
  store: Pick<OutboxStore, 'claimDueRetries' | 'markEmailSent' | 'markEmailRetrying' | 'markEmailRefused'>;
  mailer: Mailer;
  /** This process, for the claim (a lapsed lease lets another take over after a crash). */
  owner: string;
  retryDelaysMs?: readonly number[];
  /** Epoch ms. */
  now?: () => number;
  /** Rows taken per round (default 50). */
  batch?: number;
  /** How long a claim holds (default 5 minutes: longer than a send's socket timeout). */
  leaseMs?: number;
}

export interface RetryRound {
  sent: number;
  retrying: number;
  refused: number;
}

/** One round: claims the due rows and tries each once. */
export async function retryDueEmails(deps: EmailRetrierDeps): Promise<RetryRound> {
  const now = deps.now?.() ?? Date.now();
  const due = await deps.store.claimDueRetries(
    { owner: deps.owner, leaseUntil: new Date(now + (deps.leaseMs ?? 5 * 60_000)).toISOString() },
    new Date(now).toISOString(),
    deps.batch ?? 50,
  );
  const round: RetryRound = { sent: 0, retrying: 0, refused: 0 };
  for (const row of due) {
    try {
      await deps.mailer.send(row.email);
    } catch (err) {
      round[await recordFailure(deps, row.key, err, row.email, row.attempts)]++;
      continue;
    }
    await deps.store.markEmailSent(row.key, row.email.messageId);
    round.sent++;
  }
  return round;
}

export type RunningRetrier = Periodic<RetryRound>;

/** Runs a round every `intervalMs` (one at a time) until stopped. Errors are logged, never thrown. */
export function startEmailRetrier(deps: EmailRetrierDeps & { intervalMs: number; onError?: (err: unknown) => void }): RunningRetrier {
  return every(deps.intervalMs, () => retryDueEmails(deps), deps.onError);
}
