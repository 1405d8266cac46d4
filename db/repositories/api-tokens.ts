/**
 * API bearer tokens issued to staff (table `api_tokens`). The token is 32 random bytes, base64url,
 * behind the `cgt_` prefix (so a leaked one is recognisable in a log, a paste or a secret scanner);
 * it is returned once, by `issue`, and only its SHA-256 is stored. Looking a token up is a lookup
 * of its hash, so the comparison leaks nothing about the stored ones.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, StaffRoleText } from '../types';
import { newId } from '../util';

export const API_TOKEN_PREFIX = 'cgt_';

/** What a list shows of a token: never the token, never its hash. */
export interface ApiTokenView {
  id: string;
  staffId: string;
  staffName: string;
  label: string;
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
}

/** A token just issued: the only time its plaintext exists outside the caller's hands. */
export interface IssuedApiToken {
  id: string;
  staffId: string;
  label: string;
  createdAt: string;
  token: string;
}

/** Whom an unrevoked token authenticates, as the directory lists them now. */
export interface ApiTokenHolder {
  tokenId: string;
  staffId: string;
  role: StaffRoleText;
  name: string;
  compound: string | null;
  lastUsedAt: string | null;
}

export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export class ApiTokenRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Issues a token to the staff member; undefined when the directory has no such member. */
  async issue(input: { staffId: string; label: string; createdBy: string; at: string }): Promise<IssuedApiToken | undefined> {
    const staff = await this.db.selectFrom('staff').select('id').where('id', '=', input.staffId).executeTakeFirst();
    if (!staff) return undefined;
    const token = `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const id = newId('tok');
    await this.db
      .insertInto('api_tokens')
      .values({ id, staff_id: input.staffId, token_hash: hashApiToken(token), label: input.label, created_at: input.at, created_by: input.createdBy })
      .execute();
    return { id, staffId: input.staffId, label: input.label, createdAt: input.at, token };
  }

  /**
   * The holder of an unrevoked token, with their role, name and compound from the directory as it
   * is now (a change there applies at the next request); undefined for an unknown or revoked token.
   */
  async findActiveByToken(token: string): Promise<ApiTokenHolder | undefined> {
    const row = await this.db
      .selectFrom('api_tokens as t')
      .innerJoin('staff as s', 's.id', 't.staff_id')
      .select(['t.id', 't.staff_id', 't.last_used_at', 's.role', 's.name', 's.compound_id'])
      .where('t.token_hash', '=', hashApiToken(token))
      .where('t.revoked_at', 'is', null)
      // A deactivated member of staff's tokens stop working at once (and work again if reactivated).
      .where('s.deactivated_at', 'is', null)
      .executeTakeFirst();
    if (!row) return undefined;
    return { tokenId: row.id, staffId: row.staff_id, role: row.role, name: row.name, compound: row.compound_id, lastUsedAt: row.last_used_at };
  }

  async markUsed(tokenId: string, at: string): Promise<void> {
    await this.db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', tokenId).execute();
  }

  /** Every token, or one staff member's, oldest first. */
  async list(filter: { staffId?: string } = {}): Promise<ApiTokenView[]> {
    let q = this.viewQuery();
    if (filter.staffId !== undefined) q = q.where('t.staff_id', '=', filter.staffId);
    const rows = await q.orderBy('t.created_at').orderBy('t.id').execute();
    return rows.map(toView);
  }

  async find(tokenId: string): Promise<ApiTokenView | undefined> {
    const row = await this.viewQuery().where('t.id', '=', tokenId).executeTakeFirst();
    return row ? toView(row) : undefined;
  }

  /**
   * Revokes the token: it authenticates no one from the next request on. Revoking it again
   * changes nothing (the first revocation's time and coordinator stay). Undefined for an unknown id.
   */
  async revoke(tokenId: string, by: { staffId: string; at: string }): Promise<ApiTokenView | undefined> {
    await this.db
      .updateTable('api_tokens')
      .set({ revoked_at: by.at, revoked_by: by.staffId })
      .where('id', '=', tokenId)
      .where('revoked_at', 'is', null)
      .execute();
    return this.find(tokenId);
  }

  private viewQuery() {
    return this.db
      .selectFrom('api_tokens as t')
      .innerJoin('staff as s', 's.id', 't.staff_id')
      .select(['t.id', 't.staff_id', 's.name as staff_name', 't.label', 't.created_at', 't.created_by', 't.last_used_at', 't.revoked_at', 't.revoked_by']);
  }
}

function toView(row: {
  id: string;
  staff_id: string;
  staff_name: string;
  label: string;
  created_at: string;
  created_by: string;
  last_used_at: string | null;
  revoked_at: string | null;
  revoked_by: string | null;
}): ApiTokenView {
  return {
    id: row.id,
    staffId: row.staff_id,
    staffName: row.staff_name,
    label: row.label,
    createdAt: row.created_at,
    createdBy: row.created_by,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
  };
}
