/**
 * Activities as their workflows record them in the read model (migration 017): the row and the
 * status each workflow writes with it, through the real store. For tests that need many open
 * activities without running as many workflows.
 */
import type { Kysely } from 'kysely';
import { SqlActivityStore } from '../../db/store';
import type { Database } from '../../db/types';
import type { ActivityStatus, PendingAction, Stage } from '../../domain/activity';

export interface SeededActivity {
  activityId: string;
  cycleId: string;
  compound: string;
  title: string;
  startsAt: string;
  stage: Stage;
  pending?: PendingAction;
}

/** The status a workflow at `stage` waiting on `pending` answers (and writes to its row). */
export function statusOf(a: SeededActivity): ActivityStatus {
  const endsAt = new Date(Date.parse(a.startsAt) + 2 * 3_600_000).toISOString();
  return {
    activityId: a.activityId,
    cycleId: a.cycleId,
    compound: a.compound,
    stage: a.stage,
    plan: {
      title: a.title,
      theme: '邻里节',
      compound: a.compound,
      description: '',
      startsAt: a.startsAt,
      endsAt,
      capacity: 40,
      venue: { kind: 'community', venueName: '社区活动室', hours: 3 },
      volunteersNeeded: 0,
      pointsRules: { attendance: 10, perVolunteerHour: 5 },
      budget: 0,
    } as ActivityStatus['plan'],
    planVersion: 1,
    stages: [{ stage: a.stage, startedAt: new Date(Date.parse(a.startsAt) - 5 * 86_400_000).toISOString() }],
    ...(a.pending ? { pending: a.pending } : {}),
    decisions: [],
    approvalRound: a.stage === 'approval' ? 1 : 0,
    approvalEscalated: false,
    counts: { approvalRounds: a.stage === 'approval' ? 1 : 0, merchantsAsked: 0, remindersSent: 0, emailsSent: 1, emailFailures: 0 },
  };
}

/** Writes each activity's row with its status, as `recordActivity` does (write number 1). */
export async function seedReadModel(db: Kysely<Database>, activities: readonly SeededActivity[]): Promise<void> {
  const store = new SqlActivityStore(db);
  for (const a of activities) {
    const status = statusOf(a);
    await store.upsertActivity({
      activityId: a.activityId,
      cycleId: a.cycleId,
      compound: a.compound,
      title: a.title,
      startsAt: a.startsAt,
      endsAt: status.plan.endsAt,
      capacity: 40,
      stage: a.stage,
      status,
      statusSeq: 1,
    });
  }
}

/** `n` activities of one cycle waiting for their grid worker's approval, due one minute apart. */
export function waitingApprovals(n: number, o: { prefix: string; cycleId: string; compound: string; gridWorkerId: string; firstDueMs: number }): SeededActivity[] {
  return Array.from({ length: n }, (_, i) => ({
    activityId: `${o.prefix}-${String(i).padStart(4, '0')}`,
    cycleId: o.cycleId,
    compound: o.compound,
    title: `楼道美化 ${o.prefix} ${i}`,
    startsAt: new Date(o.firstDueMs + 10 * 86_400_000 + i * 60_000).toISOString(),
    stage: 'approval' as const,
    pending: { role: 'gridWorker' as const, actorId: o.gridWorkerId, action: 'decideApproval' as const, dueAt: new Date(o.firstDueMs + i * 60_000).toISOString() },
  }));
}
