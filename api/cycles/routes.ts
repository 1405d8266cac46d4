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
import { text } from '../../domain/text';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { Config } from '../../config';
import { IsoInstant, describeIssues, type Actor, type StaffRole } from '../../domain/schemas';
import { AmountCny } from '../../db/services/cycles';
import type { Repositories } from '../../db/repositories';
import { CYCLE_REPORT_TABLES, cycleReportTable } from '../../reports/cycle-report';
import { toCsv } from '../../lib/csv';
import { cycleProgressQuery, recordMilestoneUpdate } from '../../workflows/incubation-cycle.api';
import { CycleTimings, IncubationCycleInput, Milestone, cyclePlanFields, incubationCycleWorkflowId, withCyclePlanRules, type CycleProgress } from '../../domain/cycle';
import { incubationCycleWorkflow } from '../../workflows/incubation-cycle';
import type { StaffPrincipal } from '../http/auth';
import { defineRoute, type Route } from '../http/define-route';
import { contactOf, firstStaff, staffById, type StaffRow } from '../people/directory';
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

export const StartCycleBody = withCyclePlanRules(
  z.strictObject({
    /** The cycle's id, e.g. `2025-1`: a repeated start with the same id finds the cycle already there. */
    id: Id,
    ...cyclePlanFields,
    /** 启动培训, 中期督导, 活动复盘, 经验分享, … with their due times. */
    milestones: z.array(z.strictObject(Milestone.shape)).max(50).default([]),
    /** Default: the first supervisor in the directory. */
    supervisorId: Id.optional(),
    /** Default: the caller. */
    coordinatorId: Id.optional(),
    /** Overrides of the defaults for this cycle. */
    timings: z.strictObject(CycleTimings.partial().shape).optional(),
  }),
);

export const StartCycleResponse = z.object({
  cycleId: Id,
  workflowId: z.string(),
  progressUrl: z.url(),
  /** True when a cycle with this id existed already (status 200). */
  existing: z.boolean(),
});

export const RecordMilestoneBody = z.strictObject({ notes: text().trim().max(2000).default('') });

export const SponsorshipBody = z.strictObject({
  /** Optional client-chosen id: repeating the request with it records nothing new. */
  id: Id.optional(),
  merchantId: Id,
  amountCny: AmountCny.meta({ description: 'CNY (yuan), at most two decimals (fen).' }),
  note: text().trim().max(2000).default(''),
});

export const ReportQuery = z
  .object({
    format: z.enum(['json', 'csv']).default('json'),
    table: z.enum(CYCLE_REPORT_TABLES).optional().meta({ description: 'Required when format is csv: a CSV is one table.' }),
    /** Column headers of the CSV. */
    lang: z.enum(['zh-CN', 'en']).default('zh-CN'),
  })
  .refine((q) => q.format !== 'csv' || q.table !== undefined, { message: `a CSV is one table: ${CYCLE_REPORT_TABLES.join(', ')}`, path: ['table'] });

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

function actorOf(staff: StaffPrincipal): Actor {
  return { id: staff.staffId, name: staff.name.trim().slice(0, 100) || staff.staffId, role: staff.role };
}

