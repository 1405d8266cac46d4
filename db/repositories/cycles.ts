/** Incubation cycles as the dashboard lists them, and the cycle report (saved, or computed now). */
import type { Kysely } from 'kysely';
import { loadCycleReport, type CycleReport } from '../../reports/cycle-report';
import type { CyclesTable, Database } from '../types';

export class CycleRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The newest cycles by period start (then id), at most `limit`. */
  async recentCycles(limit: number): Promise<CyclesTable[]> {
    return this.db.selectFrom('cycles').selectAll().orderBy('period_start', 'desc').orderBy('id').limit(limit).execute();
  }

  /** The cycle's report: the saved one (final) once the cycle is closed, else computed now. Throws CycleError CYCLE_NOT_FOUND. */
  async cycleReport(cycleId: string): Promise<{ final: boolean; report: CycleReport }> {
    return loadCycleReport(this.db, cycleId);
  }
}
