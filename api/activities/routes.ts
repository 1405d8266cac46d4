/**
 * The JSON API on themed activities: start, list, status, and the staff's updates, each declared
 * once with defineRoute (roles, schemas, handler). The `by` of every update is built from the
 * caller's token.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Config } from '../../config';
import type { StaffRole } from '../../domain/schemas';
import type { Repositories } from '../../db/repositories';
import { themedActivityWorkflow } from '../../workflows';
import { assignVenueUpdate, decideApprovalUpdate, statusQuery } from '../../workflows/themed-activity.api';
import { themedActivityWorkflowId, type ActivityStatus } from '../../domain/activity';
import { ActivityStageKey, ActivityStartsAtKey, CompoundKey, CycleIdKey } from '../../workflows/search-attributes';
import { defineRoute, type Route } from '../http/define-route';
import { HttpError } from '../http/errors';
import { queryLiteral } from '../http/visibility';
import { assertVenueAssignmentAcceptable } from './plan-checks';
import { actorOf, createActivityService, deriveActivityId } from './service';
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

// Kept here too: tests and other features import them from the routes.
export { actorOf, deriveActivityId };

/** The themed activities' routes. */
export function activityRoutes(deps: ActivityRoutesDeps): Route[] {
  const { client, config } = deps;

  const service = createActivityService(deps);
  const { handleFor, boundCompound, assertCompound, runUpdate } = service;
  const statusUrl = (activityId: string) => `${config.http.publicBaseUrl}/api/activities/${encodeURIComponent(activityId)}`;

  /**
   * The workflow's own answer; when it cannot give one (Temporal or every worker down, or a run
   * that cannot replay), what it last wrote to the read model, marked as such. An activity
   * Temporal does not know is still a 404; one the read model has never seen, the mapped error.
   */
  async function statusOrReadModel(activityId: string): Promise<ActivityStatus & { source?: 'readModel' }> {
    try {
      return await handleFor(activityId).query(statusQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw err;
      const written = (await deps.repos.activities.readModel(activityId))?.status;
      if (!written) throw err;
      return { ...written, source: 'readModel' };
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
        const { activityId, workflowId, existing } = await service.startActivity(staff, body);
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
        const status = await statusOrReadModel(id);
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
        res.json(await service.revisePlan(staff, id, body));
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
        res.json(await service.reschedule(staff, id, body));
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
        res.json(await service.cancel(staff, id, body));
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
