/**
 * What the cycle routes do, as functions the JSON routes (routes.ts) and the dashboard's forms
 * (pages.ts) both call: start a cycle with its milestones, record a milestone as done, record a
 * sponsorship. Failures are HttpErrors (the routes send them as JSON; the pages show them).
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { z } from 'zod';
import type { Config } from '../../config';
import type { Repositories } from '../../db/repositories';
import { IncubationCycleInput, incubationCycleWorkflowId, type CycleTimings, type MilestoneProgress } from '../../domain/cycle';
import { describeIssues, type Actor, type StaffRole } from '../../domain/schemas';
import { recordMilestoneUpdate } from '../../workflows/incubation-cycle.api';
import { incubationCycleWorkflow } from '../../workflows/incubation-cycle';
import { HttpError } from '../http/errors';
import { contactOf, firstStaff, staffById, type StaffRow } from '../people/directory';
import type { SponsorshipBody, StartCycleBody } from './schemas';

/** Who acts: a token's staff principal or a dashboard session. */
export interface CycleActor {
  staffId: string;
  name: string;
  role: StaffRole;
}

export interface CycleServiceDeps {
  client: Client;
  config: Config;
  repos: Repositories;
  /** The cycle's waits when the request names none. */
  defaults: CycleTimings;
}

export interface StartedCycle {
  cycleId: string;
  workflowId: string;
  progressUrl: string;
  /** True when a cycle with this id existed already. */
  existing: boolean;
}

function actorOf(staff: CycleActor): Actor {
  return { id: staff.staffId, name: staff.name.trim().slice(0, 100) || staff.staffId, role: staff.role };
}

export function createCycleService(deps: CycleServiceDeps) {
  const { client, config, repos, defaults } = deps;
  const cycles = repos.cycles;
  const handleFor = (cycleId: string): WorkflowHandle => client.workflow.getHandle(incubationCycleWorkflowId(cycleId));
  const progressUrl = (cycleId: string) => `${config.http.publicBaseUrl}/api/cycles/${encodeURIComponent(cycleId)}`;

  async function cycleOr404(cycleId: string) {
    const cycle = await cycles.get(cycleId);
    if (!cycle) throw new HttpError(404, 'NotFound', `No cycle ${cycleId}`);
    return cycle;
  }

  return {
    handleFor,
    progressUrl,
    cycleOr404,

    /** Starts the cycle's workflow (its row first); a cycle with this id already there is found, not started again. */
    async startCycle(body: z.output<typeof StartCycleBody>, staff: CycleActor): Promise<StartedCycle> {
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
      // Outcome evaluation's questionnaires must exist before anything is recorded.
      const surveys = repos.surveys();
      for (const field of ['surveyQuestionnaireId', 'baselineQuestionnaireId'] as const) {
        const id = body[field];
        if (id !== undefined && !(await surveys.questionnaireExists(id))) {
          throw new HttpError(400, 'InvalidInput', `Invalid input: ${field}: no questionnaire ${id}`, [{ field, message: `no questionnaire ${id}` }]);
        }
      }
      // The row first: the report and the compound checks read it, and the workflow's own
      // registration is then a no-op.
      await cycles.ensure(input);
      if (body.surveyQuestionnaireId !== undefined || body.baselineQuestionnaireId !== undefined) {
        // Rounds are data: the baseline and end rounds are written here and opened by the worker's survey sweeper.
        await surveys.setCycleQuestionnaires(
          input.cycleId,
          { ...(body.surveyQuestionnaireId !== undefined ? { surveyQuestionnaireId: body.surveyQuestionnaireId } : {}), ...(body.baselineQuestionnaireId !== undefined ? { baselineQuestionnaireId: body.baselineQuestionnaireId } : {}) },
          config.surveys,
        );
      }
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
      return { cycleId: input.cycleId, workflowId, progressUrl: progressUrl(input.cycleId), existing };
    },

    /** Records a milestone as done, by `staff`; the workflow's refusals (already done, closed) come through as they are. */
    async recordMilestone(cycleId: string, milestoneId: string, staff: CycleActor, notes: string): Promise<MilestoneProgress> {
      await cycleOr404(cycleId);
      // A milestone the path names but the cycle does not have is not found, as an unknown cycle is.
      const known = (await cycles.milestones(cycleId)).map((m) => m.milestoneId);
      if (!known.includes(milestoneId)) {
        throw new HttpError(404, 'NotFound', `Cycle ${cycleId} has no milestone ${milestoneId} (known: ${known.join(', ') || 'none'})`);
      }
      const handle = handleFor(cycleId);
      try {
        return await handle.executeUpdate(recordMilestoneUpdate, { args: [{ milestoneId, by: actorOf(staff), notes }] });
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) {
          // An update on a finished workflow reports "not found": say that it has closed.
          const ended = await handle.describe().then(
            (d) => (d.status.name !== 'RUNNING' ? d.status.name : undefined),
            () => undefined,
          );
          if (ended) throw new HttpError(409, 'StepClosed', `The cycle has closed (${ended.toLowerCase()})`);
          throw new HttpError(404, 'NotFound', `Cycle ${cycleId} has no workflow`);
        }
        throw err;
      }
    },

    /** Records a merchant's sponsorship of the cycle; repeating it under the same id records nothing new. */
    recordSponsorship(cycleId: string, body: z.output<typeof SponsorshipBody>, staff: CycleActor) {
      return cycles.recordSponsorship({
        ...(body.id ? { id: body.id } : {}),
        cycleId,
        merchantId: body.merchantId,
        amountCny: body.amountCny,
        note: body.note,
        recordedBy: staff.staffId,
      });
    },
  };
}

export type CycleService = ReturnType<typeof createCycleService>;
