/**
 * Every JSON operation: method, path, the roles it admits, and its schemas. The router takes the
 * roles from here and the OpenAPI document is generated from here, so they cannot disagree.
 */
import type { StaffRole } from '../domain/schemas';
import {
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
} from './activities/schemas';
import { CYCLE_OPERATIONS } from './cycles/routes';
import { PEOPLE_OPERATIONS } from './people/routes';
import { REGISTRATION_OPERATIONS } from './registration/routes';
import { CHECKIN_OPERATIONS } from './check-in/routes';
import { POINTS_OPERATIONS } from './points/routes';

import type { Operation } from './http/operation';

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

export const OPERATIONS = [
  {
    id: 'startActivity',
    method: 'post',
    path: '/api/activities',
    summary: 'Start a themed activity (a durable workflow) from a plan',
    roles: ['propertyManager', 'coordinator'],
    body: { name: 'StartActivityBody', schema: StartActivityBody },
    responses: {
      201: { description: 'Started', schema: { name: 'StartActivityResponse', schema: StartActivityResponse } },
      200: { description: 'An activity with the same business key exists: its id', schema: { name: 'StartActivityResponse', schema: StartActivityResponse } },
      ...common,
      422: error('Someone the activity needs is missing from the directory'),
    },
  },
  {
    id: 'listActivities',
    method: 'get',
    path: '/api/activities',
    summary: 'List activities by cycle, compound and stage (search attributes; eventually consistent)',
    roles: ALL_STAFF,
    query: ListActivitiesQuery,
    responses: { 200: { description: 'Activities, newest first', schema: { name: 'ActivityListResponse', schema: ActivityListResponse } }, ...common },
  },
  {
    id: 'getActivity',
    method: 'get',
    path: '/api/activities/:id',
    summary: 'The activity’s status: stage, each step, pending action, decisions',
    roles: ALL_STAFF,
    responses: { 200: { description: 'Status', schema: status }, ...common, 404: error('No activity with this id') },
  },
  {
    id: 'revisePlan',
    method: 'post',
    path: '/api/activities/:id/plan',
    summary: 'Revise the plan (until it is approved)',
    roles: ['propertyManager'],
    body: { name: 'RevisePlanBody', schema: RevisePlanBody },
    responses: { 200: { description: 'Status after the revision', schema: status }, ...common, ...updateErrors },
  },
  {
    id: 'reschedule',
    method: 'post',
    path: '/api/activities/:id/reschedule',
    summary: 'Move the activity to a new time (until check-in opens); everyone told gets a change notice',
    roles: ['propertyManager', 'coordinator'],
    body: { name: 'RescheduleBody', schema: RescheduleBody },
    responses: { 200: { description: 'Status after the change', schema: status }, ...common, ...updateErrors },
  },
  {
    id: 'cancel',
    method: 'post',
    path: '/api/activities/:id/cancel',
    summary: 'Cancel the activity (before check-in opens); a reason is required',
    roles: ['propertyManager', 'coordinator'],
    body: { name: 'CancelBody', schema: CancelBody },
    responses: { 200: { description: 'The cancellation as recorded' }, ...common, ...updateErrors },
  },
  {
    id: 'assignVenue',
    method: 'post',
    path: '/api/activities/:id/venue',
    summary: 'Assign a venue when no merchant accepted',
    roles: ['coordinator'],
    body: { name: 'AssignVenueBody', schema: AssignVenueBody },
    responses: { 200: { description: 'The venue as secured' }, ...common, ...updateErrors },
  },
  {
    id: 'decideApproval',
    method: 'post',
    path: '/api/activities/:id/approval',
    summary: 'Decide an approval round in place of an absent grid worker',
    roles: ['coordinator'],
    body: { name: 'ApprovalBody', schema: ApprovalBody },
    responses: { 200: { description: 'The decision as recorded' }, ...common, ...updateErrors },
  },
  ...CYCLE_OPERATIONS,
  ...PEOPLE_OPERATIONS,
  ...REGISTRATION_OPERATIONS,
  ...CHECKIN_OPERATIONS,
  ...POINTS_OPERATIONS,
] as const satisfies readonly Operation[];

export type OperationId = (typeof OPERATIONS)[number]['id'];

export function operation(id: OperationId): Operation {
  const op = OPERATIONS.find((o) => o.id === id);
  if (!op) throw new Error(`unknown operation ${id}`);
  return op;
}
