/**
 * Outcome evaluation (issue 12): questionnaires as data, the rounds that send one (after an
 * activity, a cycle's baseline and end), each family's invitation and its answers.
 *
 * - `questionnaire_versions` are append-only: changing a questionnaire adds a version, so an
 *   answered version never changes under its answers. `definition_json` is the zod shape in
 *   domain/questionnaire.ts (title, consent text, items; zh-CN and en wording).
 * - A round is data, not a running process: it opens at `opens_at` (invitations written and
 *   emailed once, `opened_at`), reminds once at `remind_at` (`reminded_at`) and accepts answers
 *   until `closes_at`. One round per activity, and one baseline and one end round per cycle.
 * - Answers are personal data and are kept apart from the directory, in `survey_responses`: one
 *   per invitation (one answer per family per round). Staff see them only in aggregate; a family
 *   that withdraws keeps the row as a record that it withdrew, its answers erased.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('questionnaires')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('questionnaire_versions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('questionnaire_id', 'text', (c) => c.notNull().references('questionnaires.id'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('definition_json', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addUniqueConstraint('questionnaire_versions_number_unique', ['questionnaire_id', 'version'])
    .execute();

  // A cycle's questionnaires: the participant survey after each of its activities, and the
  // baseline sent at its start and again at its end (null: none).
  await db.schema.alterTable('cycles').addColumn('survey_questionnaire_id', 'text').execute();
  await db.schema.alterTable('cycles').addColumn('baseline_questionnaire_id', 'text').execute();

  await db.schema
    .createTable('survey_rounds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('cycle_id', 'text', (c) => c.references('cycles.id'))
    .addColumn('activity_id', 'text', (c) => c.references('activities.id'))
    .addColumn('questionnaire_version_id', 'text', (c) => c.notNull().references('questionnaire_versions.id'))
    .addColumn('opens_at', 'text', (c) => c.notNull())
    .addColumn('remind_at', 'text')
    .addColumn('closes_at', 'text', (c) => c.notNull())
    .addColumn('opened_at', 'text')
    .addColumn('reminded_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addCheckConstraint(
      'survey_rounds_kind_check',
      sql`(kind = 'activity' and activity_id is not null) or (kind in ('baseline', 'end') and cycle_id is not null)`,
    )
    .execute();
  await db.schema.createIndex('survey_rounds_activity_unique').on('survey_rounds').column('activity_id').unique().where(sql.ref('kind'), '=', 'activity').execute();
  await db.schema.createIndex('survey_rounds_cycle_kind_unique').on('survey_rounds').columns(['cycle_id', 'kind']).unique().where(sql.ref('kind'), '<>', 'activity').execute();

  await db.schema
    .createTable('survey_invitations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('round_id', 'text', (c) => c.notNull().references('survey_rounds.id'))
    .addColumn('family_id', 'text', (c) => c.notNull().references('families.id'))
    .addColumn('invited_at', 'text', (c) => c.notNull())
    .addColumn('reminded_at', 'text')
    .addUniqueConstraint('survey_invitations_round_family_unique', ['round_id', 'family_id'])
    .execute();

  await db.schema
    .createTable('survey_responses')
    .addColumn('invitation_id', 'text', (c) => c.primaryKey().references('survey_invitations.id'))
    .addColumn('round_id', 'text', (c) => c.notNull().references('survey_rounds.id'))
    .addColumn('consented_at', 'text', (c) => c.notNull())
    .addColumn('submitted_at', 'text', (c) => c.notNull())
    // null once withdrawn: the answers are erased, the withdrawal stays on record.
    .addColumn('answers_json', 'text')
    .addColumn('withdrawn_at', 'text')
    .execute();
  await db.schema.createIndex('survey_responses_round_idx').on('survey_responses').column('round_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('survey_responses').ifExists().execute();
  await db.schema.dropTable('survey_invitations').ifExists().execute();
  await db.schema.dropTable('survey_rounds').ifExists().execute();
  await db.schema.alterTable('cycles').dropColumn('baseline_questionnaire_id').execute();
  await db.schema.alterTable('cycles').dropColumn('survey_questionnaire_id').execute();
  await db.schema.dropTable('questionnaire_versions').ifExists().execute();
  await db.schema.dropTable('questionnaires').ifExists().execute();
}
