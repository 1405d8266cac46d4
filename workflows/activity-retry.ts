/**
 * The retry policy every workflow's activity calls share. Mail servers and databases come back,
 * so a transient failure is retried with backoff for as long as the call's timeouts allow;
 * permanent failures are raised as non-retryable by the activities themselves.
 */
import type { RetryPolicy } from '@temporalio/workflow';

export const RETRY_WITH_BACKOFF: RetryPolicy = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' };
