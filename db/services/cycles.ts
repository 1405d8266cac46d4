/**
 * Incubation cycles (孵化周期) in the database: the cycle and its milestones, sponsorships, and the
 * report saved at the close. Every write is idempotent, so the API and the cycle's workflow can
 * both make sure a cycle is recorded, and a retried activity writes nothing twice.
 */
import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import { text } from '../../domain/text';
import { isForeignKeyViolation, isUniqueViolation, withTransaction } from '../database';
import type { CyclesTable, Database, SponsorshipsTable } from '../types';
import { type Clock, ServiceError, newId, num, systemClock, toIso } from '../util';
import { IdSchema, InstantSchema, parseInput } from './validation';

export type CycleErrorCode = 'CYCLE_NOT_FOUND' | 'MILESTONE_NOT_FOUND' | 'MERCHANT_NOT_FOUND' | 'CYCLE_CLOSED' | 'DUPLICATE';

export class CycleError extends ServiceError<CycleErrorCode> {
  override readonly name = 'CycleError';
}

/** What a cycle is, as the API defines it and the workflow carries it. */
export interface CycleDefinition {
  cycleId: string;
  name: string;
  periodStart: string;
  periodEnd: string;
  compounds: string[];
  coordinator: { id: string };
  supervisor: { id: string };
  milestones: { id: string; name: string; dueAt: string }[];
}

export interface CycleRecord {
  id: string;
  name: string;
  periodStart: string;
  periodEnd: string;
  compounds: string[];
  coordinatorId: string;
  supervisorId: string;
  createdAt: string;
  closedAt: string | null;
}

export interface MilestoneRow {
  milestoneId: string;
  name: string;
  dueAt: string;
  doneAt: string | null;
  doneBy: { id: string; name: string; role: string } | null;
  notes: string;
}

export interface Sponsorship {
  id: string;
  cycleId: string;
  merchantId: string;
  /** Yuan, up to two decimals. */
  amountCny: number;
  note: string;
  recordedAt: string;
  /** Staff id of whoever recorded it. */
  recordedBy: string;
}

/** Yuan with at most two decimals (fen), positive, below 100 million. */
export const AmountCny = z
  .number()
  .positive()
  .max(99_999_999)
  .refine((n) => Math.abs(Math.round(n * 100) - n * 100) < 1e-6, { message: 'at most two decimals (fen)' });

const SponsorshipInput = z.object({
  /** Client-chosen id: a repeated request with the same id records nothing new. */
  id: IdSchema.optional(),
  cycleId: IdSchema,
  merchantId: IdSchema,
  amountCny: AmountCny,
  note: text().trim().max(2000).default(''),
  recordedBy: IdSchema,
});
export type SponsorshipInput = z.input<typeof SponsorshipInput>;

const MilestoneDone = z.object({
  cycleId: IdSchema,
  milestoneId: IdSchema,
  by: z.object({ id: IdSchema, name: text().min(1).max(100), role: z.string().min(1).max(40) }),
  at: InstantSchema,
  notes: text().max(2000).default(''),
});

export class Cycles {
  private readonly now: Clock;

  constructor(
    private readonly db: Kysely<Database>,
    options: { now?: Clock } = {},
  ) {
    this.now = options.now ?? systemClock;
  }

