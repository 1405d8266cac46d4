/**
 * The first schema. Portable DDL through Kysely's schema builder: text ids, ISO-8601 UTC text for
 * instants, integers for points and counts, CHECK constraints for enumerations. Only the
 * append-only guard on the points ledger is dialect-specific SQL.
 */
import { type Kysely, sql } from 'kysely';
import { dialectOf } from '../database';

const LOCALES = sql`('zh-CN', 'en')`;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('compounds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('families')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('compound_id', 'text', (c) => c.notNull().references('compounds.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull().defaultTo('zh-CN'))
    .addColumn('members', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('qr_token', 'text', (c) => c.notNull().unique())
    .addCheckConstraint('families_locale_check', sql`locale in ${LOCALES}`)
    .addCheckConstraint('families_members_check', sql`members >= 1`)
    .execute();
  await db.schema.createIndex('families_compound_idx').on('families').column('compound_id').execute();

  await db.schema
    .createTable('staff')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull().defaultTo('zh-CN'))
    .addColumn('compound_id', 'text', (c) => c.references('compounds.id'))
    .addCheckConstraint('staff_role_check', sql`role in ('propertyManager', 'gridWorker', 'coordinator', 'supervisor')`)
    .addCheckConstraint('staff_locale_check', sql`locale in ${LOCALES}`)
    .execute();

  await db.schema
    .createTable('volunteers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull().defaultTo('zh-CN'))
    .addColumn('compound_id', 'text', (c) => c.references('compounds.id'))
    .addColumn('qr_token', 'text', (c) => c.notNull().unique())
    .addCheckConstraint('volunteers_locale_check', sql`locale in ${LOCALES}`)
    .execute();

  await db.schema
    .createTable('merchants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull().defaultTo('zh-CN'))
    .addCheckConstraint('merchants_locale_check', sql`locale in ${LOCALES}`)
    .execute();

  await db.schema
    .createTable('venues')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.references('merchants.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('capacity', 'integer')
    .addCheckConstraint('venues_capacity_check', sql`capacity is null or capacity > 0`)
    .execute();

  // No foreign key to compounds: the workflow records its activity from a validated plan, and the
  // directory may not list the compound yet.
  await db.schema
    .createTable('activities')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('cycle_id', 'text', (c) => c.notNull())
    .addColumn('compound_id', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'text', (c) => c.notNull())
    .addColumn('ends_at', 'text', (c) => c.notNull())
    .addColumn('capacity', 'integer', (c) => c.notNull())
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('attendance_state', 'text', (c) => c.notNull().defaultTo('notOpen'))
    .addColumn('attendance_opens_at', 'text')
    .addColumn('attendance_closes_at', 'text')
    .addColumn('attendance_closed_at', 'text')
    .addColumn('tally_json', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('activities_attendance_state_check', sql`attendance_state in ('notOpen', 'open', 'closed')`)
    .addCheckConstraint('activities_capacity_check', sql`capacity > 0`)
    .execute();
  await db.schema.createIndex('activities_compound_idx').on('activities').column('compound_id').execute();
  await db.schema.createIndex('activities_cycle_idx').on('activities').column('cycle_id').execute();

  await db.schema
    .createTable('registrations')
    .addColumn('activity_id', 'text', (c) => c.notNull().references('activities.id'))
    .addColumn('family_id', 'text', (c) => c.notNull().references('families.id'))
    .addColumn('members', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('registrations_pk', ['activity_id', 'family_id'])
    .addCheckConstraint('registrations_status_check', sql`status in ('registered', 'waitlisted', 'cancelled')`)
    .addCheckConstraint('registrations_members_check', sql`members >= 1`)
    .execute();
  await db.schema.createIndex('registrations_queue_idx').on('registrations').columns(['activity_id', 'status', 'seq']).execute();
  await db.schema.createIndex('registrations_family_idx').on('registrations').column('family_id').execute();

  await db.schema
    .createTable('volunteer_signups')
    .addColumn('activity_id', 'text', (c) => c.notNull().references('activities.id'))
    .addColumn('volunteer_id', 'text', (c) => c.notNull().references('volunteers.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('volunteer_signups_pk', ['activity_id', 'volunteer_id'])
    .execute();

  await db.schema
    .createTable('check_ins')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('activity_id', 'text', (c) => c.notNull().references('activities.id'))
    .addColumn('person_kind', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('members', 'integer', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text')
    .addColumn('checked_in_at', 'text', (c) => c.notNull())
    .addColumn('checked_out_at', 'text')
    .addUniqueConstraint('check_ins_person_unique', ['activity_id', 'person_kind', 'person_id'])
    .addUniqueConstraint('check_ins_nonce_unique', ['activity_id', 'nonce'])
    .addCheckConstraint('check_ins_person_kind_check', sql`person_kind in ('family', 'volunteer')`)
    .addCheckConstraint('check_ins_method_check', sql`method in ('qr', 'link', 'staff')`)
    .addCheckConstraint('check_ins_members_check', sql`members >= 1`)
    .execute();

  await db.schema
    .createTable('email_outbox')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('activity_id', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('recipient_key', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('message_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .addCheckConstraint('email_outbox_status_check', sql`status in ('pending', 'sent')`)
    .execute();
  await db.schema.createIndex('email_outbox_activity_idx').on('email_outbox').column('activity_id').execute();

  await db.schema
    .createTable('points_entries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('holder_kind', 'text', (c) => c.notNull())
    .addColumn('holder_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('amount', 'integer', (c) => c.notNull())
    .addColumn('activity_id', 'text')
    .addColumn('rule', 'text')
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('reverses_entry_id', 'text', (c) => c.references('points_entries.id').unique())
    .addColumn('earned_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .addCheckConstraint('points_entries_holder_kind_check', sql`holder_kind in ('family', 'volunteer')`)
    .addCheckConstraint(
      'points_entries_amount_check',
      sql`(kind = 'award' and amount >= 0 and reverses_entry_id is null)
        or (kind in ('redemption', 'expiry') and amount < 0 and reverses_entry_id is null)
        or (kind = 'reversal' and amount <> 0 and reverses_entry_id is not null)`,
    )
    .execute();
  await db.schema.createIndex('points_entries_holder_idx').on('points_entries').columns(['holder_kind', 'holder_id', 'created_at']).execute();
  await db.schema.createIndex('points_entries_activity_idx').on('points_entries').columns(['activity_id', 'kind']).execute();
  await db.schema.createIndex('points_entries_expiry_idx').on('points_entries').columns(['kind', 'expires_at']).execute();
  await db.schema.createIndex('points_entries_created_idx').on('points_entries').column('created_at').execute();

  // The ledger is append-only: the database itself refuses UPDATE and DELETE on it.
  if (dialectOf(db) === 'postgres') {
    await sql`create function points_entries_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'points_entries is append-only: % is not allowed', tg_op;
      end
    $$`.execute(db);
    await sql`create trigger points_entries_append_only before update or delete on points_entries
      for each row execute function points_entries_append_only()`.execute(db);
  } else {
    await sql`create trigger points_entries_no_update before update on points_entries
      begin select raise(abort, 'points_entries is append-only: UPDATE is not allowed'); end`.execute(db);
    await sql`create trigger points_entries_no_delete before delete on points_entries
      begin select raise(abort, 'points_entries is append-only: DELETE is not allowed'); end`.execute(db);
  }

  await db.schema
    .createTable('rewards')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('merchant_id', 'text', (c) => c.references('merchants.id'))
    .addColumn('price', 'integer', (c) => c.notNull())
    .addColumn('stock', 'integer', (c) => c.notNull())
    .addCheckConstraint('rewards_kind_check', sql`kind in ('education', 'merchantCoupon')`)
    .addCheckConstraint('rewards_price_check', sql`price > 0`)
    .addCheckConstraint('rewards_stock_check', sql`stock >= 0`)
    .execute();

  await db.schema
    .createTable('redemptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('reward_id', 'text', (c) => c.notNull().references('rewards.id'))
    .addColumn('family_id', 'text', (c) => c.notNull().references('families.id'))
    .addColumn('coupon_code', 'text', (c) => c.notNull().unique())
    .addColumn('points', 'integer', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('entry_id', 'text', (c) => c.notNull().unique().references('points_entries.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('redemptions_family_idx').on('redemptions').column('family_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'redemptions',
    'rewards',
    'points_entries',
    'email_outbox',
    'check_ins',
    'volunteer_signups',
    'registrations',
    'activities',
    'venues',
    'merchants',
    'volunteers',
    'staff',
    'families',
    'compounds',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
  if (dialectOf(db) === 'postgres') await sql`drop function if exists points_entries_append_only()`.execute(db);
}
