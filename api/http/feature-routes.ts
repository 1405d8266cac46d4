/**
 * What the people, registration, check-in and points routers share: building routes from their
 * operation lists (roles declared once, in operations.ts), the compound a property manager or grid
 * worker is bound to, and the mapping of the database services' typed errors to HTTP answers.
 *
 * Domain refusals keep the service's stable code as `error.code` (ATTENDANCE_NOT_OPEN,
 * INSUFFICIENT_POINTS, OUT_OF_STOCK, CSV_INVALID, …), so clients can branch on it; malformed input
 * is `InvalidInput` with `details` naming each field, as everywhere else in the API.
 */
import express, { type Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { CsvImportError, DirectoryError } from '../../db/services/directory';
import { RegistrationError } from '../../db/services/registration';
import { CheckInError } from '../../db/services/checkin';
import { LedgerError } from '../../db/services/ledger';
import type { Repositories } from '../../db/repositories';
import { InvalidInputError } from '../../db/util';
import type { StaffRole } from '../../domain/schemas';
import { requireRoles, staffOf, type Authenticate, type StaffPrincipal } from './auth';
import { staffById } from '../people/directory';
import { ErrorBody } from '../activities/schemas';
import { HttpError, sendError } from './errors';
import type { Operation } from './operation';

export const ALL_STAFF: readonly StaffRole[] = ['propertyManager', 'gridWorker', 'coordinator', 'supervisor'];
/** Staff who work a check-in desk or a rewards counter. */
export const DESK_STAFF: readonly StaffRole[] = ['propertyManager', 'gridWorker', 'coordinator'];

export const errorDoc = (description: string) => ({ description, schema: { name: 'Error', schema: ErrorBody } });
export const commonErrors = {
  400: errorDoc('Invalid input: each field and why'),
  401: errorDoc('No bearer token, or an unknown one'),
  403: errorDoc('The token’s role is not admitted, or the record is in another compound'),
};

/** A refusal with the service's stable code (not one of the API's generic codes). */
export class DomainHttpError extends Error {
  override readonly name = 'DomainHttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

const STATUS_BY_CODE: Record<string, number> = {
  // directory
  NOT_FOUND: 404,
  DUPLICATE: 409,
  UNKNOWN_REFERENCE: 422,
  // registration
  ACTIVITY_NOT_FOUND: 404,
  FAMILY_NOT_FOUND: 404,
  VOLUNTEER_NOT_FOUND: 404,
  EXCEEDS_CAPACITY: 422,
  // check-in
  ATTENDANCE_NOT_OPEN: 409,
  PERSON_NOT_FOUND: 404,
  NONCE_REUSED: 409,
  NOT_CHECKED_IN: 409,
  // ledger
  HOLDER_NOT_FOUND: 404,
  REWARD_NOT_FOUND: 404,
  ENTRY_NOT_FOUND: 404,
  INSUFFICIENT_POINTS: 409,
  OUT_OF_STOCK: 409,
  NOT_REVERSIBLE: 422,
  ALREADY_REVERSED: 409,
  IDEMPOTENCY_KEY_REUSED: 409,
};

/** The HTTP answer for a database service's error, or undefined when it is not one. */
export function serviceErrorToHttp(err: unknown): HttpError | DomainHttpError | undefined {
  if (err instanceof InvalidInputError) {
    return new HttpError(400, 'InvalidInput', `Invalid input: ${err.issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, err.issues);
  }
  if (err instanceof CsvImportError) {
    return new DomainHttpError(400, err.code, `The CSV was not imported (nothing was written); ${err.rows.length} bad row(s): ${err.rows.map((r) => `line ${r.line}: ${r.reason}`).join('; ')}`, err.rows);
  }
  if (err instanceof DirectoryError || err instanceof RegistrationError || err instanceof CheckInError || err instanceof LedgerError) {
    return new DomainHttpError(STATUS_BY_CODE[err.code] ?? 409, err.code, err.message);
  }
  return undefined;
}

/**
 * The routers' error middleware: service errors and refusals are answered here; anything else goes
 * on to the app's one error handler (which logs it and hides internals).
 */
export const peopleErrorHandler: ErrorRequestHandler = (err, _req, res, next) => {
  if (res.headersSent) return next(err);
  const e = err instanceof DomainHttpError ? err : serviceErrorToHttp(err);
  if (e instanceof DomainHttpError) {
    res.status(e.status).json({ error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) } });
    return;
  }
  if (e) return sendError(res, e);
  // A body over its limit: name this route's limit (the shared handler names the JSON one).
  const tooLarge = err as { type?: unknown; limit?: unknown } | null;
  if (tooLarge && typeof tooLarge === 'object' && tooLarge.type === 'entity.too.large' && typeof tooLarge.limit === 'number') {
    return sendError(res, new HttpError(413, 'PayloadTooLarge', `The request body is larger than ${Math.round(tooLarge.limit / 1024)} kB`));
  }
  next(err);
};

export type Handler = (req: Request, res: Response, staff: StaffPrincipal) => Promise<void>;

/**
 * Registers `operations` on `router` with the roles they declare: each handler gets the caller.
 * `bodyParsers` overrides the JSON parser for an operation (the CSV import reads text).
 */
export function routeOperations<Op extends Operation>(
  router: Router,
  authenticate: Authenticate,
  operations: readonly Op[],
  handlers: Record<Op['id'], Handler>,
  bodyParsers: Partial<Record<Op['id'], RequestHandler>> = {},
): void {
  const jsonBody = express.json({ limit: '100kb' });
  for (const op of operations) {
    const handler = handlers[op.id as Op['id']];
    const guard = requireRoles(authenticate, op.roles);
    const run: RequestHandler = async (req, res) => handler(req, res, staffOf(res));
    if (op.method === 'post') router.post(op.path, guard, bodyParsers[op.id as Op['id']] ?? jsonBody, run);
    else router.get(op.path, guard, run);
  }
}

/** The compound a property manager or grid worker is bound to; undefined for coordinators and supervisors. */
export async function boundCompound(repos: Repositories, staff: StaffPrincipal): Promise<string | undefined> {
  if (staff.role !== 'propertyManager' && staff.role !== 'gridWorker') return undefined;
  const compound = staff.compound ?? (await staffById(repos, staff.staffId))?.compound_id ?? undefined;
  if (!compound) throw new HttpError(403, 'Forbidden', 'No compound is on file for you; ask the coordinator to add one to your token or directory entry');
  return compound;
}

/** Refuses (403) a property manager or grid worker acting on a record of another compound. */
export async function assertCompound(repos: Repositories, staff: StaffPrincipal, compound: string | null, what: string): Promise<void> {
  const own = await boundCompound(repos, staff);
  if (own !== undefined && compound !== null && own !== compound) {
    throw new HttpError(403, 'Forbidden', `This ${what} is in compound ${compound}; you serve ${own}`);
  }
}

export interface ActivityRef {
  id: string;
  compound: string;
  title: string;
  startsAt: string;
  endsAt: string;
  capacity: number;
  stage: string;
  attendanceState: 'notOpen' | 'open' | 'closed';
  attendanceOpensAt: string | null;
  attendanceClosesAt: string | null;
}

/** The activity as recorded by its workflow (`activities` row), or a 404. */
export async function activityOr404(repos: Repositories, activityId: string): Promise<ActivityRef> {
  const row = await repos.activities.findById(activityId);
  if (!row) {
    throw new HttpError(404, 'NotFound', `No activity ${activityId} is recorded for registration and check-in (its workflow records it when it starts)`);
  }
  return {
    id: row.id,
    compound: row.compound_id,
    title: row.title,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    capacity: Number(row.capacity),
    stage: row.stage,
    attendanceState: row.attendance_state,
    attendanceOpensAt: row.attendance_opens_at,
    attendanceClosesAt: row.attendance_closes_at,
  };
}
