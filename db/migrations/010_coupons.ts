/**
 * Coupons (the redemptions' codes) get a life: issued → used by the merchant (or, for an education
 * reward, by staff at the counter), or refunded (the points come back by a `reversal` entry), or
 * expired (issued and past `coupon_expires_at`, derived, never written).
 *
 * `coupon_events` records the one thing that ended a coupon, at most one per coupon (the unique
 * index is what makes a coupon single-use whatever the concurrency), and like the ledger it is
 * append only: the database refuses UPDATE and DELETE on it. A refund row names the reversal entry
 * that gave the points back, so coupon and ledger cannot disagree.
 */
import { type Kysely, sql } from 'kysely';
import { dialectOf } from '../database';

export async function up(db: Kysely<any>): Promise<void> {
  // Fixed when the coupon is issued (db/services/coupons.ts); null on older rows: issue time + the default validity.
  await db.schema.alterTable('redemptions').addColumn('coupon_expires_at', 'text').execute();

  await db.schema
    .createTable('coupon_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('redemption_id', 'text', (c) => c.notNull().unique().references('redemptions.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('merchant_id', 'text', (c) => c.references('merchants.id'))
    .addColumn('staff_id', 'text')
    .addColumn('refund_entry_id', 'text', (c) => c.unique().references('points_entries.id'))
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .addCheckConstraint(
      'coupon_events_kind_check',
      sql`(kind = 'used' and refund_entry_id is null and (merchant_id is not null or staff_id is not null))
        or (kind = 'refunded' and refund_entry_id is not null)`,
    )
    .execute();
  await db.schema.createIndex('coupon_events_kind_at_idx').on('coupon_events').columns(['kind', 'at']).execute();

  if (dialectOf(db) === 'postgres') {
    await sql`create function coupon_events_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'coupon_events is append-only: % is not allowed', tg_op;
      end
    $$`.execute(db);
    await sql`create trigger coupon_events_append_only before update or delete on coupon_events
      for each row execute function coupon_events_append_only()`.execute(db);
  } else {
    await sql`create trigger coupon_events_no_update before update on coupon_events
      begin select raise(abort, 'coupon_events is append-only: UPDATE is not allowed'); end`.execute(db);
    await sql`create trigger coupon_events_no_delete before delete on coupon_events
      begin select raise(abort, 'coupon_events is append-only: DELETE is not allowed'); end`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('coupon_events').ifExists().execute();
  if (dialectOf(db) === 'postgres') await sql`drop function if exists coupon_events_append_only()`.execute(db);
  await db.schema.alterTable('redemptions').dropColumn('coupon_expires_at').execute();
}
