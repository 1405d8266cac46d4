/** Growth-points reads the API makes beside the Ledger service: the leaderboard, redemptions, rewards. */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../types';
import { num } from '../util';

export interface LeaderboardRow {
  familyId: string;
  name: string;
  compound: string;
  balance: number;
  earned: number;
}

export class PointsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Families by current balance (SUM of their ledger entries), highest first; families without entries are left out. */
  async leaderboard(compound: string | undefined, limit = 100): Promise<LeaderboardRow[]> {
    let q = this.db
      .selectFrom('points_entries as p')
      .innerJoin('families as f', 'f.id', 'p.holder_id')
      .select((eb) => [
        'f.id',
        'f.name',
        'f.compound_id',
        eb.fn.sum<string | number | null>('p.amount').as('balance'),
        sql<string | number | null>`sum(case when p.kind = 'award' then p.amount else 0 end)`.as('earned'),
      ])
      .where('p.holder_kind', '=', 'family');
    if (compound !== undefined) q = q.where('f.compound_id', '=', compound);
    const rows = await q
      .groupBy(['f.id', 'f.name', 'f.compound_id'])
      .orderBy('balance', 'desc')
      .orderBy('f.id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ familyId: r.id, name: r.name, compound: r.compound_id, balance: num(r.balance), earned: num(r.earned) }));
  }

  /** Whether a redemption with this idempotency key is already recorded. */
  async redemptionExists(idempotencyKey: string): Promise<boolean> {
    return !!(await this.db.selectFrom('redemptions').select('id').where('idempotency_key', '=', idempotencyKey).executeTakeFirst());
  }

  async rewardName(rewardId: string): Promise<string | undefined> {
    return (await this.db.selectFrom('rewards').select('name').where('id', '=', rewardId).executeTakeFirst())?.name;
  }
}
