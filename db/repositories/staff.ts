/** Staff lookups in the directory (table `staff`). */
import type { Kysely, Selectable } from 'kysely';
import type { Database, LocaleText, StaffRoleText, StaffTable } from '../types';

export type StaffRow = Selectable<StaffTable>;

export class StaffRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async findById(id: string): Promise<StaffRow | undefined> {
    return this.db.selectFrom('staff').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The first active staff member (by id) of a role, in a compound when given: a deactivated one is never picked. */
  async findFirstOfRole(role: StaffRoleText, compound?: string): Promise<StaffRow | undefined> {
    let q = this.db.selectFrom('staff').selectAll().where('role', '=', role).where('deactivated_at', 'is', null);
    if (compound !== undefined) q = q.where('compound_id', '=', compound);
    return q.orderBy('id').limit(1).executeTakeFirst();
  }

  /** The first active staff member (by id) whose address, lower-cased, is `lowerEmail`: a deactivated one gets no sign-in link. */
  async findByEmail(lowerEmail: string): Promise<{ id: string; name: string; email: string; locale: LocaleText } | undefined> {
    return this.db
      .selectFrom('staff')
      .select(['id', 'name', 'email', 'locale'])
      .where((eb) => eb(eb.fn('lower', ['email']), '=', lowerEmail))
      .where('deactivated_at', 'is', null)
      .orderBy('id')
      .executeTakeFirst();
  }

  /** Names by id, for the ids given. */
  async namesByIds(ids: Iterable<string>): Promise<Map<string, string>> {
    const list = [...new Set(ids)];
    if (list.length === 0) return new Map();
    const rows = await this.db.selectFrom('staff').select(['id', 'name']).where('id', 'in', list).execute();
    return new Map(rows.map((r) => [r.id, r.name]));
  }
}
