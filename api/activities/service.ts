/**
 * What the activity routes and the staff pages both do: start an activity from a plan, revise its
 * plan, move it, cancel it. The directory lookups, the candidate merchants read from the
 * directory, the plan checks and the workflow's start or update live here once, so a form on a
 * page and a JSON request meet the same rules and the same errors (HttpError, with `details`
 * naming each field).
 */
import { createHash } from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { z } from 'zod';
import type { Config } from '../../config';
import type { Repositories } from '../../db/repositories';
import { themedActivityWorkflowId, type ActivityStatus } from '../../domain/activity';
import { ThemedActivityInput, describeIssues, type Actor, type Plan } from '../../domain/schemas';
import { themedActivityWorkflow } from '../../workflows';
import { ActivityStageKey, ActivityStartsAtKey, CompoundKey, CycleIdKey } from '../../workflows/search-attributes';
import { cancelUpdate, rescheduleUpdate, revisePlanUpdate, statusQuery } from '../../workflows/themed-activity.api';
import type { StaffPrincipal } from '../http/auth';
import { HttpError } from '../http/errors';
import { contactOf, deactivatedRecipients, firstStaff, staffById, type StaffRow } from '../people/directory';
import { planFromDirectory } from './candidate-merchants';
import { assertNewPlanAcceptable, assertRescheduleAcceptable, assertRevisedPlanAcceptable } from './plan-checks';
import type { CancelBody, RescheduleBody, RevisePlanBody, StartActivityBody } from './schemas';

export interface ActivityServiceDeps {
  client: Client;
  config: Config;
  repos: Repositories;
}

/** What a start answers: the activity's id and whether it existed already (same business key). */
export interface StartedActivity {
  activityId: string;
  workflowId: string;
  existing: boolean;
}

/**
 * The activity id for a business key: the same cycle, compound, title and start always give the
 * same id, so a repeated start finds the workflow already there instead of starting a second.
 */
export function deriveActivityId(cycleId: string, plan: Pick<Plan, 'compound' | 'title' | 'startsAt'>): string {
  const key = JSON.stringify([
    cycleId,
    plan.compound,
    plan.title.normalize('NFC').replace(/\s+/g, ' ').trim(),
    new Date(Date.parse(plan.startsAt)).toISOString(),
  ]);
  return `act-${createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 32)}`;
}

export function actorOf(staff: StaffPrincipal): Actor {
  return { id: staff.staffId, name: staff.name.trim().slice(0, 100) || staff.staffId, role: staff.role };
}

