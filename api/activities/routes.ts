/**
 * The JSON API on themed activities: start, list, status, and the staff's updates. Roles come
 * from operations.ts; the `by` of every update is built from the caller's token.
 */
import { createHash } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { Config } from '../../config';
import { ThemedActivityInput, describeIssues, type Actor, type Plan } from '../../domain/schemas';
import type { Repositories } from '../../db/repositories';
import { themedActivityWorkflow } from '../../workflows';
import { assignVenueUpdate, cancelUpdate, decideApprovalUpdate, rescheduleUpdate, revisePlanUpdate, statusQuery } from '../../workflows/themed-activity.api';
import { themedActivityWorkflowId, type ActivityStatus } from '../../domain/activity';
import { ActivityStageKey, ActivityStartsAtKey, CompoundKey, CycleIdKey } from '../../workflows/search-attributes';
import { requireRoles, staffOf, type Authenticate, type StaffPrincipal } from '../http/auth';
import { contactOf, firstStaff, staffById, type StaffRow } from '../people/directory';
import { HttpError, parseOr400 } from '../http/errors';
import { queryLiteral } from '../http/visibility';
import { operation, type OperationId } from '../operations';
import { assertNewPlanAcceptable, assertRescheduleAcceptable, assertRevisedPlanAcceptable, assertVenueAssignmentAcceptable } from './plan-checks';
import {
  ActivityIdParam,
  ApprovalBody,
  AssignVenueBody,
  CancelBody,
  ListActivitiesQuery,
  RescheduleBody,
  RevisePlanBody,
  StartActivityBody,
} from './schemas';

export interface ActivitiesRouterDeps {
  client: Client;
  config: Config;
  repos: Repositories;
  authenticate: Authenticate;
}

const WORKFLOW_ID_PREFIX = themedActivityWorkflowId('');

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

