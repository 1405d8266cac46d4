/**
 * The directory: compounds, families, staff, volunteers, merchants and venues. Create, update,
 * list, and import from CSV. Every input is validated with zod; a CSV import is all or nothing.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { text } from '../../domain/text';
import { Locale, StaffRole } from '../../domain/schemas';
import { isForeignKeyViolation, isUniqueViolation, withTransaction } from '../database';
import type { Database, LocaleText, StaffRoleText } from '../types';
import { ServiceError, num, randomToken } from '../util';
import { CsvSyntaxError, parseCsv } from '../../lib/csv';
import { IdSchema, parseInput } from './validation';

export type DirectoryErrorCode = 'NOT_FOUND' | 'DUPLICATE' | 'UNKNOWN_REFERENCE';

export class DirectoryError extends ServiceError<DirectoryErrorCode> {
  override readonly name = 'DirectoryError';
}

export interface CsvRowError {
  /** 1-based line in the file where the bad record starts (the header is line 1). */
  line: number;
  reason: string;
}

/** A CSV import that imported nothing; `rows` names every bad line. */
export class CsvImportError extends ServiceError<'CSV_INVALID'> {
  override readonly name = 'CsvImportError';
  constructor(readonly rows: CsvRowError[]) {
    super('CSV_INVALID', `CSV not imported (nothing was written):\n${rows.map((r) => `line ${r.line}: ${r.reason}`).join('\n')}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Shapes

const Name = text().trim().min(1).max(200);
const Email = z.string().trim().pipe(z.email());
/** A professional volunteer's profession, as the year report and the directory show it. */
const Profession = text().trim().min(1).max(100);
const QrToken = z
  .string()
  .trim()
  .min(8)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only');

export interface Compound {
  id: string;
  name: string;
  /** False once deactivated: kept with its history, left out of pickers. */
  active: boolean;
}
export interface Family {
  id: string;
  compoundId: string;
  name: string;
  email: string;
  locale: LocaleText;
  members: number;
  qrToken: string;
  /** False once deactivated: kept with its history, left out of pickers. */
  active: boolean;
}
export interface Staff {
  id: string;
  role: StaffRoleText;
  name: string;
  email: string;
  locale: LocaleText;
  compoundId: string | null;
  /** False once deactivated: kept with its history, left out of pickers. */
  active: boolean;
}
export interface Volunteer {
  id: string;
  name: string;
  email: string;
  locale: LocaleText;
  compoundId: string | null;
  qrToken: string;
  /** The volunteer's profession (专业志愿者, e.g. 家庭教育指导师); null for one serving without. */
  profession: string | null;
  /** False once deactivated: kept with its history, left out of pickers. */
  active: boolean;
}
export interface Merchant {
  id: string;
  name: string;
  email: string;
  locale: LocaleText;
  /** False once deactivated: kept with its history, left out of pickers. */
  active: boolean;
}
export interface Venue {
  id: string;
  merchantId: string | null;
  name: string;
  capacity: number | null;
  /** False once deactivated: kept with its history, left out of pickers. */
  active: boolean;
}

export const CompoundInput = z.object({ id: IdSchema, name: Name });
export const FamilyInput = z.object({
  id: IdSchema,
  compoundId: IdSchema,
  name: Name,
  email: Email,
  locale: Locale.default('zh-CN'),
  members: z.number().int().min(1).max(50).default(1),
  /** Printed on the family's QR card; generated when absent. */
  qrToken: QrToken.optional(),
});
export const StaffInput = z.object({
  id: IdSchema,
  role: StaffRole,
  name: Name,
  email: Email,
  locale: Locale.default('zh-CN'),
  compoundId: IdSchema.nullish(),
});
export const VolunteerInput = z.object({
  id: IdSchema,
  name: Name,
  email: Email,
  locale: Locale.default('zh-CN'),
  compoundId: IdSchema.nullish(),
  qrToken: QrToken.optional(),
  /** A professional volunteer's profession; absent or null for one without. */
  profession: Profession.nullish(),
});
export const MerchantInput = z.object({ id: IdSchema, name: Name, email: Email, locale: Locale.default('zh-CN') });
export const VenueInput = z.object({
  id: IdSchema,
  merchantId: IdSchema.nullish(),
  name: Name,
  capacity: z.number().int().positive().max(100_000).nullish(),
});

const CompoundPatch = z.object({ name: Name }).partial();
const FamilyPatch = z.object({ compoundId: IdSchema, name: Name, email: Email, locale: Locale, members: z.number().int().min(1).max(50), qrToken: QrToken }).partial();
const StaffPatch = z.object({ role: StaffRole, name: Name, email: Email, locale: Locale, compoundId: IdSchema.nullable() }).partial();
const VolunteerPatch = z.object({ name: Name, email: Email, locale: Locale, compoundId: IdSchema.nullable(), qrToken: QrToken, profession: Profession.nullable() }).partial();
const MerchantPatch = z.object({ name: Name, email: Email, locale: Locale }).partial();
const VenuePatch = z.object({ merchantId: IdSchema.nullable(), name: Name, capacity: z.number().int().positive().max(100_000).nullable() }).partial();

/** A record of any directory entity. */
export type DirectoryRecord = Compound | Family | Staff | Volunteer | Merchant | Venue;
export type DirectoryEntity = 'compounds' | 'families' | 'staff' | 'volunteers' | 'merchants' | 'venues';

interface EntitySpec {
  table: DirectoryEntity;
  label: string;
  create: z.ZodObject;
  patch: z.ZodObject;
  /** camelCase field → column. */
  columns: Record<string, string>;
  /** Fields a CSV header must have. */
  required: string[];
  /** Fields read as integers from CSV. */
  integers: string[];
  /** Fields that are NULL when empty. */
  nullable: string[];
  /** Foreign keys checked before writing, for a readable error. */
  refs: { field: string; table: 'compounds' | 'merchants'; label: string }[];
  /** A unique token generated when not given. */
  token?: string;
}

const SPECS: Record<DirectoryEntity, EntitySpec> = {
  compounds: {
    table: 'compounds',
    label: 'compound',
    create: CompoundInput,
    patch: CompoundPatch,
    columns: { id: 'id', name: 'name' },
    required: ['id', 'name'],
    integers: [],
    nullable: [],
    refs: [],
  },
  families: {
    table: 'families',
    label: 'family',
    create: FamilyInput,
    patch: FamilyPatch,
    columns: { id: 'id', compoundId: 'compound_id', name: 'name', email: 'email', locale: 'locale', members: 'members', qrToken: 'qr_token' },
    required: ['id', 'compoundId', 'name', 'email'],
    integers: ['members'],
    nullable: [],
    refs: [{ field: 'compoundId', table: 'compounds', label: 'compound' }],
    token: 'qrToken',
  },
  staff: {
    table: 'staff',
    label: 'staff member',
    create: StaffInput,
    patch: StaffPatch,
    columns: { id: 'id', role: 'role', name: 'name', email: 'email', locale: 'locale', compoundId: 'compound_id' },
    required: ['id', 'role', 'name', 'email'],
    integers: [],
    nullable: ['compoundId'],
    refs: [{ field: 'compoundId', table: 'compounds', label: 'compound' }],
  },
  volunteers: {
    table: 'volunteers',
    label: 'volunteer',
    create: VolunteerInput,
    patch: VolunteerPatch,
    columns: { id: 'id', name: 'name', email: 'email', locale: 'locale', compoundId: 'compound_id', qrToken: 'qr_token', profession: 'profession' },
    required: ['id', 'name', 'email'],
    integers: [],
    nullable: ['compoundId', 'profession'],
    refs: [{ field: 'compoundId', table: 'compounds', label: 'compound' }],
    token: 'qrToken',
  },
  merchants: {
    table: 'merchants',
    label: 'merchant',
    create: MerchantInput,
    patch: MerchantPatch,
    columns: { id: 'id', name: 'name', email: 'email', locale: 'locale' },
    required: ['id', 'name', 'email'],
    integers: [],
    nullable: [],
    refs: [],
  },
  venues: {
    table: 'venues',
    label: 'venue',
    create: VenueInput,
    patch: VenuePatch,
    columns: { id: 'id', merchantId: 'merchant_id', name: 'name', capacity: 'capacity' },
    required: ['id', 'name'],
    integers: ['capacity'],
    nullable: ['merchantId', 'capacity'],
    refs: [{ field: 'merchantId', table: 'merchants', label: 'merchant' }],
  },
};

const MAX_CSV_ROWS = 50_000;

const normaliseHeader = (h: string) => h.toLowerCase().replace(/[^a-z0-9]/g, '');

function toRow(spec: EntitySpec, data: Record<string, unknown>): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [field, column] of Object.entries(spec.columns)) {
    if (data[field] !== undefined) row[column] = data[field];
  }
  return row;
}

function fromRow<T>(spec: EntitySpec, row: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [field, column] of Object.entries(spec.columns)) {
    const v = row[column];
    out[field] = spec.integers.includes(field) && v !== null && v !== undefined ? num(v) : v;
  }
  out.active = row.deactivated_at === null || row.deactivated_at === undefined;
  return out as T;
}

/** Which records a list returns: all of them (the directory pages), or only the active (pickers). */
export interface ActiveFilter {
  activeOnly?: boolean;
}

export class Directory {
  /** Generic queries over the six directory tables (typed wrappers below). */
  private readonly anyDb: Kysely<any>;

  constructor(private readonly db: Kysely<Database>) {
    this.anyDb = db as unknown as Kysely<any>;
  }

  // --- any entity, by name (the JSON route and the directory pages) ------------------------

  /** Creates a record of `entity`, validated by that entity's schema (a bad field is an InvalidInputError naming it). */
  createRecord(entity: DirectoryEntity, input: unknown): Promise<DirectoryRecord> {
    return this.create(entity, input);
  }
  /** Applies `patch` to a record of `entity`, validated by that entity's patch schema. */
  updateRecord(entity: DirectoryEntity, id: string, patch: unknown): Promise<DirectoryRecord> {
    return this.update(entity, id, patch);
  }

  // --- typed API ---------------------------------------------------------------------------

  createCompound(input: z.input<typeof CompoundInput>): Promise<Compound> {
    return this.create('compounds', input);
  }
  updateCompound(id: string, patch: z.input<typeof CompoundPatch>): Promise<Compound> {
    return this.update('compounds', id, patch);
  }
  listCompounds(filter: ActiveFilter = {}): Promise<Compound[]> {
    return this.list('compounds', {}, filter);
  }
  getCompound(id: string): Promise<Compound | undefined> {
    return this.get('compounds', id);
  }

  createFamily(input: z.input<typeof FamilyInput>): Promise<Family> {
    return this.create('families', input);
  }
  updateFamily(id: string, patch: z.input<typeof FamilyPatch>): Promise<Family> {
    return this.update('families', id, patch);
  }
  listFamilies(filter: { compoundId?: string } & ActiveFilter = {}): Promise<Family[]> {
    return this.list('families', { compound_id: filter.compoundId }, filter);
  }
  getFamily(id: string): Promise<Family | undefined> {
    return this.get('families', id);
  }
  async findFamilyByQrToken(qrToken: string): Promise<Family | undefined> {
    const row = await this.db.selectFrom('families').selectAll().where('qr_token', '=', qrToken).executeTakeFirst();
    return row ? fromRow<Family>(SPECS.families, row) : undefined;
  }

  createStaff(input: z.input<typeof StaffInput>): Promise<Staff> {
    return this.create('staff', input);
  }
  updateStaff(id: string, patch: z.input<typeof StaffPatch>): Promise<Staff> {
    return this.update('staff', id, patch);
  }
  listStaff(filter: { role?: StaffRoleText; compoundId?: string } & ActiveFilter = {}): Promise<Staff[]> {
    return this.list('staff', { role: filter.role, compound_id: filter.compoundId }, filter);
  }
  getStaff(id: string): Promise<Staff | undefined> {
    return this.get('staff', id);
  }

  createVolunteer(input: z.input<typeof VolunteerInput>): Promise<Volunteer> {
    return this.create('volunteers', input);
  }
  updateVolunteer(id: string, patch: z.input<typeof VolunteerPatch>): Promise<Volunteer> {
    return this.update('volunteers', id, patch);
  }
  listVolunteers(filter: { compoundId?: string } & ActiveFilter = {}): Promise<Volunteer[]> {
    return this.list('volunteers', { compound_id: filter.compoundId }, filter);
  }
  getVolunteer(id: string): Promise<Volunteer | undefined> {
    return this.get('volunteers', id);
  }

  createMerchant(input: z.input<typeof MerchantInput>): Promise<Merchant> {
    return this.create('merchants', input);
  }
  updateMerchant(id: string, patch: z.input<typeof MerchantPatch>): Promise<Merchant> {
    return this.update('merchants', id, patch);
  }
  listMerchants(filter: ActiveFilter = {}): Promise<Merchant[]> {
    return this.list('merchants', {}, filter);
  }
  getMerchant(id: string): Promise<Merchant | undefined> {
    return this.get('merchants', id);
  }

  createVenue(input: z.input<typeof VenueInput>): Promise<Venue> {
    return this.create('venues', input);
  }
  updateVenue(id: string, patch: z.input<typeof VenuePatch>): Promise<Venue> {
    return this.update('venues', id, patch);
  }
  listVenues(filter: { merchantId?: string } & ActiveFilter = {}): Promise<Venue[]> {
    return this.list('venues', { merchant_id: filter.merchantId }, filter);
  }
  getVenue(id: string): Promise<Venue | undefined> {
    return this.get('venues', id);
  }

  /**
   * Deactivates a record: it stays (activities, points and the audit trail keep naming it) but is
   * no longer picked. A deactivated member of staff can no longer sign in or use an API token, and
   * their open sessions end now. Deactivating twice keeps the first instant. Returns the record.
   */
  async deactivate(entity: DirectoryEntity, id: string, at: string): Promise<{ id: string; name: string; active: boolean }> {
    const spec = SPECS[entity];
    const key = parseInput(IdSchema, id);
    return withTransaction(this.db, async (trx) => {
      const t = trx as unknown as Kysely<any>;
      await t.updateTable(spec.table).set({ deactivated_at: at }).where('id', '=', key).where('deactivated_at', 'is', null).execute();
      if (entity === 'staff') await t.deleteFrom('sessions').where('staff_id', '=', key).execute();
      return this.mustGet(t, spec, key);
    });
  }

  /** Makes a deactivated record active again (a member of staff may sign in again). */
  async reactivate(entity: DirectoryEntity, id: string): Promise<{ id: string; name: string; active: boolean }> {
    const spec = SPECS[entity];
    const key = parseInput(IdSchema, id);
    await this.anyDb.updateTable(spec.table).set({ deactivated_at: null }).where('id', '=', key).execute();
    return this.mustGet(this.anyDb, spec, key);
  }

  private async mustGet(db: Kysely<any>, spec: EntitySpec, id: string): Promise<{ id: string; name: string; active: boolean }> {
    const row = await db.selectFrom(spec.table).selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new DirectoryError('NOT_FOUND', `no ${spec.label} ${id}`);
    return fromRow(spec, row);
  }

  // --- generic ------------------------------------------------------------------------------

  private async checkRefs(trx: Kysely<any>, spec: EntitySpec, data: Record<string, unknown>): Promise<void> {
    for (const ref of spec.refs) {
      const value = data[ref.field];
      if (value === undefined || value === null) continue;
      const found = await trx.selectFrom(ref.table).select('id').where('id', '=', value).executeTakeFirst();
      if (!found) throw new DirectoryError('UNKNOWN_REFERENCE', `${ref.field}: no ${ref.label} ${String(value)}`);
    }
  }

  private async create<T>(entity: DirectoryEntity, input: unknown): Promise<T> {
    const spec = SPECS[entity];
    const data = parseInput(spec.create, input) as Record<string, unknown>;
    if (spec.token && data[spec.token] === undefined) data[spec.token] = randomToken(20);
    const row = toRow(spec, data);
    for (const f of spec.nullable) if (row[spec.columns[f] as string] === undefined) row[spec.columns[f] as string] = null;
    try {
      await this.checkRefs(this.anyDb, spec, data);
      await this.anyDb.insertInto(spec.table).values(row).execute();
    } catch (error) {
      throw this.mapError(spec, error, String(data.id));
    }
    return fromRow<T>(spec, row);
  }

  private async update<T>(entity: DirectoryEntity, id: string, patch: unknown): Promise<T> {
    const spec = SPECS[entity];
    const key = parseInput(IdSchema, id);
    const data = parseInput(spec.patch, patch) as Record<string, unknown>;
    const set = toRow(spec, data);
    try {
      await this.checkRefs(this.anyDb, spec, data);
      if (Object.keys(set).length) await this.anyDb.updateTable(spec.table).set(set).where('id', '=', key).execute();
    } catch (error) {
      throw this.mapError(spec, error, key);
    }
    const row = await this.anyDb.selectFrom(spec.table).selectAll().where('id', '=', key).executeTakeFirst();
    if (!row) throw new DirectoryError('NOT_FOUND', `no ${spec.label} ${key}`);
    return fromRow<T>(spec, row);
  }

  private async list<T>(entity: DirectoryEntity, filters: Record<string, string | undefined>, active: ActiveFilter = {}): Promise<T[]> {
    const spec = SPECS[entity];
    let q = this.anyDb.selectFrom(spec.table).selectAll();
    for (const [column, value] of Object.entries(filters)) if (value !== undefined) q = q.where(column, '=', value);
    if (active.activeOnly) q = q.where('deactivated_at', 'is', null);
    const rows = await q.orderBy('id').execute();
    return rows.map((r) => fromRow<T>(spec, r));
  }

  private async get<T>(entity: DirectoryEntity, id: string): Promise<T | undefined> {
    const spec = SPECS[entity];
    const row = await this.anyDb.selectFrom(spec.table).selectAll().where('id', '=', id).executeTakeFirst();
    return row ? fromRow<T>(spec, row) : undefined;
  }

  private mapError(spec: EntitySpec, error: unknown, id: string): unknown {
    if (isUniqueViolation(error)) return new DirectoryError('DUPLICATE', `a ${spec.label} with id ${id} (or the same QR token) exists`);
    if (isForeignKeyViolation(error)) return new DirectoryError('UNKNOWN_REFERENCE', `a ${spec.label} refers to a record that does not exist`);
    return error;
  }

  /** The rows a CSV would write, each validated; throws CsvImportError naming every bad line. Writes nothing. */
  private async validateCsv(entity: DirectoryEntity, csv: string): Promise<{ spec: EntitySpec; good: { line: number; data: Record<string, unknown> }[] }> {
    const spec = SPECS[entity];
    if (!spec) throw new Error(`unknown directory entity ${String(entity)}`);
    let records;
    try {
      records = parseCsv(csv);
    } catch (error) {
      if (error instanceof CsvSyntaxError) throw new CsvImportError([{ line: error.line, reason: error.message.replace(/^line \d+: /, '') }]);
      throw error;
    }
    const [header, ...body] = records;
    if (!header) throw new CsvImportError([{ line: 1, reason: 'the file is empty: a header row is required' }]);

    // Header
    const byNormalised = new Map(Object.keys(spec.columns).flatMap((f) => [[normaliseHeader(f), f] as const, [normaliseHeader(spec.columns[f] as string), f] as const]));
    const fields: string[] = [];
    const headerErrors: string[] = [];
    for (const h of header.fields) {
      const f = byNormalised.get(normaliseHeader(h));
      if (!f) headerErrors.push(`unknown column "${h}" (expected: ${Object.values(spec.columns).join(', ')})`);
      else if (fields.includes(f)) headerErrors.push(`column "${h}" appears twice`);
      fields.push(f ?? '');
    }
    const missing = spec.required.filter((f) => !fields.includes(f));
    if (missing.length) headerErrors.push(`missing column(s): ${missing.map((f) => spec.columns[f]).join(', ')}`);
    if (headerErrors.length) throw new CsvImportError([{ line: header.line, reason: headerErrors.join('; ') }]);
    if (body.length > MAX_CSV_ROWS) throw new CsvImportError([{ line: header.line, reason: `more than ${MAX_CSV_ROWS} rows` }]);

    // Rows
    const errors: CsvRowError[] = [];
    const good: { line: number; data: Record<string, unknown> }[] = [];
    const firstLineOf = new Map<string, number>();
    const tokenLine = new Map<string, number>();
    for (const rec of body) {
      if (rec.fields.length !== fields.length) {
        errors.push({ line: rec.line, reason: `has ${rec.fields.length} field(s); the header has ${fields.length}` });
        continue;
      }
      const raw: Record<string, unknown> = {};
      fields.forEach((f, i) => {
        const v = rec.fields[i] ?? '';
        if (v === '') return;
        raw[f] = spec.integers.includes(f) && /^[+-]?\d+$/.test(v) ? Number(v) : v;
      });
      const parsed = spec.create.safeParse(raw);
      if (!parsed.success) {
        errors.push({ line: rec.line, reason: parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'row'}: ${i.message}`).join('; ') });
        continue;
      }
      const data = parsed.data as Record<string, unknown>;
      const id = String(data.id);
      const seen = firstLineOf.get(id);
      if (seen !== undefined) {
        errors.push({ line: rec.line, reason: `id ${id} is also on line ${seen}` });
        continue;
      }
      firstLineOf.set(id, rec.line);
      if (spec.token && typeof data[spec.token] === 'string') {
        const token = data[spec.token] as string;
        const other = tokenLine.get(token);
        if (other !== undefined) {
          errors.push({ line: rec.line, reason: `${spec.token} is also used on line ${other}` });
          continue;
        }
        tokenLine.set(token, rec.line);
      }
      good.push({ line: rec.line, data });
    }

    // References and tokens against the database
    for (const ref of spec.refs) {
      const wanted = [...new Set(good.map((g) => g.data[ref.field]).filter((v): v is string => typeof v === 'string'))];
      const found = new Set<string>();
      for (let i = 0; i < wanted.length; i += 500) {
        const rows = await this.anyDb.selectFrom(ref.table).select('id').where('id', 'in', wanted.slice(i, i + 500)).execute();
        for (const r of rows) found.add(String(r.id));
      }
      for (const g of good) {
        const v = g.data[ref.field];
        if (typeof v === 'string' && !found.has(v)) errors.push({ line: g.line, reason: `${ref.field}: no ${ref.label} ${v}` });
      }
    }
    if (spec.token) {
      const tokenColumn = spec.columns[spec.token] as string;
      const tokens = [...tokenLine.keys()];
      for (let i = 0; i < tokens.length; i += 500) {
        const rows = await this.anyDb.selectFrom(spec.table).select(['id', tokenColumn]).where(tokenColumn, 'in', tokens.slice(i, i + 500)).execute();
        for (const r of rows) {
          const line = tokenLine.get(String(r[tokenColumn]));
          const g = good.find((x) => x.line === line);
          if (g && g.data.id !== r.id) errors.push({ line: g.line, reason: `${spec.token} is already used by ${spec.label} ${String(r.id)}` });
        }
      }
    }
    if (errors.length) throw new CsvImportError(errors.sort((a, b) => a.line - b.line));
    return { spec, good };
  }

  /**
   * What importing this CSV would write, row by row (created or updated, by id), without writing
   * anything; a bad file throws CsvImportError exactly as importCsv does. The directory's import
   * page shows this before its "import" button.
   */
  async previewCsv(entity: DirectoryEntity, csv: string): Promise<{ line: number; record: Record<string, unknown>; exists: boolean }[]> {
    const { spec, good } = await this.validateCsv(entity, csv);
    const existing = await this.existingIds(this.anyDb, spec, good.map((g) => String(g.data.id)));
    return good.map((g) => ({ line: g.line, record: g.data, exists: existing.has(String(g.data.id)) }));
  }

  private async existingIds(db: Kysely<any>, spec: EntitySpec, ids: readonly string[]): Promise<Set<string>> {
    const existing = new Set<string>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await db.selectFrom(spec.table).select('id').where('id', 'in', ids.slice(i, i + 500)).execute();
      for (const r of rows) existing.add(String(r.id));
    }
    return existing;
  }

  /**
   * Imports (creates or updates, by id) one entity from CSV text. A header row is required; column
   * names match the field names in camelCase or snake_case (`compoundId` or `compound_id`), in any
   * order. Every row is validated first; if any is bad nothing is written and a CsvImportError
   * lists each bad row by line number and reason. Otherwise all rows are written in one transaction.
   * Empty cells take the default (locale zh-CN, members 1, a generated QR token for a new row,
   * the existing one when updating) or NULL for optional references.
   */
  async importCsv(entity: DirectoryEntity, csv: string): Promise<{ imported: number; created: number; updated: number }> {
    const { spec, good } = await this.validateCsv(entity, csv);
    // Write, all or nothing
    return withTransaction(this.db, async (trx) => {
      const t = trx as unknown as Kysely<any>;
      const existing = await this.existingIds(t, spec, good.map((g) => String(g.data.id)));
      for (const g of good) {
        const row = toRow(spec, g.data);
        for (const f of spec.nullable) if (row[spec.columns[f] as string] === undefined) row[spec.columns[f] as string] = null;
        const update = { ...row };
        delete update.id;
        if (spec.token && row[spec.columns[spec.token] as string] === undefined) row[spec.columns[spec.token] as string] = randomToken(20);
        await t
          .insertInto(spec.table)
          .values(row)
          .onConflict((oc) => oc.column('id').doUpdateSet(update))
          .execute();
      }
      return { imported: good.length, created: good.filter((g) => !existing.has(String(g.data.id))).length, updated: good.filter((g) => existing.has(String(g.data.id))).length };
    });
  }
}

export const directoryEntities: readonly DirectoryEntity[] = Object.keys(SPECS) as DirectoryEntity[];