/** The activity operations, over one Temporal client and the repositories. */
export function createActivityService(deps: ActivityServiceDeps) {
  const { client, config, repos } = deps;

  const handleFor = (activityId: string): WorkflowHandle => client.workflow.getHandle(themedActivityWorkflowId(activityId));

  /** The compound a property manager or grid worker is bound to; undefined for coordinators and supervisors. */
  async function boundCompound(staff: StaffPrincipal): Promise<string | undefined> {
    if (staff.role !== 'propertyManager' && staff.role !== 'gridWorker') return undefined;
    const compound = staff.compound ?? (await staffById(repos, staff.staffId))?.compound_id ?? undefined;
    if (!compound) throw new HttpError(403, 'Forbidden', 'No compound is on file for you; ask the coordinator to add one to your token or directory entry');
    return compound;
  }

  async function assertCompound(staff: StaffPrincipal, compound: string): Promise<void> {
    const own = await boundCompound(staff);
    if (own !== undefined && own !== compound) {
      throw new HttpError(403, 'Forbidden', `This activity is in compound ${compound}; you serve ${own}`);
    }
  }

  async function runUpdate<Ret, Arg>(handle: WorkflowHandle, def: UpdateDefinition<Ret, [Arg]>, arg: Arg): Promise<Ret> {
    try {
      return await handle.executeUpdate(def, { args: [arg] });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        // An update on a finished workflow reports "not found": say that it has ended.
        const ended = await handle.describe().then(
          (d) => (d.status.name !== 'RUNNING' ? d.status.name : undefined),
          () => undefined,
        );
        if (ended) throw new HttpError(409, 'StepClosed', `The activity has ended (${ended.toLowerCase()})`);
      }
      throw err;
    }
  }

  /** Starts the activity's workflow from a plan; a repeat of the same business key answers the existing one. */
  async function startActivity(staff: StaffPrincipal, body: StartActivityBody): Promise<StartedActivity> {
    const compound = body.plan.compound;
    const missing: string[] = [];
    // A closed cycle's report is final: nothing new may join it.
    const cycle = await repos.cycles.get(body.cycleId);
    if (cycle?.closedAt) {
      throw new HttpError(409, 'StepClosed', `Incubation cycle ${body.cycleId} closed at ${cycle.closedAt}; start the activity in an open cycle`);
    }
    const plan = await planFromDirectory(repos, body.plan);
    await assertNewPlanAcceptable(deps, body.cycleId, plan);

    let pm: StaffRow | undefined;
    if (staff.role === 'propertyManager') {
      if (body.propertyManagerId !== undefined && body.propertyManagerId !== staff.staffId) {
        throw new HttpError(403, 'Forbidden', 'A property manager starts activities as themselves: leave out propertyManagerId');
      }
      pm = await staffById(repos, staff.staffId);
      const own = staff.compound ?? pm?.compound_id ?? undefined;
      if (own !== compound) {
        throw new HttpError(403, 'Forbidden', `Property managers may only start activities in their own compound (${own ?? 'none on file'}); the plan is for ${compound}`);
      }
      if (pm?.role !== 'propertyManager') missing.push(`property manager ${staff.staffId} (your token) is not in the directory`);
    } else {
      pm = body.propertyManagerId ? await staffById(repos, body.propertyManagerId) : await firstStaff(repos, 'propertyManager', compound);
      if (pm?.role !== 'propertyManager') {
        missing.push(
          body.propertyManagerId
            ? `staff ${body.propertyManagerId} (propertyManagerId) is not a property manager in the directory`
            : `no property manager for compound ${compound} in the directory`,
        );
      }
    }
    const gw = await firstStaff(repos, 'gridWorker', compound);
    if (!gw) missing.push(`no grid worker for compound ${compound} in the directory`);
    const pick = async (role: 'coordinator' | 'supervisor', id: string | undefined, field: string) => {
      const row = id ? await staffById(repos, id) : await firstStaff(repos, role);
      if (row?.role !== role) missing.push(id ? `staff ${id} (${field}) is not a ${role} in the directory` : `no ${role} in the directory`);
      return row;
    };
    const co = await pick('coordinator', body.coordinatorId, 'coordinatorId');
    const su = await pick('supervisor', body.supervisorId, 'supervisorId');
    missing.push(...deactivatedRecipients([[pm, staff.role === 'propertyManager' ? 'your token' : 'propertyManagerId'], [co, 'coordinatorId'], [su, 'supervisorId']]));
    if (missing.length > 0 || !pm || !gw || !co || !su) {
      throw new HttpError(422, 'MissingDirectoryEntry', `Missing from the directory: ${missing.join('; ')}`, missing);
    }

    const activityId = body.activityId ?? deriveActivityId(body.cycleId, body.plan);
    const parsed = ThemedActivityInput.safeParse({
      activityId,
      cycleId: body.cycleId,
      plan,
      people: { propertyManager: contactOf(pm), gridWorker: contactOf(gw), coordinator: contactOf(co), supervisor: contactOf(su) },
      timings: config.timings,
    });
    if (!parsed.success) {
      const issues = describeIssues(parsed.error);
      throw new HttpError(422, 'InvalidInput', `The directory entries cannot be used: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, issues);
    }
    const input = parsed.data;
    const workflowId = themedActivityWorkflowId(activityId);
    let existing = false;
    try {
      await client.workflow.start(themedActivityWorkflow, {
        taskQueue: config.temporal.taskQueue,
        workflowId,
        args: [input],
        // One workflow per business key, ever: a running or finished one is the answer to a repeat.
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [
          { key: ActivityStageKey, value: 'planning' },
          { key: CycleIdKey, value: input.cycleId },
          { key: CompoundKey, value: input.plan.compound },
          { key: ActivityStartsAtKey, value: new Date(Date.parse(input.plan.startsAt)) },
        ],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      existing = true;
    }
    return { activityId, workflowId, existing };
  }

  /** A revised plan (until it is approved), its merchants read from the directory and checked as a new plan. */
  async function revisePlan(staff: StaffPrincipal, activityId: string, body: z.output<typeof RevisePlanBody>): Promise<ActivityStatus> {
    const handle = handleFor(activityId);
    const status = await handle.query(statusQuery);
    await assertCompound(staff, status.compound);
    const plan = await planFromDirectory(repos, body.plan);
    await assertRevisedPlanAcceptable(deps, handle, plan);
    return runUpdate(handle, revisePlanUpdate, { plan, by: actorOf(staff) });
  }

  /** A new time (until check-in opens); a property manager only in their own compound. */
  async function reschedule(staff: StaffPrincipal, activityId: string, body: z.output<typeof RescheduleBody>): Promise<ActivityStatus> {
    const handle = handleFor(activityId);
    if (staff.role === 'propertyManager') await assertCompound(staff, (await handle.query(statusQuery)).compound);
    await assertRescheduleAcceptable(deps, handle, body);
    return runUpdate(handle, rescheduleUpdate, { ...body, by: actorOf(staff) });
  }

  /** Cancels the activity (before check-in opens), with the reason given. */
  async function cancel(staff: StaffPrincipal, activityId: string, body: z.output<typeof CancelBody>): Promise<unknown> {
    const handle = handleFor(activityId);
    if (staff.role === 'propertyManager') await assertCompound(staff, (await handle.query(statusQuery)).compound);
    return runUpdate(handle, cancelUpdate, { reason: body.reason, by: actorOf(staff) });
  }

  return { handleFor, boundCompound, assertCompound, runUpdate, startActivity, revisePlan, reschedule, cancel };
}

export type ActivityService = ReturnType<typeof createActivityService>;