  /**
   * Records the cycle and its milestones unless already there (then changes nothing: the first
   * definition of a cycle id stands, as its workflow's does). Returns whether it was created.
   */
  async ensure(def: CycleDefinition): Promise<{ created: boolean }> {
    return withTransaction(this.db, async (trx) => {
      const inserted = await trx
        .insertInto('cycles')
        .values({
          id: def.cycleId,
          name: def.name,
          period_start: toIso(def.periodStart),
          period_end: toIso(def.periodEnd),
          compounds_json: JSON.stringify(def.compounds),
          coordinator_id: def.coordinator.id,
          supervisor_id: def.supervisor.id,
          created_at: this.now().toISOString(),
          closed_at: null,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      const created = Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
      if (created && def.milestones.length > 0) {
        await trx
          .insertInto('cycle_milestones')
          .values(
            def.milestones.map((m) => ({
              cycle_id: def.cycleId,
              milestone_id: m.id,
              name: m.name,
              due_at: toIso(m.dueAt),
              done_at: null,
              done_by_id: null,
              done_by_name: null,
              done_by_role: null,
              notes: '',
            })),
          )
          .onConflict((oc) => oc.columns(['cycle_id', 'milestone_id']).doNothing())
          .execute();
      }
      return { created };
    });
  }

  async get(cycleId: string): Promise<CycleRecord | undefined> {
    const row = await this.db.selectFrom('cycles').selectAll().where('id', '=', cycleId).executeTakeFirst();
    return row ? toCycleRecord(row) : undefined;
  }

  /** Every cycle, the latest period first; only those covering `compound` when given. */
  async list(options: { compound?: string } = {}): Promise<CycleRecord[]> {
    const rows = await this.db.selectFrom('cycles').selectAll().orderBy('period_start', 'desc').orderBy('id').execute();
    const all = rows.map(toCycleRecord);
    return options.compound === undefined ? all : all.filter((c) => c.compounds.includes(options.compound as string));
  }

  async milestones(cycleId: string): Promise<MilestoneRow[]> {
    const rows = await this.db
      .selectFrom('cycle_milestones')
      .selectAll()
      .where('cycle_id', '=', cycleId)
      .orderBy('due_at')
      .orderBy('milestone_id')
      .execute();
    return rows.map((r) => ({
      milestoneId: r.milestone_id,
      name: r.name,
      dueAt: r.due_at,
      doneAt: r.done_at,
      doneBy: r.done_by_id ? { id: r.done_by_id, name: r.done_by_name ?? r.done_by_id, role: r.done_by_role ?? '' } : null,
      notes: r.notes,
    }));
  }

  /** Marks a milestone done; the first record stands (a retry, or a second writer, changes nothing). */
  async recordMilestone(input: z.input<typeof MilestoneDone>): Promise<void> {
    const m = parseInput(MilestoneDone, input);
    const result = await this.db
      .updateTable('cycle_milestones')
      .set({ done_at: toIso(m.at), done_by_id: m.by.id, done_by_name: m.by.name, done_by_role: m.by.role, notes: m.notes })
      .where('cycle_id', '=', m.cycleId)
      .where('milestone_id', '=', m.milestoneId)
      .where('done_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) > 0) return;
    const row = await this.db
      .selectFrom('cycle_milestones')
      .select('milestone_id')
      .where('cycle_id', '=', m.cycleId)
      .where('milestone_id', '=', m.milestoneId)
      .executeTakeFirst();
    if (!row) throw new CycleError('MILESTONE_NOT_FOUND', `cycle ${m.cycleId} has no milestone ${m.milestoneId}`);
  }

  /**
   * Records a sponsorship of the cycle by a merchant in the directory. With a client-chosen `id`,
   * a repeat returns the first record (`created: false`); the same id with other figures is refused.
   * Refused once the cycle's report is final: a late figure would not be in it.
   */
  async recordSponsorship(input: SponsorshipInput): Promise<{ sponsorship: Sponsorship; created: boolean }> {
    const s = parseInput(SponsorshipInput, input);
    const id = s.id ?? newId('sp');
    return withTransaction(this.db, async (trx) => {
      const existing = await trx.selectFrom('sponsorships').selectAll().where('id', '=', id).executeTakeFirst();
      if (existing) {
        const same = toSponsorship(existing);
        if (same.cycleId !== s.cycleId || same.merchantId !== s.merchantId || same.amountCny !== s.amountCny) {
          throw new CycleError('DUPLICATE', `sponsorship ${id} was recorded with other figures`);
        }
        return { sponsorship: same, created: false };
      }
      const cycle = await trx.selectFrom('cycles').select(['id', 'closed_at']).where('id', '=', s.cycleId).executeTakeFirst();
      if (!cycle) throw new CycleError('CYCLE_NOT_FOUND', `no cycle ${s.cycleId}`);
      if (cycle.closed_at) throw new CycleError('CYCLE_CLOSED', `cycle ${s.cycleId} closed at ${cycle.closed_at}; its report is final`);
      const merchant = await trx.selectFrom('merchants').select('id').where('id', '=', s.merchantId).executeTakeFirst();
      if (!merchant) throw new CycleError('MERCHANT_NOT_FOUND', `no merchant ${s.merchantId} in the directory`);
      const row = {
        id,
        cycle_id: s.cycleId,
        merchant_id: s.merchantId,
        amount_cny: s.amountCny,
        note: s.note,
        recorded_at: this.now().toISOString(),
        recorded_by: s.recordedBy,
      };
      try {
        await trx.insertInto('sponsorships').values(row).execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw new CycleError('DUPLICATE', `sponsorship ${id} exists`);
        if (isForeignKeyViolation(error)) throw new CycleError('MERCHANT_NOT_FOUND', `no merchant ${s.merchantId} in the directory`);
        throw error;
      }
      return { sponsorship: toSponsorship(row), created: true };
    });
  }

  async listSponsorships(cycleId: string): Promise<Sponsorship[]> {
    const rows = await this.db
      .selectFrom('sponsorships')
      .selectAll()
      .where('cycle_id', '=', cycleId)
      .orderBy('recorded_at')
      .orderBy('id')
      .execute();
    return rows.map(toSponsorship);
  }

  /**
   * Saves the cycle's final report and marks the cycle closed, once: the first report saved is
   * the record, and a repeat (a retried activity) gets that one back.
   */
  async saveReport<R extends { cycleId: string; asOf: string }>(report: R): Promise<R> {
    return withTransaction(this.db, async (trx) => {
      const existing = await trx.selectFrom('cycle_reports').select('report_json').where('cycle_id', '=', report.cycleId).executeTakeFirst();
      if (existing) return JSON.parse(existing.report_json) as R;
      const savedAt = this.now().toISOString();
      await trx
        .insertInto('cycle_reports')
        .values({ cycle_id: report.cycleId, as_of: toIso(report.asOf), report_json: JSON.stringify(report), saved_at: savedAt })
        .execute();
      await trx.updateTable('cycles').set({ closed_at: toIso(report.asOf) }).where('id', '=', report.cycleId).where('closed_at', 'is', null).execute();
      return report;
    });
  }

  /** The saved (final) report, if the cycle has closed. */
  async savedReport<R>(cycleId: string): Promise<R | undefined> {
    const row = await this.db.selectFrom('cycle_reports').select('report_json').where('cycle_id', '=', cycleId).executeTakeFirst();
    return row ? (JSON.parse(row.report_json) as R) : undefined;
  }
}

function toCycleRecord(row: Selectable<CyclesTable>): CycleRecord {
  return {
    id: row.id,
    name: row.name,
    periodStart: row.period_start,
    periodEnd: row.period_end,
    compounds: JSON.parse(row.compounds_json) as string[],
    coordinatorId: row.coordinator_id,
    supervisorId: row.supervisor_id,
    createdAt: row.created_at,
    closedAt: row.closed_at,
  };
}

function toSponsorship(row: Selectable<SponsorshipsTable>): Sponsorship {
  return {
    id: row.id,
    cycleId: row.cycle_id,
    merchantId: row.merchant_id,
    // PostgreSQL returns numeric as a string; keep fen exact.
    amountCny: Math.round(num(row.amount_cny) * 100) / 100,
    note: row.note,
    recordedAt: row.recorded_at,
    recordedBy: row.recorded_by,
  };
}
