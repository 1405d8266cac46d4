/**
 * The JSON API on incubation cycles (孵化周期): start a cycle (a durable workflow), record its
 * milestones, read its progress and its report (JSON, or one table as CSV), record sponsorships.
 *
 * Each route is declared once with defineRoute (roles, schemas, handler): the router and the
 * OpenAPI document read the same declaration. The `by` of a
 * milestone comes from the caller's token. Property managers and grid workers see only cycles
 * that include their compound.
 */
import { z } from 'zod';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Config } from '../../config';
import type { StaffRole } from '../../domain/schemas';
import type { Repositories } from '../../db/repositories';
import { CYCLE_REPORT_TABLES, cycleReportTable } from '../../reports/cycle-report';
import { computeCycleEvaluation } from '../../reports/outcomes';
import { outcomesTable } from '../../reports/outcomes-table';
import { toCsv } from '../../lib/csv';
import { cycleProgressQuery } from '../../workflows/incubation-cycle.api';
import type { CycleProgress, CycleTimings } from '../../domain/cycle';
import type { StaffPrincipal } from '../http/auth';
import { defineRoute, type Route } from '../http/define-route';
import { staffById } from '../people/directory';
import { HttpError } from '../http/errors';
import { ErrorBody, Id } from '../activities/schemas';

/**
 * Defaults for a cycle's waits. Config has no keys for them yet; a cycle may set its own in the
 * start request (`timings`).
 */
export const CYCLE_TIMING_DEFAULTS: CycleTimings = {
  milestoneReminderBeforeMs: 3 * 86_400_000,
  milestoneEscalateAfterMs: 86_400_000,
  activityPollMs: 15 * 60_000,
};

// ---- request and response shapes ------------------------------------------------------------

export { RecordMilestoneBody, SponsorshipBody, StartCycleBody } from './schemas';
import { RecordMilestoneBody, SponsorshipBody, StartCycleBody } from './schemas';
import { createCycleService } from './service';

export const StartCycleResponse = z.object({
  cycleId: Id,
  workflowId: z.string(),
  progressUrl: z.url(),
  /** True when a cycle with this id existed already (status 200). */
  existing: z.boolean(),
});

export const ReportQuery = z
  .object({
    format: z.enum(['json', 'csv']).default('json'),
    table: z.enum([...CYCLE_REPORT_TABLES, 'outcomes']).optional().meta({ description: 'Required when format is csv: a CSV is one table (outcomes: the outcome evaluation, aggregates only).' }),
    /** Column headers of the CSV. */
    lang: z.enum(['zh-CN', 'en']).default('zh-CN'),
  })
  .refine((q) => q.format !== 'csv' || q.table !== undefined, { message: `a CSV is one table: ${[...CYCLE_REPORT_TABLES, 'outcomes'].join(', ')}`, path: ['table'] });

const CycleIdParam = z.object({ id: Id });
const MilestoneParams = z.object({ id: Id, milestoneId: Id });

/** Documentation of the progress query's answer (the workflow's TypeScript type is the source). */
export const CycleProgressDoc = z.looseObject({
  cycleId: z.string(),
  name: z.string(),
  phase: z.enum(['running', 'waitingForActivities', 'reporting', 'closed']),
  closed: z.boolean(),
  milestones: z.array(z.looseObject({ id: z.string(), name: z.string(), dueAt: z.string(), state: z.enum(['pending', 'done', 'overdue']) })),
  activities: z.array(z.looseObject({ activityId: z.string(), stage: z.string().optional(), executionStatus: z.string() })),
});

// ---- documented answers ---------------------------------------------------------------------

const ALL_STAFF: readonly StaffRole[] = ['propertyManager', 'gridWorker', 'coordinator', 'supervisor'];
const error = (description: string) => ({ description, schema: { name: 'Error', schema: ErrorBody } });
const common = {
  400: error('Invalid input: each field and why'),
  401: error('No bearer token, or an unknown one'),
  403: error('The token’s role is not admitted, or the cycle does not include your compound'),
  404: error('No cycle with this id'),
};

// ---- the routes ---------------------------------------------------------------------------

export interface CycleRoutesDeps {
  client: Client;
  config: Config;
  repos: Repositories;
  /** Defaults for the cycle's waits (default CYCLE_TIMING_DEFAULTS). */
  timings?: Partial<CycleTimings>;
}

/** A cycle's waits when its start request names none: the defaults, then config, then the deps'. */
export function cycleTimingDefaults(config: Config, timings?: Partial<CycleTimings>): CycleTimings {
  return { ...CYCLE_TIMING_DEFAULTS, ...config.cycleTimings, ...timings };
}

