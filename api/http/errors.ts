/**
 * The one error the API answers with (HttpError), the one table from the database services' typed
 * errors to statuses, and the one JSON error middleware: every error body is
 * `{ error: { code, message, details? } }`; a 500 never carries internals.
 *
 * Domain refusals keep the service's stable code as `error.code` (ATTENDANCE_NOT_OPEN,
 * INSUFFICIENT_POINTS, OUT_OF_STOCK, CSV_INVALID, …), so clients can branch on it; malformed input
 * is `InvalidInput` with `details` naming each field.
 */
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import {
  ApplicationFailure,
  QueryNotRegisteredError,
  QueryRejectedError,
  ServiceError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  isGrpcServiceError,
} from '@temporalio/client';
import { describeIssues } from '../../domain/schemas';
import { RejectionType } from '../../domain/activity';
import { CheckInError, type CheckInErrorCode } from '../../db/services/checkin';
import { CycleError, type CycleErrorCode } from '../../db/services/cycles';
import { CsvImportError, DirectoryError, type DirectoryErrorCode } from '../../db/services/directory';
import { LedgerError, type LedgerErrorCode } from '../../db/services/ledger';
import { RegistrationError, type RegistrationErrorCode } from '../../db/services/registration';
import { InvalidInputError } from '../../db/util';

/** Logging the API needs; `console` fits. */
export interface Logger {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

export const consoleLogger: Logger = {
  info: (m, meta) => console.info(m, meta ?? ''),
  warn: (m, meta) => console.warn(m, meta ?? ''),
  error: (m, meta) => console.error(m, meta ?? ''),
};

export type ErrorCode =
  | 'InvalidInput'
  | 'MalformedJson'
  | 'Unauthorized'
  | 'Forbidden'
  /** Staff acting on a family or volunteer of another compound than their own. */
  | 'OTHER_COMPOUND'
  | 'NotFound'
  | 'PayloadTooLarge'
  | 'UnsupportedMediaType'
  | 'AlreadyDecided'
  | 'StepClosed'
  | 'NotAllowed'
  | 'MissingDirectoryEntry'
  | 'MethodNotAllowed'
  | 'Unavailable'
  | 'Internal';

/** A database service's own stable code, passed through to clients as `error.code`. */
export type ServiceErrorCode = CheckInErrorCode | DirectoryErrorCode | LedgerErrorCode | RegistrationErrorCode | 'CSV_INVALID';

/** An error with the HTTP status and a message a person can act on. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode | ServiceErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

/** Parses with a zod schema or throws a 400 that names each field and why. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = describeIssues(result.error);
    throw new HttpError(400, 'InvalidInput', `Invalid ${what}: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, issues);
  }
  return result.data;
}

const REJECTION_STATUS: Record<string, { status: number; code: ErrorCode }> = {
  [RejectionType.invalidInput]: { status: 400, code: 'InvalidInput' },
  [RejectionType.alreadyDecided]: { status: 409, code: 'AlreadyDecided' },
  [RejectionType.stepClosed]: { status: 409, code: 'StepClosed' },
  [RejectionType.notAllowed]: { status: 422, code: 'NotAllowed' },
};

/** The workflow's reason for refusing an update, when it gave one of the known RejectionTypes. */
export function updateRejection(err: unknown): { type: string; message: string; details: unknown } | undefined {
  if (!(err instanceof WorkflowUpdateFailedError) || !(err.cause instanceof ApplicationFailure)) return undefined;
  const type = err.cause.type ?? '';
  if (!(type in REJECTION_STATUS)) return undefined;
  return { type, message: err.cause.message, details: err.cause.details?.[0] };
}

/** Maps a Temporal client error to an HttpError, or undefined when it is not one we know. */
export function temporalErrorToHttp(err: unknown): HttpError | undefined {
  const rejection = updateRejection(err);
  if (rejection) {
    const { status, code } = REJECTION_STATUS[rejection.type]!;
    return new HttpError(status, code, rejection.message, rejection.details);
  }
  if (err instanceof WorkflowNotFoundError) return new HttpError(404, 'NotFound', 'No activity with this id');
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new HttpError(503, 'Unavailable', 'The activity did not answer in time; try again', { part: 'temporal' }, { 'Retry-After': RETRY_AFTER_SECONDS });
  }
  if (err instanceof ServiceError || isGrpcServiceError(err)) {
    return new HttpError(503, 'Unavailable', 'The workflow service is unavailable; try again', { part: 'temporal' }, { 'Retry-After': RETRY_AFTER_SECONDS });
  }
  // The workflow could not run its query handler: no worker could replay it (it failed a task, e.g.
  // as nondeterministic), or its run is in a state that refuses queries. Not the caller's fault.
  if (err instanceof QueryNotRegisteredError || err instanceof QueryRejectedError) {
    return new HttpError(503, 'Unavailable', 'The activity’s workflow cannot answer now; try again shortly', { part: 'worker' }, { 'Retry-After': RETRY_AFTER_SECONDS });
  }
  return undefined;
}