export function createActivitiesRouter(deps: ActivitiesRouterDeps): Router {
  const { client, config, repos } = deps;
  const router = Router();
  const jsonBody = express.json({ limit: '100kb' });

  type Handler = (req: Request, res: Response, staff: StaffPrincipal) => Promise<void>;
  function register(id: OperationId, handler: Handler): void {
    const op = operation(id);
    const guard = requireRoles(deps.authenticate, op.roles);
    const run = async (req: Request, res: Response) => handler(req, res, staffOf(res));
    if (op.method === 'post') router.post(op.path, guard, jsonBody, run);
    else router.get(op.path, guard, run);
  }

  const handleFor = (activityId: string): WorkflowHandle => client.workflow.getHandle(themedActivityWorkflowId(activityId));
  const statusUrl = (activityId: string) => `${config.http.publicBaseUrl}/api/activities/${encodeURIComponent(activityId)}`;

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

  // ---- start --------------------------------------------------------------------------------
  register('startActivity', async (req, res, staff) => {
    const body = parseOr400(StartActivityBody, req.body, 'request body');
    const compound = body.plan.compound;
    const missing: string[] = [];
    // A closed cycle's report is final: nothing new may join it.
    const cycle = await repos.cycles.get(body.cycleId);
    if (cycle?.closedAt) {
      throw new HttpError(409, 'StepClosed', `Incubation cycle ${body.cycleId} closed at ${cycle.closedAt}; start the activity in an open cycle`);
    }
    await assertNewPlanAcceptable(deps, body.cycleId, body.plan);

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
    if (missing.length > 0 || !pm || !gw || !co || !su) {
      throw new HttpError(422, 'MissingDirectoryEntry', `Missing from the directory: ${missing.join('; ')}`, missing);
    }

    const activityId = body.activityId ?? deriveActivityId(body.cycleId, body.plan);
    const parsed = ThemedActivityInput.safeParse({
      activityId,
      cycleId: body.cycleId,
      plan: body.plan,
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
    res
      .status(existing ? 200 : 201)
      .location(statusUrl(activityId))
      .json({ activityId, workflowId, statusUrl: statusUrl(activityId), existing });
  });

  // ---- read ---------------------------------------------------------------------------------
  register('getActivity', async (req, res, staff) => {
    const { id } = parseOr400(ActivityIdParam, req.params, 'activity id');
    const status: ActivityStatus = await handleFor(id).query(statusQuery);
    await assertCompound(staff, status.compound);
    res.json(status);
  });

  register('listActivities', async (req, res, staff) => {
    const q = parseOr400(ListActivitiesQuery, req.query, 'query');
    const own = await boundCompound(staff);
    if (own !== undefined && q.compound !== undefined && q.compound !== own) {
      throw new HttpError(403, 'Forbidden', `You serve compound ${own}; you cannot list ${q.compound}`);
    }
    const compound = own ?? q.compound;
    const clauses = [`WorkflowType = ${queryLiteral(themedActivityWorkflow.name)}`];
    if (q.cycleId !== undefined) clauses.push(`${CycleIdKey.name} = ${queryLiteral(q.cycleId)}`);
    if (compound !== undefined) clauses.push(`${CompoundKey.name} = ${queryLiteral(compound)}`);
    if (q.stage !== undefined) clauses.push(`${ActivityStageKey.name} = ${queryLiteral(q.stage)}`);
    const activities = [];
    for await (const wf of client.workflow.list({ query: clauses.join(' AND '), pageSize: Math.min(q.limit, 100) })) {
      const startsAt = wf.typedSearchAttributes.get(ActivityStartsAtKey);
      activities.push({
        activityId: wf.workflowId.startsWith(WORKFLOW_ID_PREFIX) ? wf.workflowId.slice(WORKFLOW_ID_PREFIX.length) : wf.workflowId,
        workflowId: wf.workflowId,
        stage: wf.typedSearchAttributes.get(ActivityStageKey),
        cycleId: wf.typedSearchAttributes.get(CycleIdKey),
        compound: wf.typedSearchAttributes.get(CompoundKey),
        startsAt: startsAt ? startsAt.toISOString() : undefined,
        executionStatus: wf.status.name,
      });
      if (activities.length >= q.limit) break;
    }
    res.json({ activities });
  });

  // ---- updates ------------------------------------------------------------------------------
  register('revisePlan', async (req, res, staff) => {
    const { id } = parseOr400(ActivityIdParam, req.params, 'activity id');
    const body = parseOr400(RevisePlanBody, req.body, 'request body');
    const handle = handleFor(id);
    const status = await handle.query(statusQuery);
    await assertCompound(staff, status.compound);
    await assertRevisedPlanAcceptable(deps, handle, body.plan);
    res.json(await runUpdate(handle, revisePlanUpdate, { plan: body.plan, by: actorOf(staff) }));
  });

  register('reschedule', async (req, res, staff) => {
    const { id } = parseOr400(ActivityIdParam, req.params, 'activity id');
    const body = parseOr400(RescheduleBody, req.body, 'request body');
    const handle = handleFor(id);
    if (staff.role === 'propertyManager') await assertCompound(staff, (await handle.query(statusQuery)).compound);
    await assertRescheduleAcceptable(deps, handle, body);
    res.json(await runUpdate(handle, rescheduleUpdate, { ...body, by: actorOf(staff) }));
  });

  register('cancel', async (req, res, staff) => {
    const { id } = parseOr400(ActivityIdParam, req.params, 'activity id');
    const body = parseOr400(CancelBody, req.body, 'request body');
    const handle = handleFor(id);
    if (staff.role === 'propertyManager') await assertCompound(staff, (await handle.query(statusQuery)).compound);
    res.json(await runUpdate(handle, cancelUpdate, { reason: body.reason, by: actorOf(staff) }));
  });

  register('assignVenue', async (req, res, staff) => {
    const { id } = parseOr400(ActivityIdParam, req.params, 'activity id');
    const body = parseOr400(AssignVenueBody, req.body, 'request body');
    await assertVenueAssignmentAcceptable(handleFor(id), body.hours);
    res.json(await runUpdate(handleFor(id), assignVenueUpdate, { ...body, by: actorOf(staff) }));
  });

  register('decideApproval', async (req, res, staff) => {
    const { id } = parseOr400(ActivityIdParam, req.params, 'activity id');
    const body = parseOr400(ApprovalBody, req.body, 'request body');
    res.json(await runUpdate(handleFor(id), decideApprovalUpdate, { ...body, by: actorOf(staff) }));
  });

  return router;
}