/** The incubation cycles' routes. */
export function cycleRoutes(deps: CycleRoutesDeps): Route[] {
  const { client, config, repos } = deps;
  const service = createCycleService({ client, config, repos, defaults: cycleTimingDefaults(config, deps.timings) });
  const { handleFor, cycleOr404 } = service;

  /** Property managers and grid workers see only cycles that include their compound. */
  async function assertCompound(staff: StaffPrincipal, compounds: readonly string[]): Promise<void> {
    if (staff.role !== 'propertyManager' && staff.role !== 'gridWorker') return;
    const own = staff.compound ?? (await staffById(repos, staff.staffId))?.compound_id ?? undefined;
    if (!own) throw new HttpError(403, 'Forbidden', 'No compound is on file for you; ask the coordinator to add one to your token or directory entry');
    if (!compounds.includes(own)) throw new HttpError(403, 'Forbidden', `This cycle covers ${compounds.join(', ')}; you serve ${own}`);
  }

  return [
    defineRoute({
      id: 'startCycle',
      method: 'post',
      path: '/api/cycles',
      summary: 'Start an incubation cycle (a durable workflow) with its milestones',
      roles: ['coordinator'],
      body: { name: 'StartCycleBody', schema: StartCycleBody },
      responses: {
        201: { description: 'Started', schema: { name: 'StartCycleResponse', schema: StartCycleResponse } },
        200: { description: 'A cycle with this id exists: its id', schema: { name: 'StartCycleResponse', schema: StartCycleResponse } },
        ...common,
        422: error('Someone the cycle needs is missing from the directory'),
      },
      talksToTemporal: true,
      async handler({ body, staff, res }) {
        const started = await service.startCycle(body, staff);
        res.status(started.existing ? 200 : 201).location(started.progressUrl).json(started);
      },
    }),
    defineRoute({
      id: 'getCycle',
      method: 'get',
      path: '/api/cycles/:id',
      summary: 'The cycle’s progress: milestones, its activities and their stages, whether it has closed',
      roles: ALL_STAFF,
      responses: { 200: { description: 'Progress', schema: { name: 'CycleProgress', schema: CycleProgressDoc } }, ...common },
      params: CycleIdParam,
      talksToTemporal: true,
      async handler({ params: { id }, staff, res }) {
        const cycle = await cycleOr404(id);
        await assertCompound(staff, cycle.compounds);
        let progress: CycleProgress;
        try {
          progress = await handleFor(id).query(cycleProgressQuery);
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) throw new HttpError(404, 'NotFound', `Cycle ${id} has no workflow`);
          throw err;
        }
        res.json(progress);
      },
    }),
    defineRoute({
      id: 'recordMilestone',
      method: 'post',
      path: '/api/cycles/:id/milestones/:milestoneId',
      summary: 'Record a milestone of the cycle as done',
      roles: ['coordinator', 'supervisor'],
      body: { name: 'RecordMilestoneBody', schema: RecordMilestoneBody },
      responses: {
        200: { description: 'The milestone as recorded' },
        ...common,
        404: error('No cycle with this id, or the cycle has no milestone with this id'),
        409: error('AlreadyDecided: recorded before (who, when); or StepClosed: the cycle has closed'),
        422: error('NotAllowed: a rule of the process forbids it'),
      },
      params: MilestoneParams,
      talksToTemporal: true,
      async handler({ params: { id, milestoneId }, body, staff, res }) {
        res.json(await service.recordMilestone(id, milestoneId, staff, body.notes));
      },
    }),
    defineRoute({
      id: 'getCycleReport',
      method: 'get',
      path: '/api/cycles/:id/report',
      summary: 'The cycle report: JSON (final once the cycle has closed, with the outcome evaluation computed now), or one table as CSV (?format=csv&table=…)',
      roles: ['coordinator'],
      query: ReportQuery,
      responses: { 200: { description: '{ final, report, evaluation }, or text/csv with a UTF-8 BOM' }, ...common },
      params: CycleIdParam,
      async handler({ params: { id }, query: q, res }) {
        await cycleOr404(id);
        const { final, report } = await repos.cycleRecords.cycleReport(id);
        // Outcome evaluation is computed from the answers now, never saved: a withdrawal leaves it at once.
        if (q.format === 'json') {
          res.json({ final, report, evaluation: await computeCycleEvaluation(repos.surveyRecords, id) });
          return;
        }
        const table = q.table ?? 'summary';
        res
          .status(200)
          .type('text/csv; charset=utf-8')
          .attachment(`cycle-${id}-${table}${final ? '' : '-provisional'}.csv`)
          .send(toCsv(table === 'outcomes' ? outcomesTable(await computeCycleEvaluation(repos.surveyRecords, id), q.lang) : cycleReportTable(report, table, q.lang)));
      },
    }),
    defineRoute({
      id: 'recordSponsorship',
      method: 'post',
      path: '/api/cycles/:id/sponsorships',
      summary: 'Record a merchant’s sponsorship of the cycle (CNY)',
      roles: ['coordinator'],
      body: { name: 'SponsorshipBody', schema: SponsorshipBody },
      responses: {
        201: { description: 'Recorded' },
        200: { description: 'Recorded before under this id' },
        ...common,
        409: error('StepClosed: the cycle’s report is final; or the id was used for other figures'),
        422: error('The merchant is not in the directory'),
      },
      params: CycleIdParam,
      async handler({ params: { id }, body, staff, res }) {
        const { sponsorship, created } = await service.recordSponsorship(id, body, staff);
        res.status(created ? 201 : 200).json(sponsorship);
      },
    }),
  ];
}
