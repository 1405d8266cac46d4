/**
 * Staff authentication for /api: a bearer token, and the roles a route admits. Two kinds of token
 * are accepted side by side:
 * - config.staffTokens (STAFF_TOKENS), for scripts and tests: compared in constant time (SHA-256
 *   of each, every configured token compared, no early exit); the principal is as configured;
 * - tokens a coordinator issued (`cgt_…`, db/repositories/api-tokens.ts): looked up by their
 *   SHA-256, so revoking one in the database refuses it at the next request, no restart; the
 *   principal is the staff member's directory entry as it is at that request.
 * Neither the Authorization header nor a token is ever logged or echoed in an answer.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { StaffToken } from '../../config';
import { API_TOKEN_PREFIX, type ApiTokenRepository } from '../../db/repositories';
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

export type Authenticate = (presented: string) => Promise<StaffPrincipal | undefined>;

/** `last_used_at` is written at most this often per token, so a busy script is not a write per request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export interface IssuedTokens {
  repo: Pick<ApiTokenRepository, 'findActiveByToken' | 'markUsed'>;
  /** Epoch ms. */
  now: () => number;
}

export function createAuthenticator(tokens: readonly StaffToken[], issued?: IssuedTokens): Authenticate {
  const known = tokens.map((t) => ({
    digest: digest(t.token),
    principal: { staffId: t.staffId, role: t.role, name: t.name, ...(t.compound ? { compound: t.compound } : {}) } as StaffPrincipal,
  }));
  const configured = (presented: string): StaffPrincipal | undefined => {
    const given = digest(presented);
    let match: StaffPrincipal | undefined;
    for (const k of known) {
      // Equal-length digests: timingSafeEqual never throws, and every token is compared.
      if (timingSafeEqual(k.digest, given) && !match) match = k.principal;
    }
    return match;
  };
  return async (presented) => {
    const match = configured(presented);
    if (match || !issued || !presented.startsWith(API_TOKEN_PREFIX)) return match;
    const holder = await issued.repo.findActiveByToken(presented);
    if (!holder) return undefined;
    const now = issued.now();
    if (holder.lastUsedAt === null || Date.parse(holder.lastUsedAt) <= now - LAST_USED_RESOLUTION_MS) {
      await issued.repo.markUsed(holder.tokenId, new Date(now).toISOString());
    }
    return { staffId: holder.staffId, role: holder.role, name: holder.name, ...(holder.compound ? { compound: holder.compound } : {}) };
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
  return async (req, res, next) => {
    const header = req.get('authorization');
    const match = header ? /^Bearer[ ]+([^\s]+)\s*$/i.exec(header) : null;
    if (!header) {
      throw new HttpError(401, 'Unauthorized', 'Authorization: Bearer <token> is required', undefined, {
        'WWW-Authenticate': 'Bearer realm="api"',
      });
    }
    const principal = match?.[1] ? await authenticate(match[1]) : undefined;
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
