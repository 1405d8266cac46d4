/**
 * Incubation cycles (孵化周期): the cycle itself, its milestones, the sponsorships recorded for it,
 * and its report once computed. The report is kept as JSON so the figures a coordinator was shown
 * at the close stay exactly as they were, whatever is corrected in the records afterwards.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('cycles')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('period_start', 'text', (c) => c.notNull())
    .addColumn('period_end', 'text', (c) => c.notNull())
    .addColumn('compounds_json', 'text', (c) => c.notNull())
    // No foreign keys to staff: the directory may change while the cycle's record must stay.
    .addColumn('coordinator_id', 'text', (c) => c.notNull())
    .addColumn('supervisor_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('closed_at', 'text')
    .execute();

  await db.schema
    .createTable('cycle_milestones')
    .addColumn('cycle_id', 'text', (c) => c.notNull().references('cycles.id'))
    .addColumn('milestone_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('due_at', 'text', (c) => c.notNull())
    .addColumn('done_at', 'text')
    .addColumn('done_by_id', 'text')
    .addColumn('done_by_name', 'text')
    .addColumn('done_by_role', 'text')
    .addColumn('notes', 'text', (c) => c.notNull().defaultTo(''))
    .addPrimaryKeyConstraint('cycle_milestones_pk', ['cycle_id', 'milestone_id'])
    .execute();

  await db.schema
    .createTable('sponsorships')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('cycle_id', 'text', (c) => c.notNull().references('cycles.id'))
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    // Yuan with up to two decimals (fen); numeric keeps them exact on PostgreSQL.
    .addColumn('amount_cny', 'numeric(14, 2)', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .addColumn('recorded_by', 'text', (c) => c.notNull())
    .addCheckConstraint('sponsorships_amount_check', sql`amount_cny > 0`)
    .execute();
  await db.schema.createIndex('sponsorships_cycle_idx').on('sponsorships').column('cycle_id').execute();

  await db.schema
    .createTable('cycle_reports')
    .addColumn('cycle_id', 'text', (c) => c.primaryKey().references('cycles.id'))
    .addColumn('as_of', 'text', (c) => c.notNull())
    .addColumn('report_json', 'text', (c) => c.notNull())
    .addColumn('saved_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['cycle_reports', 'sponsorships', 'cycle_milestones', 'cycles']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
