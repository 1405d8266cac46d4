/**
 * What a family's own page (api/family/home-page.ts), the rewards counter and the merchants' coupon
 * page read besides the ledger and the coupons: the family's registrations with their activities,
 * the words behind ledger entries (activity titles, the reward a redemption or a refund was for),
 * and the merchants a coupon link goes to.
 */
import type { Kysely } from 'kysely';
import type { Database, LocaleText, RegistrationStatus } from '../types';
import { num } from '../util';

export interface FamilyCard {
  id: string;
  name: string;
  compoundId: string;
  email: string;
  locale: LocaleText;
  qrToken: string;
}

export interface FamilyRegistration {
  activityId: string;
  title: string;
  startsAt: string;
  endsAt: string;
  stage: string;
  status: RegistrationStatus;
  members: number;
  checkedInAt: string | null;
}

export interface MerchantContact {
  id: string;
  name: string;
  email: string;
  locale: LocaleText;
  active: boolean;
}

export class FamilyHomeRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async family(id: string): Promise<FamilyCard | undefined> {
    const row = await this.db.selectFrom('families').select(['id', 'name', 'compound_id', 'email', 'locale', 'qr_token']).where('id', '=', id).executeTakeFirst();
    return row ? { id: row.id, name: row.name, compoundId: row.compound_id, email: row.email, locale: row.locale, qrToken: row.qr_token } : undefined;
  }

  /** The family's registrations, the latest activity first, with its check-in when there is one. */
  async registrationsOf(familyId: string, limit = 50): Promise<FamilyRegistration[]> {
    const rows = await this.db
      .selectFrom('registrations as r')
      .innerJoin('activities as a', 'a.id', 'r.activity_id')
      .leftJoin('check_ins as c', (j) => j.onRef('c.activity_id', '=', 'r.activity_id').on('c.person_kind', '=', 'family').onRef('c.person_id', '=', 'r.family_id'))
      .select(['r.activity_id', 'a.title', 'a.starts_at', 'a.ends_at', 'a.stage', 'r.status', 'r.members', 'c.checked_in_at'])
      .where('r.family_id', '=', familyId)
      .orderBy('a.starts_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      activityId: r.activity_id,
      title: r.title,
      startsAt: r.starts_at,
      endsAt: r.ends_at,
      stage: r.stage,
      status: r.status,
      members: num(r.members),
      checkedInAt: r.checked_in_at,
    }));
  }

  async activityTitles(ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.selectFrom('activities').select(['id', 'title']).where('id', 'in', [...new Set(ids)]).execute();
    return new Map(rows.map((r) => [r.id, r.title]));
  }

  /**
   * The reward each entry was about: a redemption entry's reward, and a reversal's (a refund) when
   * the entry it reverses is a redemption. Keyed by the given entry ids.
   */
  async rewardsOfEntries(entries: readonly { id: string; kind: string; reversesEntryId: string | null }[]): Promise<Map<string, string>> {
    const spendIds = new Map<string, string>();
    for (const e of entries) {
      if (e.kind === 'redemption') spendIds.set(e.id, e.id);
      else if (e.kind === 'reversal' && e.reversesEntryId) spendIds.set(e.id, e.reversesEntryId);
    }
    if (spendIds.size === 0) return new Map();
    const rows = await this.db
      .selectFrom('redemptions as r')
      .innerJoin('rewards as w', 'w.id', 'r.reward_id')
      .select(['r.entry_id', 'w.name'])
      .where('r.entry_id', 'in', [...new Set(spendIds.values())])
      .execute();
    const byEntry = new Map(rows.map((r) => [r.entry_id, r.name]));
    const out = new Map<string, string>();
    for (const [entryId, spendId] of spendIds) {
      const name = byEntry.get(spendId);
      if (name !== undefined) out.set(entryId, name);
    }
    return out;
  }

  async merchant(id: string): Promise<MerchantContact | undefined> {
    const row = await this.db.selectFrom('merchants').select(['id', 'name', 'email', 'locale', 'deactivated_at']).where('id', '=', id).executeTakeFirst();
    return row ? { id: row.id, name: row.name, email: row.email, locale: row.locale, active: row.deactivated_at === null } : undefined;
  }

  /** Merchants with at least one reward in the catalogue (those whose coupons families hold), by name. */
  async merchantsWithRewards(): Promise<(MerchantContact & { rewards: number })[]> {
    const rows = await this.db
      .selectFrom('merchants as m')
      .innerJoin('rewards as w', 'w.merchant_id', 'm.id')
      .select((eb) => ['m.id', 'm.name', 'm.email', 'm.locale', 'm.deactivated_at', eb.fn.count<string | number>('w.id').as('rewards')])
      .groupBy(['m.id', 'm.name', 'm.email', 'm.locale', 'm.deactivated_at'])
      .orderBy('m.name')
      .execute();
    return rows.map((r) => ({ id: r.id, name: r.name, email: r.email, locale: r.locale, active: r.deactivated_at === null, rewards: num(r.rewards) }));
  }
}
