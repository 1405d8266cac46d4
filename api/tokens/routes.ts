/**
 * API bearer tokens (coordinator): issue one to a member of staff, list them, revoke one. A token
 * is shown once, in the answer that issues it; the database keeps only its SHA-256. Revoking takes
 * effect at the next request (no restart). To rotate a token: issue a new one, hand it over, then
 * revoke the old one.
 *
 *   POST /api/staff/:id/tokens             issue → 201 { id, staffId, label, createdAt, token }
 *   GET  /api/staff/:id/tokens             that staff member's tokens (never a token or a hash)
 *   GET  /api/tokens                       every token
 *   POST /api/tokens/:tokenId/revoke       → 200 the token; revoking again answers the same
 *
 * A feature of its own rather than part of the directory (api/people/): these are credentials,
 * with their own table, paths and rules, while the directory's routes are one generic
 * create/update/list over its records.
 */
import { z } from 'zod';
import type { Repositories } from '../../db/repositories';
import { text } from '../../domain/text';
import { Id } from '../activities/schemas';
import { HttpError } from '../http/errors';
import { defineRoute, type Route } from '../http/define-route';
import { commonErrors, errorDoc } from '../http/feature-routes';
import { tokenService } from './service';

/** The longest label a token may carry (the page's field says so too). */
export const TOKEN_LABEL_MAX = 100;

export const IssueTokenBody = z.strictObject({
  /** What the token is for ("签到扫码枪", "nightly export"), so a list can tell tokens apart. */
  label: text().trim().min(1).max(TOKEN_LABEL_MAX),
});

export const ApiTokenResponse = z.object({
  id: z.string(),
  staffId: z.string(),
  staffName: z.string(),
  label: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  revokedBy: z.string().nullable(),
});

export const IssuedTokenResponse = z.object({
  id: z.string(),
  staffId: z.string(),
  label: z.string(),
  createdAt: z.string(),
  /** The bearer token: shown this once, never again. */
  token: z.string(),
});

export const ApiTokenListResponse = z.object({ tokens: z.array(ApiTokenResponse) });

const StaffParam = z.object({ id: Id });
const TokenParam = z.object({ tokenId: Id });

const staffNotFound = errorDoc('No staff member with this id in the directory');
const staffNotInDirectory = (id: string) => new HttpError(404, 'NotFound', `No staff member ${id} in the directory; add them first (POST /api/directory/staff)`);

export interface TokenRoutesDeps {
  repos: Repositories;
  /** Epoch ms. */
  now: () => number;
}

export function tokenRoutes(deps: TokenRoutesDeps): Route[] {
  const { repos } = deps;
  const tokens = repos.apiTokens;
  const service = tokenService(deps);

  const staffOr404 = async (id: string) => {
    if (!(await repos.staff.findById(id))) throw staffNotInDirectory(id);
  };

  return [
    defineRoute({
      id: 'issueApiToken',
      method: 'post',
      path: '/api/staff/:id/tokens',
      summary: 'Issue an API bearer token to a member of staff; the answer is the only time the token is shown',
      roles: ['coordinator'],
      params: StaffParam,
      body: { name: 'IssueTokenBody', schema: IssueTokenBody },
      responses: {
        201: { description: 'Issued: keep the token now, it is not shown again', schema: { name: 'IssuedTokenResponse', schema: IssuedTokenResponse } },
        ...commonErrors,
        404: staffNotFound,
      },
      async handler({ params, body, staff, res }) {
        const issued = await service.issue({ staffId: params.id, label: body.label, by: staff.staffId });
        if (!issued) throw staffNotInDirectory(params.id);
        res.status(201).json(issued);
      },
    }),
    defineRoute({
      id: 'listStaffApiTokens',
      method: 'get',
      path: '/api/staff/:id/tokens',
      summary: 'A staff member’s API tokens, revoked ones included (never a token or its hash)',
      roles: ['coordinator'],
      params: StaffParam,
      responses: {
        200: { description: '{ tokens }, oldest first', schema: { name: 'ApiTokenListResponse', schema: ApiTokenListResponse } },
        ...commonErrors,
        404: staffNotFound,
      },
      async handler({ params, res }) {
        await staffOr404(params.id);
        res.json({ tokens: await tokens.list({ staffId: params.id }) });
      },
    }),
    defineRoute({
      id: 'listApiTokens',
      method: 'get',
      path: '/api/tokens',
      summary: 'Every issued API token, revoked ones included (never a token or its hash)',
      roles: ['coordinator'],
      responses: { 200: { description: '{ tokens }, oldest first', schema: { name: 'ApiTokenListResponse', schema: ApiTokenListResponse } }, ...commonErrors },
      async handler({ res }) {
        res.json({ tokens: await tokens.list() });
      },
    }),
    defineRoute({
      id: 'revokeApiToken',
      method: 'post',
      path: '/api/tokens/:tokenId/revoke',
      summary: 'Revoke an API token: it is refused from the next request on; revoking it again answers the same',
      roles: ['coordinator'],
      params: TokenParam,
      responses: {
        200: { description: 'The token, revoked (revokedAt is the first revocation’s)', schema: { name: 'ApiTokenResponse', schema: ApiTokenResponse } },
        ...commonErrors,
        404: errorDoc('No token with this id'),
      },
      async handler({ params, staff, res }) {
        const revoked = await service.revoke(params.tokenId, staff.staffId);
        if (!revoked) throw new HttpError(404, 'NotFound', `No API token ${params.tokenId}`);
        res.json(revoked);
      },
    }),
  ];
}