/** How each service error is answered: its status, and the API's generic code when it does not keep its own. */
interface ServiceAnswer {
  status: number;
  code?: ErrorCode;
}

/**
 * The one table from the services' typed errors to HTTP answers. Typed per service, so a new
 * service code that is not given a status fails to compile. Incubation cycles answer with the
 * API's generic codes (their clients came first); the other services keep their own.
 */
const SERVICE_ERRORS: {
  cycles: Record<CycleErrorCode, ServiceAnswer>;
  directory: Record<DirectoryErrorCode, ServiceAnswer>;
  registration: Record<RegistrationErrorCode, ServiceAnswer>;
  checkIn: Record<CheckInErrorCode, ServiceAnswer>;
  ledger: Record<LedgerErrorCode, ServiceAnswer>;
} = {
  cycles: {
    CYCLE_NOT_FOUND: { status: 404, code: 'NotFound' },
    MILESTONE_NOT_FOUND: { status: 404, code: 'NotFound' },
    MERCHANT_NOT_FOUND: { status: 422, code: 'MissingDirectoryEntry' },
    CYCLE_CLOSED: { status: 409, code: 'StepClosed' },
    DUPLICATE: { status: 409, code: 'StepClosed' },
  },
  directory: {
    NOT_FOUND: { status: 404 },
    DUPLICATE: { status: 409 },
    UNKNOWN_REFERENCE: { status: 422 },
  },
  registration: {
    ACTIVITY_NOT_FOUND: { status: 404 },
    FAMILY_NOT_FOUND: { status: 404 },
    VOLUNTEER_NOT_FOUND: { status: 404 },
    EXCEEDS_CAPACITY: { status: 422 },
    REGISTRATION_NOT_OPEN: { status: 409 },
  },
  checkIn: {
    ACTIVITY_NOT_FOUND: { status: 404 },
    ATTENDANCE_NOT_OPEN: { status: 409 },
    PERSON_NOT_FOUND: { status: 404 },
    NONCE_REUSED: { status: 409 },
    NOT_CHECKED_IN: { status: 409 },
  },
  ledger: {
    HOLDER_NOT_FOUND: { status: 404 },
    FAMILY_NOT_FOUND: { status: 404 },
    REWARD_NOT_FOUND: { status: 404 },
    ENTRY_NOT_FOUND: { status: 404 },
    INSUFFICIENT_POINTS: { status: 409 },
    OUT_OF_STOCK: { status: 409 },
    NOT_REVERSIBLE: { status: 422 },
    ALREADY_REVERSED: { status: 409 },
    IDEMPOTENCY_KEY_REUSED: { status: 409 },
    DUPLICATE: { status: 409 },
    EARNING_CAP_REACHED: { status: 409 },
  },
};

