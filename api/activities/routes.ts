/**
 * The JSON API on themed activities: start, list, status, and the staff's updates, each declared
 * once with defineRoute (roles, schemas, handler). The `by` of every update is built from the
 * caller's token.
 */
import { createHash } from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { Config } from '../../config';
import { ThemedActivityInput, describeIssues, type Actor, type Plan, type StaffRole } from '../../domain/schemas';
import type { Repositories } from '../../db/repositories';
import { themedActivityWorkflow } from '../../workflows';
import { assignVenueUpdate, cancelUpdate, decideApprovalUpdate, rescheduleUpdate, revisePlanUpdate, statusQuery } from '../../workflows/themed-activity.api';
import { themedActivityWorkflowId, type ActivityStatus } from '../../domain/activity';
import { ActivityStageKey, ActivityStartsAtKey, CompoundKey, CycleIdKey } from '../../workflows/search-attributes';
import type { StaffPrincipal } from '../http/auth';
import { defineRoute, type Route } from '../http/define-route';
import { contactOf, deactivatedRecipients, firstStaff, staffById, type StaffRow } from '../people/directory';
import { HttpError } from '../http/errors';
import { queryLiteral } from '../http/visibility';
import { planFromDirectory } from './candidate-merchants';
import { assertNewPlanAcceptable, assertRescheduleAcceptable, assertRevisedPlanAcceptable, assertVenueAssignmentAcceptable } from './plan-checks';
import {
  ActivityIdParam,
  ActivityListResponse,
  ActivityStatusDoc,
  ApprovalBody,
  AssignVenueBody,
  CancelBody,
  ErrorBody,
  ListActivitiesQuery,
  RescheduleBody,
  RevisePlanBody,
  StartActivityBody,
  StartActivityResponse,
} from './schemas';

export interface ActivityRoutesDeps {
  client: Client;
  config: Config;
  repos: Repositories;
}

const ALL_STAFF: readonly StaffRole[] = ['propertyManager', 'gridWorker', 'coordinator', 'supervisor'];

const error = (description: string) => ({ description, schema: { name: 'Error', schema: ErrorBody } });
const common = {
  400: error('Invalid input: each field and why'),
  401: error('No bearer token, or an unknown one'),
  403: error('The token’s role is not admitted, or the activity is in another compound'),
};
const status = { name: 'ActivityStatus', schema: ActivityStatusDoc };
const updateErrors = {
  404: error('No activity with this id'),
  409: error('AlreadyDecided, or StepClosed: the step or round has closed'),
  422: error('NotAllowed: a rule of the process forbids it'),
};

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

