/**
 * The audit trail of action-link decisions (table `action_audit`, migration 002): who (the
 * token's recipient), what, the outcome, the comment, when, from which IP and user agent.
 */
import type { Repositories } from '../../db/repositories';
import type { AuditEntry } from '../../db/repositories/audit';
import type { Logger } from '../http/errors';

export type { ActionAuditTable, AuditDatabase, AuditEntry, AuditOutcome } from '../../db/repositories/audit';

export function createAuditLog(repos: Repositories, now: () => number, logger: Logger) {
  return {
    /** Writes one row; a failure is logged, never shown to the person (the workflow keeps its own record). */
    async record(entry: AuditEntry): Promise<void> {
      try {
        await repos.audit.recordDecision(entry, new Date(now()).toISOString());
      } catch (err) {
        logger.error('could not write the action audit row', { workflowId: entry.workflowId, step: entry.step, error: String(err) });
      }
    },
  };
}
export type AuditLog = ReturnType<typeof createAuditLog>;
