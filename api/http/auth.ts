/**
 * Staff authentication for /api: a bearer token from config.staffTokens, compared in constant
 * time (SHA-256 of each, every configured token compared, no early exit), and the roles a route
 * admits.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { StaffToken } from '../../config';
import type { StaffRole } from '../../domain/schemas';
import { ROLE_TERMS, inSentence, label } from '../../domain/vocabulary';
import { HttpError } from './errors';

/** Who called, from their token. */
export interface StaffPrincipal {
  staffId: string;
  role: StaffRole;
  name: string;
  /** The compound a property manager or grid worker serves. */
  compound?: string;
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export type Authenticate = (presented: string) => StaffPrincipal | undefined;

export function createAuthenticator(tokens: readonly StaffToken[]): Authenticate {
  const known = tokens.map((t) => ({
    digest: digest(t.token),
    principal: { staffId: t.staffId, role: t.role, name: t.name, ...(t.compound ? { compound: t.compound } : {}) } as StaffPrincipal,
  }));
  return (presented) => {
    const given = digest(presented);
    let match: StaffPrincipal | undefined;
    for (const k of known) {
      // Equal-length digests: timingSafeEqual never throws, and every token is compared.
      if (timingSafeEqual(k.digest, given) && !match) match = k.principal;
    }
    return match;
  };
}

const ROLE_NAMES: Record<StaffRole, string> = {
  propertyManager: inSentence(label(ROLE_TERMS, 'propertyManager', 'en'), 'en'),
  gridWorker: inSentence(label(ROLE_TERMS, 'gridWorker', 'en'), 'en'),
  coordinator: inSentence(label(ROLE_TERMS, 'coordinator', 'en'), 'en'),
  supervisor: inSentence(label(ROLE_TERMS, 'supervisor', 'en'), 'en'),
};

export function describeRoles(roles: readonly StaffRole[]): string {
  return roles.map((r) => ROLE_NAMES[r]).join(', ');
}

/** Admits a request whose bearer token belongs to one of `roles`; 401 / 403 otherwise. */
export function requireRoles(authenticate: Authenticate, roles: readonly StaffRole[]): RequestHandler {
  return (req, res, next) => {
    const header = req.get('authorization');
    const match = header ? /^Bearer[ ]+([^\s]+)\s*$/i.exec(header) : null;
    if (!header) {
      throw new HttpError(401, 'Unauthorized', 'Authorization: Bearer <token> is required', undefined, {
        'WWW-Authenticate': 'Bearer realm="api"',
      });
    }
    const principal = match?.[1] ? authenticate(match[1]) : undefined;
    if (!principal) {
      throw new HttpError(401, 'Unauthorized', match ? 'The bearer token is not recognised' : 'The Authorization header must be "Bearer <token>"', undefined, {
        'WWW-Authenticate': 'Bearer realm="api", error="invalid_token"',
      });
    }
    if (!roles.includes(principal.role)) {
      throw new HttpError(403, 'Forbidden', `This route admits: ${describeRoles(roles)}; your token is for a ${ROLE_NAMES[principal.role]}`);
    }
    res.locals.staff = principal;
    next();
  };
}

export function staffOf(res: Response): StaffPrincipal {
  const staff = res.locals.staff as StaffPrincipal | undefined;
  if (!staff) throw new Error('staffOf: route has no requireRoles');
  return staff;
}
