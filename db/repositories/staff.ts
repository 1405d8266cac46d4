/** Staff lookups in the directory (table `staff`). */
import type { Kysely } from 'kysely';
import type { Database, LocaleText, StaffRoleText, StaffTable } from '../types';

export type StaffRow = StaffTable;

export class StaffRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async findById(id: string): Promise<StaffRow | undefined> {
    return this.db.selectFrom('staff').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The first staff member (by id) of a role, in a compound when given. */
  async findFirstOfRole(role: StaffRoleText, compound?: string): Promise<StaffRow | undefined> {
    let q = this.db.selectFrom('staff').selectAll().where('role', '=', role);
    if (compound !== undefined) q = q.where('compound_id', '=', compound);
    return q.orderBy('id').limit(1).executeTakeFirst();
  }

  /** The first staff member (by id) whose address, lower-cased, is `lowerEmail`. */
  async findByEmail(lowerEmail: string): Promise<{ id: string; name: string; email: string; locale: LocaleText } | undefined> {
    return this.db
      .selectFrom('staff')
      .select(['id', 'name', 'email', 'locale'])
      .where((eb) => eb(eb.fn('lower', ['email']), '=', lowerEmail))
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
