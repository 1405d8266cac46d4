/** Dashboard sessions and spent sign-in links (tables `sessions`, `used_sign_in_tokens`). */
import type { Kysely } from 'kysely';
import { withTransaction } from '../database';
import type { Database, StaffRoleText } from '../types';

export interface ActiveSessionRow {
  staff_id: string;
  role: StaffRoleText;
  compound_id: string | null;
  expires_at: string;
  name: string;
  /** The staff member's role and compound in the directory now. */
  current_role: StaffRoleText;
  current_compound: string | null;
}

export interface NewSession {
  idHash: string;
  staff: { id: string; role: StaffRoleText; compound_id: string | null };
  createdAt: string;
  expiresAt: string;
}

export interface SpentSignInToken {
  tokenHash: string;
  staffId: string;
  usedAt: string;
  expiresAt: string;
}

export class SessionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The session with this id hash that has not expired at `nowIso`, with the staff member's current directory entry. */
  async findActiveSession(idHash: string, nowIso: string): Promise<ActiveSessionRow | undefined> {
    return this.db
      .selectFrom('sessions as s')
      .innerJoin('staff as st', 'st.id', 's.staff_id')
      .select(['s.staff_id', 's.role', 's.compound_id', 's.expires_at', 'st.name', 'st.role as current_role', 'st.compound_id as current_compound'])
      .where('s.id_hash', '=', idHash)
      .where('s.expires_at', '>', nowIso)
      // A deactivated member of staff is signed out at their next request.
      .where('st.deactivated_at', 'is', null)
      .executeTakeFirst();
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
  }

  /** Deletes sessions and spent sign-in tokens expired at `nowIso`. */
  async purgeExpired(nowIso: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('expires_at', '<=', nowIso).execute();
    await this.db.deleteFrom('used_sign_in_tokens').where('expires_at', '<=', nowIso).execute();
  }

  async isSignInTokenSpent(tokenHash: string): Promise<boolean> {
    const used = await this.db.selectFrom('used_sign_in_tokens').select('token_hash').where('token_hash', '=', tokenHash).executeTakeFirst();
    return !!used;
  }

  /**
   * Spends the sign-in token and opens the session, in one transaction. A token already spent
   * fails with the database's unique violation (see `isUniqueViolation`), and no session is opened.
   */
  async openSessionSpendingToken(token: SpentSignInToken, session: NewSession): Promise<void> {
    await withTransaction(this.db, async (trx) => {
      await trx
        .insertInto('used_sign_in_tokens')
        .values({ token_hash: token.tokenHash, staff_id: token.staffId, used_at: token.usedAt, expires_at: token.expiresAt })
        .execute();
      await trx
        .insertInto('sessions')
        .values({
          id_hash: session.idHash,
          staff_id: session.staff.id,
          role: session.staff.role,
          compound_id: session.staff.compound_id,
          created_at: session.createdAt,
          expires_at: session.expiresAt,
        })
        .execute();
    });
  }
}
