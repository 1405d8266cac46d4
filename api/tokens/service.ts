/**
 * Issuing and revoking API tokens: the one place both the JSON routes (routes.ts) and the
 * coordinator's page (pages.ts) go through, so a token issued either way is the same record.
 */
import type { ApiTokenView, IssuedApiToken, Repositories } from '../../db/repositories';

export interface TokenServiceDeps {
  repos: Repositories;
  /** Epoch ms. */
  now: () => number;
}

export interface TokenService {
  /** Undefined when the directory has no such staff member. `label` is IssueTokenBody's, already parsed. */
  issue(input: { staffId: string; label: string; by: string }): Promise<IssuedApiToken | undefined>;
  /** Undefined for an unknown token; revoking a revoked one changes nothing. */
  revoke(tokenId: string, by: string): Promise<ApiTokenView | undefined>;
}

export function tokenService({ repos, now }: TokenServiceDeps): TokenService {
  const at = () => new Date(now()).toISOString();
  return {
    issue: ({ staffId, label, by }) => repos.apiTokens.issue({ staffId, label, createdBy: by, at: at() }),
    revoke: (tokenId, by) => repos.apiTokens.revoke(tokenId, { staffId: by, at: at() }),
  };
}
