/** Growth-points reads the API makes beside the Ledger service: the leaderboard, redemptions, rewards. */
import { sql, type Kysely } from 'kysely';
import type { YearLedgerEntry } from '../../domain/year-report';
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

  /**
   * Ledger entries by id, with their holder's name: the cycle report's points chart buckets its
   * counted entries by month and lists those behind a bar. Unknown ids are left out.
   */
  async entriesByIds(ids: readonly string[]): Promise<YearLedgerEntry[]> {
    const out: YearLedgerEntry[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db
        .selectFrom('points_entries as e')
        .leftJoin('families as f', (j) => j.onRef('f.id', '=', 'e.holder_id').on('e.holder_kind', '=', 'family'))
        .leftJoin('volunteers as v', (j) => j.onRef('v.id', '=', 'e.holder_id').on('e.holder_kind', '=', 'volunteer'))
        .select(['e.id', 'e.holder_kind', 'e.holder_id', 'e.kind', 'e.rule', 'e.amount', 'e.activity_id', 'e.created_at', 'f.name as family_name', 'v.name as volunteer_name'])
        .where('e.id', 'in', ids.slice(i, i + 500))
        .execute();
      for (const r of rows) {
        out.push({
          entryId: r.id,
          holderKind: r.holder_kind as 'family' | 'volunteer',
          holderId: r.holder_id,
          holderName: r.family_name ?? r.volunteer_name ?? '',
          kind: r.kind,
          rule: r.rule,
          amount: num(r.amount),
          activityId: r.activity_id,
          createdAt: r.created_at,
        });
      }
    }
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.entryId.localeCompare(b.entryId));
  }
}
