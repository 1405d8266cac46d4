/**
 * The outbox's claims carry their holder and a lease (mail/outbox.ts, `claimEmails`): a fan-out
 * attempt claims a batch for itself until `lease_until`, so a retry running while an earlier
 * attempt still sends (a timed-out attempt is not stopped by Temporal) never takes, and re-sends,
 * a row that attempt holds; an expired lease may be taken again, a sent row never.
 * Numbered 009 because 007 and 008 are taken on other branches.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('email_outbox').addColumn('claimed_by', 'text').execute();
  await db.schema.alterTable('email_outbox').addColumn('lease_until', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('email_outbox').dropColumn('lease_until').execute();
  await db.schema.alterTable('email_outbox').dropColumn('claimed_by').execute();
}
