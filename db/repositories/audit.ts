/**
 * The audit trail of action-link decisions (table `action_audit`, migration 002): who (the
 * token's recipient), what, the outcome, the comment, when, from which IP and user agent.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../types';

export type AuditOutcome = 'recorded' | 'alreadyDecided' | 'stepClosed' | 'invalid';

export interface ActionAuditTable {
  id: string;
  workflow_id: string;
  step: string;
  round: number;
  recipient_key: string;
  action: string;
  outcome: AuditOutcome;
  comment: string;
  ip: string | null;
  user_agent: string | null;
  created_at: string;
}

export type AuditDatabase = Database & { action_audit: ActionAuditTable };

export interface AuditEntry {
  workflowId: string;
  step: string;
  round: number;
  recipientKey: string;
  action: string;
  outcome: AuditOutcome;
  comment: string;
  ip: string | undefined;
  userAgent: string | undefined;
}

export class AuditRepository {
  private readonly db: Kysely<AuditDatabase>;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<{ action_audit: ActionAuditTable }>();
  }

  /** Inserts one audit row at `createdAt` (ISO), cutting long fields to their column's size. */
  async recordDecision(entry: AuditEntry, createdAt: string): Promise<void> {
    await this.db
      .insertInto('action_audit')
      .values({
        id: randomUUID(),
        workflow_id: entry.workflowId,
        step: entry.step,
        round: entry.round,
        recipient_key: entry.recipientKey,
        action: entry.action.slice(0, 64),
        outcome: entry.outcome,
        comment: entry.comment.slice(0, 2000),
        ip: entry.ip?.slice(0, 100) ?? null,
        user_agent: entry.userAgent?.slice(0, 500) ?? null,
        created_at: createdAt,
      })
      .execute();
  }

  /** The decisions one recipient's links recorded at `step`, newest first: what they decided, when. */
  async recordedBy(recipientKey: string, step: string, limit: number): Promise<Pick<ActionAuditTable, 'workflow_id' | 'round' | 'action' | 'comment' | 'created_at'>[]> {
    return this.db
      .selectFrom('action_audit')
      .select(['workflow_id', 'round', 'action', 'comment', 'created_at'])
      .where('recipient_key', '=', recipientKey)
      .where('step', '=', step)
      .where('outcome', '=', 'recorded')
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute();
  }
}
