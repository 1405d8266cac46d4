/** The report of a closed cycle, for the cycle tests. */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/types';
import type { CycleReport } from '../../domain/cycle-report';
import type { IncubationCycleResult } from '../../workflows/incubation-cycle';

/**
 * The report of a closed cycle: the workflow returns only the saved report's reference and its
 * headline figures (the report itself would outgrow Temporal's payload limit), so the report is
 * the saved one, and the headline must agree with it.
 */
export async function closedReport(db: Kysely<Database>, handle: { result(): Promise<IncubationCycleResult> }): Promise<CycleReport> {
  const result = await handle.result();
  expect(result).not.toHaveProperty('activities');
  const row = await db.selectFrom('cycle_reports').select('report_json').where('cycle_id', '=', result.cycleId).executeTakeFirstOrThrow();
  const report = JSON.parse(row.report_json) as CycleReport;
  expect(result).toEqual({
    cycleId: report.cycleId,
    asOf: report.asOf,
    headline: {
      held: report.activities.held.count,
      cancelled: report.activities.cancelled.count,
      rejected: report.activities.rejected.count,
      unfinished: report.activities.unfinished.count,
      participants: report.participants.total,
      families: report.families.distinct.count,
      volunteers: report.volunteers.distinct.count,
      sponsorshipCny: report.sponsorship.totalCny,
    },
  });
  return report;
}
