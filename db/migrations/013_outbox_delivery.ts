/**
 * Each email's delivery outcome, so one recipient never holds up a stage and staff can see who
 * never got an email and why (issue 14): a send that a relay refuses for now is `retrying`, with
 * its attempt count, the relay's reason and when it is tried next, and the message as it was
 * rendered (`retry_email`, JSON) so the retry sends the same message with the same Message-ID; one
 * refused for good, or still failing after the last retry, is `refused` with the reason. `status`
 * stays `pending` until it is sent, as every claim rule already reads it.
 * Numbered 013: 010–012 are taken on other branches.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('email_outbox').addColumn('delivery', 'text').execute();
  await db.schema.alterTable('email_outbox').addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('email_outbox').addColumn('last_error', 'text').execute();
  await db.schema.alterTable('email_outbox').addColumn('next_attempt_at', 'text').execute();
  await db.schema.alterTable('email_outbox').addColumn('retry_email', 'text').execute();
  await db.schema.createIndex('email_outbox_retry_idx').on('email_outbox').columns(['delivery', 'next_attempt_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('email_outbox_retry_idx').execute();
  for (const column of ['retry_email', 'next_attempt_at', 'last_error', 'attempts', 'delivery']) {
    await db.schema.alterTable('email_outbox').dropColumn(column).execute();
  }
}
