/** The reports' entry: what composition roots hand to the repositories (see db/repositories). */
import type { Kysely } from 'kysely';
import type { Database } from '../db/types';
import type { RepositoryDeps } from '../db/repositories';
import type { CycleReport } from '../domain/cycle-report';
import { loadCycleReport } from './cycle-report';
import { computeYearReport } from './year-report';
import { yearOutcomes } from './year-outcomes';

export function reportDeps(db: Kysely<Database>): RepositoryDeps {
  return {
    loadCycleReport: sharedWhileComputing((cycleId) => loadCycleReport(db, cycleId)),
    loadYearReport: (period) => computeYearReport(db, period, { outcomes: yearOutcomes }),
  };
}

type ReportLoader = (cycleId: string) => Promise<{ final: boolean; report: CycleReport }>;

/**
 * Requests for a cycle's report while one is being computed share that computation: the report
 * page and its seven CSV links opened together cost one report of an open cycle, not eight. Nothing
 * is kept once it is done, so a request arriving later sees the records as they are then.
 */
function sharedWhileComputing(load: ReportLoader): ReportLoader {
  const inFlight = new Map<string, ReturnType<ReportLoader>>();
  return (cycleId) => {
    const running = inFlight.get(cycleId);
    if (running) return running;
    const started = load(cycleId).finally(() => inFlight.delete(cycleId));
    inFlight.set(cycleId, started);
    return started;
  };
}
