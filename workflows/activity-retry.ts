/**
 * The retry policy every workflow's activity calls share. Mail servers and databases come back,
 * so a transient failure is retried with backoff for as long as the call's timeouts allow;
 * permanent failures are raised as non-retryable by the activities themselves.
 */
import type { RetryPolicy } from '@temporalio/workflow';

export const RETRY_WITH_BACKOFF: RetryPolicy = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' };

/**
 * Bounded: about half an hour of tries (1 s doubling to a minute, 30 attempts), enough to ride out
 * a database or relay restart; past it the workflow shows the step as needing attention and tries
 * it again hourly instead of retrying unseen for weeks. Failures no retry fixes (a service's typed
 * refusal, invalid input) are non-retryable and reach it at once (activities/classified.ts).
 */
export const BOUNDED_RETRY: RetryPolicy = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 30 };
