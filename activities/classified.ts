/**
 * Bounded, classified retries (issue 14): every activity the worker registers goes through this
 * one wrapper. An error no retry can fix — a service's typed refusal (db/ ServiceError: a missing
 * row, a step out of order, invalid input) or a zod parse error — becomes a non-retryable
 * ApplicationFailure naming its code, so the workflow learns at once instead of retrying for weeks;
 * everything else (the database or the relay down, a timeout) stays retryable, within the
 * attempts each workflow gives that activity.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { ZodError } from 'zod';
import { ServiceError } from '../db/util';

/** The failure to throw for `err`: non-retryable when no retry can fix it, else `err` itself. */
export function classify(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof ServiceError) return ApplicationFailure.nonRetryable(err.message, err.code);
  if (err instanceof ZodError) return ApplicationFailure.nonRetryable(`invalid input: ${err.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`, 'InvalidInput');
  return err;
}

type AnyFn = (...args: never[]) => Promise<unknown>;

/** The same activities, each classifying what it throws. */
export function classified<T extends Record<string, AnyFn>>(activities: T): T {
  const out: Record<string, AnyFn> = {};
  for (const [name, fn] of Object.entries(activities)) {
    out[name] = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        throw classify(err);
      }
    };
  }
  return out as T;
}
