/**
 * What outcome evaluation's figures are computed from (reports/outcomes.ts): the survey rounds of
 * an activity or of a cycle, their invitations and the answers that count. Reads only.
 *
 * An answer counts while it is not withdrawn: a withdrawn response keeps its row (the record that
 * the family withdrew) with its answers erased, and leaves every figure. The family behind an
 * answer is read only so that the report can pair a family's baseline with its end answer; it
 * never leaves reports/.
 */
import type { Kysely } from 'kysely';
import type { Database, SurveyRoundKind } from '../types';
import { num } from '../util';

export interface SurveyRoundRecord {
  roundId: string;
  kind: SurveyRoundKind;
  cycleId: string | null;
  activityId: string | null;
  /** The activity's title (activity rounds), for the report's rows. */
  activityTitle: string | null;
  activityStartsAt: string | null;
  /** The activity's compound (activity rounds): who may see the round. */
  activityCompound: string | null;
  questionnaireVersionId: string;
  questionnaireName: string;
  version: number;
  /** domain/questionnaire.ts QuestionnaireDefinition as stored. */
  definitionJson: string;
  opensAt: string;
  closesAt: string;
  openedAt: string | null;
}

/** One answer that counts: its family (for pairing only) and its answers as stored. */
export interface CountedAnswer {
  roundId: string;
  familyId: string;
  answersJson: string;
}

/** Who was invited to a round and whether an answer of theirs counts: names, never answers. */
export interface RoundRosterRow {
  familyId: string;
  name: string;
  compound: string;
  invitedAt: string;
  answered: boolean;
}

export class SurveyRecordsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  private rounds() {
    return this.db
      .selectFrom('survey_rounds as r')
      .innerJoin('questionnaire_versions as v', 'v.id', 'r.questionnaire_version_id')
      .innerJoin('questionnaires as q', 'q.id', 'v.questionnaire_id')
      .leftJoin('activities as a', 'a.id', 'r.activity_id')
      .select([
        'r.id as roundId',
        'r.kind as kind',
        'r.cycle_id as cycleId',
        'r.activity_id as activityId',
        'a.title as activityTitle',
        'a.starts_at as activityStartsAt',
        'a.compound_id as activityCompound',
        'r.questionnaire_version_id as questionnaireVersionId',
        'q.name as questionnaireName',
        'v.version as version',
        'v.definition_json as definitionJson',
        'r.opens_at as opensAt',
        'r.closes_at as closesAt',
        'r.opened_at as openedAt',
      ]);
  }

  private static normalise(row: SurveyRoundRecord): SurveyRoundRecord {
    return { ...row, version: num(row.version) };
  }

  /** One round, or undefined. */
  async round(roundId: string): Promise<SurveyRoundRecord | undefined> {
    const row = await this.rounds().where('r.id', '=', roundId).executeTakeFirst();
    return row ? SurveyRecordsRepository.normalise(row) : undefined;
  }

  /** The participant survey's round of an activity, or undefined. */
  async activityRound(activityId: string): Promise<SurveyRoundRecord | undefined> {
    const row = await this.rounds().where('r.kind', '=', 'activity').where('r.activity_id', '=', activityId).executeTakeFirst();
    return row ? SurveyRecordsRepository.normalise(row) : undefined;
  }

  /**
   * A cycle's rounds: its baseline and end, and the rounds of its activities (recorded with the
   * cycle's id, or whose round names the cycle), activity rounds by the activity's start.
   */
  async cycleRounds(cycleId: string): Promise<SurveyRoundRecord[]> {
    const rows = await this.rounds()
      .where((eb) =>
        eb.or([
          eb('r.cycle_id', '=', cycleId),
          eb.and([eb('r.kind', '=', 'activity'), eb('r.activity_id', 'in', eb.selectFrom('activities').select('id').where('cycle_id', '=', cycleId))]),
        ]),
      )
      .orderBy('r.opens_at')
      .orderBy('r.id')
      .execute();
    return rows.map(SurveyRecordsRepository.normalise);
  }

  /** How many families each round invited. */
  async invitedCounts(roundIds: readonly string[]): Promise<Map<string, number>> {
    if (roundIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('survey_invitations')
      .select(['round_id', (eb) => eb.fn.countAll().as('invited')])
      .where('round_id', 'in', [...roundIds])
      .groupBy('round_id')
      .execute();
    return new Map(rows.map((r) => [r.round_id, num(r.invited)]));
  }

  /** The answers that count (not withdrawn) of the rounds. */
  async countedAnswers(roundIds: readonly string[]): Promise<CountedAnswer[]> {
    if (roundIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('survey_responses as s')
      .innerJoin('survey_invitations as i', 'i.id', 's.invitation_id')
      .select(['s.round_id as roundId', 'i.family_id as familyId', 's.answers_json as answersJson'])
      .where('s.round_id', 'in', [...roundIds])
      .where('s.withdrawn_at', 'is', null)
      .where('s.answers_json', 'is not', null)
      .orderBy('s.round_id')
      .orderBy('i.family_id')
      .execute();
    return rows.map((r) => ({ roundId: r.roundId, familyId: r.familyId, answersJson: r.answersJson as string }));
  }

  /** A round's invitations with the family's name and whether its answer counts, by name. */
  async roster(roundId: string): Promise<RoundRosterRow[]> {
    const rows = await this.db
      .selectFrom('survey_invitations as i')
      .innerJoin('families as f', 'f.id', 'i.family_id')
      .leftJoin('survey_responses as s', (join) => join.onRef('s.invitation_id', '=', 'i.id').on('s.withdrawn_at', 'is', null).on('s.answers_json', 'is not', null))
      .select(['i.family_id as familyId', 'f.name as name', 'f.compound_id as compound', 'i.invited_at as invitedAt', 's.invitation_id as answeredBy'])
      .where('i.round_id', '=', roundId)
      .orderBy('f.name')
      .orderBy('i.family_id')
      .execute();
    return rows.map((r) => ({ familyId: r.familyId, name: r.name, compound: r.compound, invitedAt: r.invitedAt, answered: r.answeredBy !== null }));
  }
}
