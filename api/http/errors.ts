/**
 * Errors the API answers with, and the one JSON error middleware: every error body is
 * `{ error: { code, message, details? } }`; a 500 never carries internals.
 */
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import {
  ApplicationFailure,
  ServiceError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  isGrpcServiceError,
} from '@temporalio/client';
import { describeIssues } from '../../domain/schemas';
import { RejectionType } from '../../domain/activity';

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
  | 'NotFound'
  | 'PayloadTooLarge'
  | 'UnsupportedMediaType'
  | 'AlreadyDecided'
  | 'StepClosed'
  | 'NotAllowed'
  | 'MissingDirectoryEntry'
  | 'Unavailable'
  | 'Internal';

/** An error with the HTTP status and a message a person can act on. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
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
    return new HttpError(503, 'Unavailable', 'The activity did not answer in time; try again', undefined, { 'Retry-After': '5' });
  }
  if (err instanceof ServiceError || isGrpcServiceError(err)) {
    return new HttpError(503, 'Unavailable', 'The workflow service is unavailable; try again', undefined, { 'Retry-After': '5' });
  }
  return undefined;
}

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
}

/** What body-parser reports (too large, malformed JSON, bad charset), as an HttpError. */
export function bodyParserErrorToHttp(err: unknown): HttpError | undefined {
  const e = err as BodyParserError | null;
  if (!e || typeof e !== 'object' || typeof e.type !== 'string') return undefined;
  switch (e.type) {
    case 'entity.too.large':
      return new HttpError(413, 'PayloadTooLarge', 'The request body is larger than 100 kB');
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

export function toHttpError(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  if (err instanceof z.ZodError) {
    const issues = describeIssues(err);
    return new HttpError(400, 'InvalidInput', `Invalid input: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, issues);
  }
  return bodyParserErrorToHttp(err) ?? temporalErrorToHttp(err);
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
 * on; everything else is logged and answered with a generic 500. Pages under `pages` get HTML.
 */
export function errorHandler(logger: Logger, pages?: HtmlErrorPages): ErrorRequestHandler {
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
    if (pages?.matches(req)) {
      for (const [name, value] of Object.entries(error.headers ?? {})) res.setHeader(name, value);
      pages.send(req, res, error);
      return;
    }
    sendError(res, error);
  };
}
