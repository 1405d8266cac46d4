/** Incubation cycles as the dashboard lists them, and the cycle report (saved, or computed now). */
import type { Kysely } from 'kysely';
import type { CycleReport } from '../../domain/cycle-report';
import type { ReportPeriod, YearReport } from '../../domain/year-report';
import type { CyclesTable, Database } from '../types';

/**
 * Reads a cycle's report: the saved (final) one once the cycle has closed, else one computed now.
 * reports/ computes it above this layer; the entry point hands it in (`createRepositories(db, { loadCycleReport })`).
 */
export type CycleReportLoader = (cycleId: string) => Promise<{ final: boolean; report: CycleReport }>;

/** Computes the year report of a period (reports/year-report.ts), handed in as the cycle report's loader is. */
export type YearReportLoader = (period: ReportPeriod) => Promise<YearReport>;

export class CycleRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly loadReport: CycleReportLoader,
    private readonly loadYearReport?: YearReportLoader,
  ) {}

  /** The newest cycles by period start (then id), at most `limit`. */
  async recentCycles(limit: number): Promise<CyclesTable[]> {
    return this.db.selectFrom('cycles').selectAll().orderBy('period_start', 'desc').orderBy('id').limit(limit).execute();
  }

  /** The cycle's report: the saved one (final) once the cycle is closed, else computed now. Throws CycleError CYCLE_NOT_FOUND. */
  async cycleReport(cycleId: string): Promise<{ final: boolean; report: CycleReport }> {
    return this.loadReport(cycleId);
  }

  /** The year report of `period`, computed now from the records. */
  async yearReport(period: ReportPeriod): Promise<YearReport> {
    if (!this.loadYearReport) throw new Error('the year report is not wired in: createRepositories(db, reportDeps(db))');
    return this.loadYearReport(period);
  }
}