/** The HTTP answer for a database service's error, or undefined when it is not one. */
export function serviceErrorToHttp(err: unknown): HttpError | undefined {
  if (err instanceof InvalidInputError) {
    return new HttpError(400, 'InvalidInput', `Invalid input: ${err.issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, err.issues);
  }
  if (err instanceof CsvImportError) {
    return new HttpError(400, err.code, `The CSV was not imported (nothing was written); ${err.rows.length} bad row(s): ${err.rows.map((r) => `line ${r.line}: ${r.reason}`).join('; ')}`, err.rows);
  }
  const known: { answer: ServiceAnswer | undefined; code: string } | undefined =
    err instanceof CycleError
      ? { answer: SERVICE_ERRORS.cycles[err.code], code: err.code }
      : err instanceof DirectoryError
        ? { answer: SERVICE_ERRORS.directory[err.code], code: err.code }
        : err instanceof RegistrationError
          ? { answer: SERVICE_ERRORS.registration[err.code], code: err.code }
          : err instanceof CheckInError
            ? { answer: SERVICE_ERRORS.checkIn[err.code], code: err.code }
            : err instanceof LedgerError
              ? { answer: SERVICE_ERRORS.ledger[err.code], code: err.code }
              : undefined;
  if (!known) return undefined;
  // A code the table does not know (a service's code list widened at run time) is a conflict, as before.
  const answer = known.answer ?? { status: 409 };
  return new HttpError(answer.status, answer.code ?? (known.code as ServiceErrorCode), (err as Error).message);
}

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
  /** The parser's limit in bytes, on entity.too.large. */
  limit?: number;
}

/** What body-parser reports (too large, malformed JSON, bad charset), as an HttpError. */
export function bodyParserErrorToHttp(err: unknown): HttpError | undefined {
  const e = err as BodyParserError | null;
  if (!e || typeof e !== 'object' || typeof e.type !== 'string') return undefined;
  switch (e.type) {
    case 'entity.too.large':
      // Name this route's limit (JSON bodies 100 kB, the CSV import more).
      return new HttpError(413, 'PayloadTooLarge', `The request body is larger than ${typeof e.limit === 'number' ? Math.round(e.limit / 1024) : 100} kB`);
    case 'entity.parse.failed':
      return new HttpError(400, 'MalformedJson', 'The request body is not valid JSON');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpError(415, 'UnsupportedMediaType', 'Send the body as UTF-8 JSON');
    case 'request.aborted':
      return new HttpError(400, 'InvalidInput', 'The request was aborted');
    default:
      return typeof e.status === 'number' && e.status >= 400 && e.status < 500
        ? new HttpError(e.status, 'InvalidInput', 'The request body could not be read')
        : undefined;
  }
}

const RETRY_AFTER_SECONDS = '5';

/** Node's network failures, as the pg driver passes them on. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);
/** PostgreSQL SQLSTATEs that mean "the server is not there right now", not "your query is wrong". */
const POSTGRES_UNAVAILABLE = /^(08...|57P0[123]|53300|53400)$/;
/** What the pg driver and pool say when a connection drops or never comes. */
const DRIVER_UNAVAILABLE = /Connection terminated|timeout exceeded when trying to connect|Query read timeout|not queryable|Cannot use a pool after calling end/i;
/** SQLite: the file is locked past busy_timeout, or the disk failed. */
const SQLITE_UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|PROTOCOL)/;

/**
 * Whether an error means the database is unreachable (down, restarting, locked past the busy
 * timeout), looking through `cause` and AggregateError's `errors` (pg reports both ::1 and
 * 127.0.0.1 refusing that way).
 */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 4) return false;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (NETWORK_CODES.has(code) || POSTGRES_UNAVAILABLE.test(code) || SQLITE_UNAVAILABLE.test(code)) return true;
  if (typeof e.message === 'string' && DRIVER_UNAVAILABLE.test(e.message)) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true;
  return isDatabaseUnavailable(e.cause, depth + 1);
}

/** A database outage as the API answers it: 503 with Retry-After, never a 500 or a 404. */
export function databaseErrorToHttp(err: unknown): HttpError | undefined {
  if (!isDatabaseUnavailable(err)) return undefined;
  return new HttpError(503, 'Unavailable', 'The database is not answering right now; try again in a few seconds', { part: 'database' }, { 'Retry-After': RETRY_AFTER_SECONDS });
}

export function toHttpError(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  if (err instanceof z.ZodError) {
    const issues = describeIssues(err);
    return new HttpError(400, 'InvalidInput', `Invalid input: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, issues);
  }
  return serviceErrorToHttp(err) ?? bodyParserErrorToHttp(err) ?? temporalErrorToHttp(err) ?? databaseErrorToHttp(err);
}

export function sendError(res: Parameters<RequestHandler>[1], err: HttpError): void {
  for (const [name, value] of Object.entries(err.headers ?? {})) res.setHeader(name, value);
  res.status(err.status).json({
    error: { code: err.code, message: err.message, ...(err.details !== undefined ? { details: err.details } : {}) },
  });
}

export const notFoundJson: RequestHandler = (req, res) => {
  sendError(res, new HttpError(404, 'NotFound', `No route ${req.method} ${req.path}`));
};

/** Paths whose errors are shown as HTML pages (the action links) instead of JSON. */
export interface HtmlErrorPages {
  matches(req: Request): boolean;
  send(req: Request, res: Response, error: HttpError): void;
}

/** Never log an action link's token: it is a credential. */
function loggedPath(req: Request): string {
  return req.originalUrl.startsWith('/a/') ? '/a/…' : req.path;
}

/**
 * The app's one error middleware: known errors get their status and a message a person can act
 * on; everything else is logged and answered with a generic 500. Pages under `pages` get HTML;
 * an outage (503) outside /api gets `outagePage`.
 */
export function errorHandler(logger: Logger, pages?: HtmlErrorPages, outagePage?: HtmlErrorPages['send']): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    let error = toHttpError(err);
    if (!error) {
      logger.error('unhandled error', { method: req.method, path: loggedPath(req), error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      error = new HttpError(500, 'Internal', 'Something went wrong on our side; it has been logged');
    } else if (error.status >= 500) {
      logger.warn('request failed', { method: req.method, path: loggedPath(req), status: error.status, error: String(err) });
    }
    // People's pages (anything outside /api) say "try again shortly" in their language.
    if (error.status === 503 && outagePage && !req.path.startsWith('/api/')) {
      outagePage(req, res, error);
      return;
    }
    if (pages?.matches(req)) {
      for (const [name, value] of Object.entries(error.headers ?? {})) res.setHeader(name, value);
      pages.send(req, res, error);
      return;
    }
    sendError(res, error);
  };
}
