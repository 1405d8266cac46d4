/**
 * The one route definer of the JSON API. A route is declared once, `defineRoute({ id, method,
 * path, summary, roles, body, query, params, responses, handler })`, and that declaration both
 * registers the Express route (`mountRoutes`: the bearer token and the roles it admits, the body
 * parser, the zod parse of body, query and path giving a 400 InvalidInput naming each field, the
 * handler called with the parsed input and the caller) and feeds the OpenAPI document
 * (openapi.ts), so the two cannot disagree.
 */
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import type { z } from 'zod';
import type { StaffRole } from '../../domain/schemas';
import { requireRoles, staffOf, type Authenticate, type StaffPrincipal } from './auth';
import { HttpError, parseOr400, toHttpError } from './errors';

export type RouteMethod = 'get' | 'post';

export type RouteResponses = Record<number, { description: string; schema?: { name: string; schema: z.ZodType } }>;

/** A request body that is not JSON (the CSV import): the handler gets it as a string. */
export interface TextBody {
  /** The first is the one documented. */
  mediaTypes: readonly [string, ...string[]];
  /** body-parser's limit, e.g. '2mb'. */
  limit: string;
  description: string;
  /** The 415 message when the body has another type. */
  unsupportedMessage: string;
}

/** What the handler is called with: the parsed input, the caller, and the request and response. */
export interface RouteInput<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  staff: StaffPrincipal;
  req: Request;
  res: Response;
}

export interface RouteSpec<B extends z.ZodType, Q extends z.ZodObject, P extends z.ZodType> {
  /** The OpenAPI operationId. */
  id: string;
  method: RouteMethod;
  /** Express path (":id" parameters). */
  path: string;
  summary: string;
  roles: readonly StaffRole[];
  /** The JSON body: parsed before the handler runs, and documented under `name`. */
  body?: { name: string; schema: B };
  /**
   * A JSON body that is documented but parsed by the handler, because its shape depends on the
   * path (the directory's `:entity`) and an unknown path must answer 404 before the body is read.
   */
  documentedBody?: { name: string; schema: z.ZodType };
  /** A body that is not JSON; the handler reads `req.body` (a string). */
  textBody?: TextBody;
  query?: Q;
  /** The path parameters' shape (documented from the path itself). */
  params?: P;
  responses: RouteResponses;
  /** The handler waits on Temporal, so the route may answer 503 when Temporal is unavailable. */
  talksToTemporal?: boolean;
  handler(input: RouteInput<z.output<B>, z.output<Q>, z.output<P>>): Promise<void>;
}

/** A declared route, its input types erased: what the router and the OpenAPI document read. */
export interface Route {
  id: string;
  method: RouteMethod;
  path: string;
  summary: string;
  roles: readonly StaffRole[];
  body?: { name: string; schema: z.ZodType };
  documentedBody?: { name: string; schema: z.ZodType };
  textBody?: TextBody;
  query?: z.ZodObject;
  responses: RouteResponses;
  talksToTemporal: boolean;
  /** Parses the input and runs the handler. */
  run(req: Request, res: Response, staff: StaffPrincipal): Promise<void>;
}

/** The JSON parser's limit; the 413 answers name it. */
export const JSON_BODY_LIMIT = '100kb';

export function defineRoute<B extends z.ZodType = z.ZodUndefined, Q extends z.ZodObject = z.ZodObject, P extends z.ZodType = z.ZodUndefined>(
  spec: RouteSpec<B, Q, P>,
): Route {
  const { handler, params, ...declared } = spec;
  return {
    ...declared,
    talksToTemporal: spec.talksToTemporal ?? false,
    async run(req, res, staff) {
      const input = {
        params: (params ? parseOr400(params, req.params, 'path') : undefined) as z.output<P>,
        // An empty body is an empty object, so the answer names each missing field.
        body: (spec.body ? parseOr400(spec.body.schema, req.body ?? {}, 'request body') : undefined) as z.output<B>,
        query: (spec.query ? parseOr400(spec.query, req.query, 'query') : {}) as z.output<Q>,
      };
      await handler({ ...input, staff, req, res });
    },
  };
}

/**
 * Refuses (415) a body whose Content-Type the route does not read. A request without a body
 * passes: the POSTs that take no input are sent bare, often with Content-Length: 0 and no type.
 */
function requireMediaType(mediaTypes: readonly string[], message: string): RequestHandler {
  return (req, _res, next) => {
    const empty = req.headers['content-length'] === '0';
    // req.is: null when there is no body, false when the body has another type.
    if (!empty && req.is([...mediaTypes]) === false) throw new HttpError(415, 'UnsupportedMediaType', message);
    next();
  };
}

/**
 * A router with every route: the caller's token and role first, then the body's type and size,
 * then the parsed input. A path that exists under other methods answers 405 with an Allow header.
 */
export function mountRoutes(authenticate: Authenticate, routes: readonly Route[]): Router {
  const router = Router();
  const jsonBody = [
    requireMediaType(['application/json'], 'Send the body as JSON: Content-Type: application/json (UTF-8)'),
    express.json({ limit: JSON_BODY_LIMIT }),
  ];
  const methodsByPath = new Map<string, Set<string>>();
  for (const route of routes) {
    const guard = requireRoles(authenticate, route.roles);
    const body =
      route.method === 'get'
        ? []
        : route.textBody
          ? [requireMediaType(route.textBody.mediaTypes, route.textBody.unsupportedMessage), express.text({ type: [...route.textBody.mediaTypes], limit: route.textBody.limit })]
          : jsonBody;
    const run: RequestHandler = async (req, res) => {
      try {
        await route.run(req, res, staffOf(res));
      } catch (err) {
        throw toHttpError(err) ?? err;
      }
    };
    router[route.method](route.path, guard, ...body, run);
    const methods = methodsByPath.get(route.path) ?? new Set<string>();
    methods.add(route.method.toUpperCase());
    if (route.method === 'get') methods.add('HEAD');
    methodsByPath.set(route.path, methods);
  }
  for (const [path, methods] of methodsByPath) {
    const allow = [...methods].sort().join(', ');
    router.all(path, (req, res) => {
      if (req.method === 'OPTIONS') {
        res.setHeader('Allow', allow);
        res.status(204).end();
        return;
      }
      throw new HttpError(405, 'MethodNotAllowed', `${req.method} is not allowed on ${req.path}; use ${allow}`, undefined, { Allow: allow });
    });
  }
  return router;
}

/** Methods no /api route answers (TRACE, PUT, DELETE, …): 405 on any /api path, not 404. */
export const API_METHODS = new Set(['GET', 'HEAD', 'POST', 'OPTIONS']);
export const unknownMethodNotAllowed: RequestHandler = (req, _res, next) => {
  if (API_METHODS.has(req.method)) {
    next();
    return;
  }
  throw new HttpError(405, 'MethodNotAllowed', `${req.method} is not allowed on the API; it answers GET and POST`);
};