/** The themed activities' routes. */
export function activityRoutes(deps: ActivityRoutesDeps): Route[] {
  const { client, config, repos } = deps;

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

  return [
    defineRoute({
      id: 'startActivity',
      method: 'post',
      path: '/api/activities',
      summary: 'Start a themed activity (a durable workflow) from a plan; candidate merchants are named by directory id, their address and venue read from the directory',
      roles: ['propertyManager', 'coordinator'],
      body: { name: 'StartActivityBody', schema: StartActivityBody },
      responses: {
        201: { description: 'Started', schema: { name: 'StartActivityResponse', schema: StartActivityResponse } },
        200: { description: 'An activity with the same business key exists: its id', schema: { name: 'StartActivityResponse', schema: StartActivityResponse } },
        ...common,
        422: error('Someone the activity needs is missing from the directory'),
      },
      talksToTemporal: true,
      async handler({ body, staff, res }) {
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
        res
          .status(existing ? 200 : 201)
          .location(statusUrl(activityId))
          .json({ activityId, workflowId, statusUrl: statusUrl(activityId), existing });
      },
    }),
    defineRoute({
      id: 'listActivities',
      method: 'get',
      path: '/api/activities',
      summary: 'List activities by cycle, compound and stage (search attributes; eventually consistent)',
      roles: ALL_STAFF,
      query: ListActivitiesQuery,
      responses: { 200: { description: 'Activities, newest first', schema: { name: 'ActivityListResponse', schema: ActivityListResponse } }, ...common },
      talksToTemporal: true,
      async handler({ query: q, staff, res }) {
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
      },
    }),
    defineRoute({
      id: 'getActivity',
      method: 'get',
      path: '/api/activities/:id',
      summary: 'The activity’s status: stage, each step, pending action, decisions',
      roles: ALL_STAFF,
      params: ActivityIdParam,
      responses: { 200: { description: 'Status', schema: status }, ...common, 404: error('No activity with this id') },
      talksToTemporal: true,
      async handler({ params: { id }, staff, res }) {
        const status: ActivityStatus = await handleFor(id).query(statusQuery);
        await assertCompound(staff, status.compound);
        res.json(status);
      },
    }),
    defineRoute({
      id: 'revisePlan',
      method: 'post',
      path: '/api/activities/:id/plan',
      summary: 'Revise the plan (until it is approved); candidate merchants by directory id, as when starting',
      roles: ['propertyManager'],
      params: ActivityIdParam,
      body: { name: 'RevisePlanBody', schema: RevisePlanBody },
      responses: { 200: { description: 'Status after the revision', schema: status }, ...common, ...updateErrors },
      talksToTemporal: true,
      async handler({ params: { id }, body, staff, res }) {
        const handle = handleFor(id);
        const status = await handle.query(statusQuery);
        await assertCompound(staff, status.compound);
        const plan = await planFromDirectory(repos, body.plan);
        await assertRevisedPlanAcceptable(deps, handle, plan);
        res.json(await runUpdate(handle, revisePlanUpdate, { plan, by: actorOf(staff) }));
      },
    }),
    defineRoute({
      id: 'reschedule',
      method: 'post',
      path: '/api/activities/:id/reschedule',
      summary: 'Move the activity to a new time (until check-in opens); everyone told gets a change notice',
      roles: ['propertyManager', 'coordinator'],
      params: ActivityIdParam,
      body: { name: 'RescheduleBody', schema: RescheduleBody },
      responses: { 200: { description: 'Status after the change', schema: status }, ...common, ...updateErrors },
      talksToTemporal: true,
      async handler({ params: { id }, body, staff, res }) {
        const handle = handleFor(id);
        if (staff.role === 'propertyManager') await assertCompound(staff, (await handle.query(statusQuery)).compound);
        await assertRescheduleAcceptable(deps, handle, body);
        res.json(await runUpdate(handle, rescheduleUpdate, { ...body, by: actorOf(staff) }));
      },
    }),
    defineRoute({
      id: 'cancel',
      method: 'post',
      path: '/api/activities/:id/cancel',
      summary: 'Cancel the activity (before check-in opens); a reason is required',
      roles: ['propertyManager', 'coordinator'],
      params: ActivityIdParam,
      body: { name: 'CancelBody', schema: CancelBody },
      responses: { 200: { description: 'The cancellation as recorded' }, ...common, ...updateErrors },
      talksToTemporal: true,
      async handler({ params: { id }, body, staff, res }) {
        const handle = handleFor(id);
        if (staff.role === 'propertyManager') await assertCompound(staff, (await handle.query(statusQuery)).compound);
        res.json(await runUpdate(handle, cancelUpdate, { reason: body.reason, by: actorOf(staff) }));
      },
    }),
    defineRoute({
      id: 'assignVenue',
      method: 'post',
      path: '/api/activities/:id/venue',
      summary: 'Assign a venue when no merchant accepted',
      roles: ['coordinator'],
      params: ActivityIdParam,
      body: { name: 'AssignVenueBody', schema: AssignVenueBody },
      responses: { 200: { description: 'The venue as secured' }, ...common, ...updateErrors },
      talksToTemporal: true,
      async handler({ params: { id }, body, staff, res }) {
        await assertVenueAssignmentAcceptable(handleFor(id), body.hours);
        res.json(await runUpdate(handleFor(id), assignVenueUpdate, { ...body, by: actorOf(staff) }));
      },
    }),
    defineRoute({
      id: 'decideApproval',
      method: 'post',
      path: '/api/activities/:id/approval',
      summary: 'Decide an approval round in place of an absent grid worker',
      roles: ['coordinator'],
      params: ActivityIdParam,
      body: { name: 'ApprovalBody', schema: ApprovalBody },
      responses: { 200: { description: 'The decision as recorded' }, ...common, ...updateErrors },
      talksToTemporal: true,
      async handler({ params: { id }, body, staff, res }) {
        res.json(await runUpdate(handleFor(id), decideApprovalUpdate, { ...body, by: actorOf(staff) }));
      },
    }),
  ];
}