/** The incubation cycles' routes. */
export function cycleRoutes(deps: CycleRoutesDeps): Route[] {
  const { client, config, repos } = deps;
  const cycles = repos.cycles;
  const defaults: CycleTimings = { ...CYCLE_TIMING_DEFAULTS, ...config.cycleTimings, ...deps.timings };
  const handleFor = (cycleId: string): WorkflowHandle => client.workflow.getHandle(incubationCycleWorkflowId(cycleId));
  const progressUrl = (cycleId: string) => `${config.http.publicBaseUrl}/api/cycles/${encodeURIComponent(cycleId)}`;

  async function cycleOr404(cycleId: string) {
    const cycle = await cycles.get(cycleId);
    if (!cycle) throw new HttpError(404, 'NotFound', `No cycle ${cycleId}`);
    return cycle;
  }

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
        const missing: string[] = [];
        const pick = async (role: 'coordinator' | 'supervisor', id: string | undefined, field: string): Promise<StaffRow | undefined> => {
          const row = id ? await staffById(repos, id) : await firstStaff(repos, role);
          if (row?.role !== role) missing.push(id ? `staff ${id} (${field}) is not a ${role} in the directory` : `no ${role} in the directory`);
          return row;
        };
        const co = await pick('coordinator', body.coordinatorId ?? staff.staffId, body.coordinatorId ? 'coordinatorId' : 'your token');
        const su = await pick('supervisor', body.supervisorId, 'supervisorId');
        if (missing.length > 0 || !co || !su) {
          throw new HttpError(422, 'MissingDirectoryEntry', `Missing from the directory: ${missing.join('; ')}`, missing);
        }
        const parsed = IncubationCycleInput.safeParse({
          cycleId: body.id,
          name: body.name,
          periodStart: body.periodStart,
          periodEnd: body.periodEnd,
          compounds: body.compounds,
          coordinator: contactOf(co),
          supervisor: contactOf(su),
          milestones: body.milestones,
          timings: { ...defaults, ...body.timings },
        });
        if (!parsed.success) {
          const issues = describeIssues(parsed.error);
          throw new HttpError(422, 'InvalidInput', `The cycle cannot be started: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, issues);
        }
        const input = parsed.data;
        // The row first: the report and the compound checks read it, and the workflow's own
        // registration is then a no-op.
        await cycles.ensure(input);
        const workflowId = incubationCycleWorkflowId(input.cycleId);
        let existing = false;
        try {
          await client.workflow.start(incubationCycleWorkflow, {
            taskQueue: config.temporal.taskQueue,
            workflowId,
            args: [input],
            workflowIdConflictPolicy: 'FAIL',
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
          });
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          existing = true;
        }
        res
          .status(existing ? 200 : 201)
          .location(progressUrl(input.cycleId))
          .json({ cycleId: input.cycleId, workflowId, progressUrl: progressUrl(input.cycleId), existing });
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
        await cycleOr404(id);
        // A milestone the path names but the cycle does not have is not found, as an unknown cycle is.
        const known = (await cycles.milestones(id)).map((m) => m.milestoneId);
        if (!known.includes(milestoneId)) {
          throw new HttpError(404, 'NotFound', `Cycle ${id} has no milestone ${milestoneId} (known: ${known.join(', ') || 'none'})`);
        }
        const handle = handleFor(id);
        try {
          res.json(await handle.executeUpdate(recordMilestoneUpdate, { args: [{ milestoneId, by: actorOf(staff), notes: body.notes }] }));
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) {
            // An update on a finished workflow reports "not found": say that it has closed.
            const ended = await handle.describe().then(
              (d) => (d.status.name !== 'RUNNING' ? d.status.name : undefined),
              () => undefined,
            );
            if (ended) throw new HttpError(409, 'StepClosed', `The cycle has closed (${ended.toLowerCase()})`);
            throw new HttpError(404, 'NotFound', `Cycle ${id} has no workflow`);
          }
          throw err;
        }
      },
    }),
    defineRoute({
      id: 'getCycleReport',
      method: 'get',
      path: '/api/cycles/:id/report',
      summary: 'The cycle report: JSON (final once the cycle has closed), or one table as CSV (?format=csv&table=…)',
      roles: ['coordinator'],
      query: ReportQuery,
      responses: { 200: { description: '{ final, report }, or text/csv with a UTF-8 BOM' }, ...common },
      params: CycleIdParam,
      async handler({ params: { id }, query: q, res }) {
        await cycleOr404(id);
        const { final, report } = await repos.cycleRecords.cycleReport(id);
        if (q.format === 'json') {
          res.json({ final, report });
          return;
        }
        const table = q.table ?? 'summary';
        res
          .status(200)
          .type('text/csv; charset=utf-8')
          .attachment(`cycle-${id}-${table}${final ? '' : '-provisional'}.csv`)
          .send(toCsv(cycleReportTable(report, table, q.lang)));
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
        const { sponsorship, created } = await cycles.recordSponsorship({
          ...(body.id ? { id: body.id } : {}),
          cycleId: id,
          merchantId: body.merchantId,
          amountCny: body.amountCny,
          note: body.note,
          recordedBy: staff.staffId,
        });
        res.status(created ? 201 : 200).json(sponsorship);
      },
    }),
  ];
}
