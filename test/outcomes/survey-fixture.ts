/**
 * The questionnaires of the outcome tests, and survey records written straight into the tables of
 * migration 015 (questionnaires, versions, rounds, invitations, responses) on either dialect: the
 * figures' database and browser tests write exactly the rows a case needs (a value of the wrong
 * kind, a round of another cycle). The 40-family test (cycle-evaluation.e2e.test.ts) goes the real
 * way instead: the sweeper's rounds and the families' signed links.
 */
import type { Kysely } from 'kysely';
import type { Database, SurveyRoundKind } from '../../db/types';
import type { Answers, QuestionnaireDefinition } from '../../domain/questionnaire';

const w = (zh: string, en: string) => ({ 'zh-CN': zh, en });

export const LIKERT_LABELS = [w('完全不同意', 'Strongly disagree'), w('不同意', 'Disagree'), w('一般', 'Neutral'), w('同意', 'Agree'), w('完全同意', 'Strongly agree')];

/** The cycle's baseline (家庭画像), sent again at its end. */
export const BASELINE: QuestionnaireDefinition = {
  title: w('家庭画像', 'Family profile'),
  consent: w('答卷仅以汇总形式使用。', 'Answers are used only in aggregate.'),
  items: [
    { id: 'talk', kind: 'yesNo', text: w('每周至少一次深度对话', 'At least one deep conversation a week'), required: true },
    { id: 'emotion', kind: 'likert', text: w('孩子能较好地管理自己的情绪', 'The child manages their emotions well'), labels: LIKERT_LABELS, required: true },
    { id: 'siblings', kind: 'yesNo', text: w('家中有两个及以上孩子', 'Two or more children at home'), required: false },
    {
      id: 'stage',
      kind: 'choice',
      text: w('孩子所在学段', "The child's school stage"),
      options: [
        { id: 'preschool', text: w('学前', 'Preschool') },
        { id: 'primary', text: w('小学', 'Primary') },
        { id: 'middle', text: w('初中', 'Middle school') },
      ],
      required: true,
    },
    { id: 'words', kind: 'text', text: w('想对社区说的话', 'Anything to tell the community'), maxLength: 300, required: false },
  ],
};

/** The participant survey after each activity. */
export const SURVEY: QuestionnaireDefinition = {
  title: w('活动满意度', 'Activity survey'),
  consent: w('答卷仅以汇总形式使用。', 'Answers are used only in aggregate.'),
  items: [
    { id: 'understanding', kind: 'likert', text: w('活动增进了家庭成员之间的相互理解', 'The activity increased mutual understanding'), labels: LIKERT_LABELS, required: true },
    { id: 'helping', kind: 'yesNo', text: w('孩子更愿意帮助他人', 'The child is more willing to help others'), required: true },
    { id: 'advice', kind: 'text', text: w('建议', 'Suggestions'), maxLength: 300, required: false },
  ],
};

const AT = '2026-01-01T00:00:00.000Z';

/** A questionnaire with one version; returns the version's id. */
export async function insertQuestionnaire(db: Kysely<Database>, id: string, definition: QuestionnaireDefinition): Promise<string> {
  await db.insertInto('questionnaires').values({ id, name: definition.title['zh-CN'], created_at: AT, created_by: 'co-1' }).execute();
  const versionId = `${id}-v1`;
  await db.insertInto('questionnaire_versions').values({ id: versionId, questionnaire_id: id, version: 1, definition_json: JSON.stringify(definition), created_at: AT, created_by: 'co-1' }).execute();
  return versionId;
}

export async function insertRound(
  db: Kysely<Database>,
  round: { id: string; kind: SurveyRoundKind; versionId: string; cycleId?: string; activityId?: string; opensAt?: string },
): Promise<string> {
  const opensAt = round.opensAt ?? AT;
  await db
    .insertInto('survey_rounds')
    .values({
      id: round.id,
      kind: round.kind,
      cycle_id: round.cycleId ?? null,
      activity_id: round.activityId ?? null,
      questionnaire_version_id: round.versionId,
      opens_at: opensAt,
      remind_at: null,
      closes_at: '2026-12-31T00:00:00.000Z',
      opened_at: opensAt,
      reminded_at: null,
      created_at: AT,
    })
    .execute();
  return round.id;
}

/** Invites the families to the round. */
export async function invite(db: Kysely<Database>, roundId: string, familyIds: readonly string[]): Promise<void> {
  if (familyIds.length === 0) return;
  await db
    .insertInto('survey_invitations')
    .values(familyIds.map((familyId) => ({ id: `${roundId}:${familyId}`, round_id: roundId, family_id: familyId, invited_at: AT, reminded_at: null })))
    .execute();
}

/** A family's answer to its invitation. */
export async function answer(db: Kysely<Database>, roundId: string, familyId: string, answers: Answers): Promise<void> {
  await db
    .insertInto('survey_responses')
    .values({ invitation_id: `${roundId}:${familyId}`, round_id: roundId, consented_at: AT, submitted_at: AT, answers_json: JSON.stringify(answers), withdrawn_at: null })
    .execute();
}

/** The family withdraws: its answers erased, the withdrawal kept (as the survey pages record it). */
export async function withdraw(db: Kysely<Database>, roundId: string, familyId: string): Promise<void> {
  await db.updateTable('survey_responses').set({ answers_json: null, withdrawn_at: '2026-02-01T00:00:00.000Z' }).where('invitation_id', '=', `${roundId}:${familyId}`).execute();
}
