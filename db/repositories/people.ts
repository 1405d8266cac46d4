/** Families, volunteers, merchants and compounds as the API's pages and routes look them up. */
import { sql, type Kysely } from 'kysely';
import type { Database, LocaleText } from '../types';

export interface ContactRow {
  id: string;
  name: string;
  email: string;
  locale: LocaleText;
}

/** Directory tables a recipient key (`staff:…`, `family:…`, …) may point into. */
export type PeopleTable = 'staff' | 'families' | 'volunteers' | 'merchants';

export class PeopleRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async familyContact(id: string): Promise<ContactRow | undefined> {
    return this.db.selectFrom('families').select(['id', 'name', 'email', 'locale']).where('id', '=', id).executeTakeFirst();
  }

  async volunteerContact(id: string): Promise<ContactRow | undefined> {
    return this.db.selectFrom('volunteers').select(['id', 'name', 'email', 'locale']).where('id', '=', id).executeTakeFirst();
  }

  async familyHousehold(id: string): Promise<{ id: string; name: string; members: number } | undefined> {
    return this.db.selectFrom('families').select(['id', 'name', 'members']).where('id', '=', id).executeTakeFirst();
  }

  async volunteerName(id: string): Promise<{ id: string; name: string } | undefined> {
    return this.db.selectFrom('volunteers').select(['id', 'name']).where('id', '=', id).executeTakeFirst();
  }

  /** Whose QR card carries this token: a family's first, else a volunteer's. */
  async personByQrToken(token: string): Promise<{ kind: 'family' | 'volunteer'; id: string } | undefined> {
    const family = await this.db.selectFrom('families').select('id').where('qr_token', '=', token).executeTakeFirst();
    if (family) return { kind: 'family', id: family.id };
    const volunteer = await this.db.selectFrom('volunteers').select('id').where('qr_token', '=', token).executeTakeFirst();
    if (volunteer) return { kind: 'volunteer', id: volunteer.id };
    return undefined;
  }

  /**
   * Whose card shows this short code (domain/card.ts: the token's first characters, upper case).
   * 'ambiguous' when two cards share it (a one-in-a-trillion chance for generated tokens, likelier
   * for imported short ones): the desk then asks for the QR scan instead of guessing.
   */
  async personByCardCode(code: string): Promise<{ kind: 'family' | 'volunteer'; id: string } | 'ambiguous' | undefined> {
    const head = sql<string>`upper(substr(qr_token, 1, ${code.length}))`;
    const [families, volunteers] = await Promise.all([
      this.db.selectFrom('families').select('id').where(head, '=', code).limit(2).execute(),
      this.db.selectFrom('volunteers').select('id').where(head, '=', code).limit(2).execute(),
    ]);
    const found = [...families.map((f) => ({ kind: 'family' as const, id: f.id })), ...volunteers.map((v) => ({ kind: 'volunteer' as const, id: v.id }))];
    if (found.length > 1) return 'ambiguous';
    return found[0];
  }

  /**
   * The compound (id and name) of each family or volunteer named, for the compound-scope rule;
   * null for a volunteer attached to no compound. People not in the directory are left out.
   */
  async compoundsOf(
    people: readonly { kind: 'family' | 'volunteer'; id: string }[],
  ): Promise<{ kind: 'family' | 'volunteer'; id: string; name: string; compound: { id: string; name: string } | null }[]> {
    const out: { kind: 'family' | 'volunteer'; id: string; name: string; compound: { id: string; name: string } | null }[] = [];
    for (const kind of ['family', 'volunteer'] as const) {
      const ids = [...new Set(people.filter((p) => p.kind === kind).map((p) => p.id))];
      for (let i = 0; i < ids.length; i += 200) {
        const batch = ids.slice(i, i + 200);
        const rows =
          kind === 'family'
            ? await this.db
                .selectFrom('families as p')
                .leftJoin('compounds as c', 'c.id', 'p.compound_id')
                .select(['p.id', 'p.name', 'p.compound_id', 'c.name as compound_name'])
                .where('p.id', 'in', batch)
                .execute()
            : await this.db
                .selectFrom('volunteers as p')
                .leftJoin('compounds as c', 'c.id', 'p.compound_id')
                .select(['p.id', 'p.name', 'p.compound_id', 'c.name as compound_name'])
                .where('p.id', 'in', batch)
                .execute();
        for (const r of rows) {
          out.push({ kind, id: r.id, name: r.name, compound: r.compound_id === null ? null : { id: r.compound_id, name: r.compound_name ?? r.compound_id } });
        }
      }
    }
    return out;
  }

  /** Families whose address, lower-cased, is `lowerEmail` (by id, at most `limit`). */
  async familiesByEmail(lowerEmail: string, limit: number): Promise<ContactRow[]> {
    return this.db
      .selectFrom('families')
      .select(['id', 'name', 'email', 'locale'])
      .where((eb) => eb(eb.fn('lower', ['email']), '=', lowerEmail))
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  async compoundName(id: string): Promise<string | undefined> {
    return (await this.db.selectFrom('compounds').select('name').where('id', '=', id).executeTakeFirst())?.name;
  }

  /** Every compound's name by id. */
  async compoundNames(): Promise<Map<string, string>> {
    const rows = await this.db.selectFrom('compounds').select(['id', 'name']).orderBy('id').execute();
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  /** Name and address of the people with these ids in one directory table (in batches of 200). */
  async namesAndEmails(table: PeopleTable, ids: readonly string[]): Promise<{ id: string; name: string; email: string }[]> {
    const out: { id: string; name: string; email: string }[] = [];
    for (let i = 0; i < ids.length; i += 200) {
      out.push(...(await this.db.selectFrom(table).select(['id', 'name', 'email']).where('id', 'in', ids.slice(i, i + 200)).execute()));
    }
    return out;
  }
}
