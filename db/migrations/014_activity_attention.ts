/**
 * An activity that needs attention (issue 14): a step of its workflow failed for good and waits to
 * be tried again. The workflow writes why (`attention_json`: the step, the error, since when, when it
 * is tried next) and clears it when the step succeeds; the dashboard and the digest read it, so
 * nobody has to open Temporal to find a stuck activity.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('activities').addColumn('attention_json', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('activities').dropColumn('attention_json').execute();
}
