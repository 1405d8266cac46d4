/**
 * Outcome evaluation in the database (migration 015): questionnaires and their append-only
 * versions, the rounds that send one, each family's invitation and its answer.
 *
 * - A version is never updated: an edit adds a version (`addVersion`), so what a family answered
 *   stays what it was asked. There is no method that changes a stored definition.
 * - A round is data. Its ids are derived from what it is for (`sr:activity:<id>`,
 *   `sr:baseline:<cycle>`, `sr:end:<cycle>`), and an invitation's from its round and family, so
 *   every write here is an idempotent insert: two sweepers, a retried activity or a restart write
 *   nothing twice.
 * - Answers live only in `survey_responses`; the staff-facing reads here return counts, never one
 *   family's answers.
 */
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import { describeIssues } from '../../domain/schemas';
import { QuestionnaireDefinition, type Answers } from '../../domain/questionnaire';
import { checkStoredAnswers } from '../../domain/questionnaire-answers';
import { text } from '../../domain/text';
import { withTransaction } from '../database';
import type { Database, LocaleText, SurveyRoundKind } from '../types';
import { type Clock, InvalidInputError, ServiceError, newId, systemClock, toIso } from '../util';
import { IdSchema } from './validation';

export type SurveyErrorCode = 'QUESTIONNAIRE_NOT_FOUND' | 'CYCLE_NOT_FOUND' | 'INVITATION_NOT_FOUND' | 'ROUND_CLOSED' | 'ANSWERS_INVALID';

export class SurveyError extends ServiceError<SurveyErrorCode> {
  override readonly name = 'SurveyError';
  constructor(
    code: SurveyErrorCode,
    message: string,
    /** The input field the error is about, when one is (e.g. `baselineQuestionnaireId`). */
    readonly field?: string,
  ) {
    super(code, message);
  }
}

export interface QuestionnaireVersionRow {
  id: string;
  questionnaireId: string;
  version: number;
  definition: QuestionnaireDefinition;
  createdAt: string;
}

export interface QuestionnaireListing {
  id: string;
  name: string;
  createdAt: string;
  /** Oldest first; `rounds` counts the rounds that sent the version (an answered version is one of them). */
  versions: { id: string; version: number; createdAt: string; title: QuestionnaireDefinition['title']; items: number; rounds: number }[];
}

export interface SurveyRound {
  id: string;
  kind: SurveyRoundKind;
  cycleId: string | null;
  activityId: string | null;
  questionnaireVersionId: string;
  opensAt: string;
  remindAt: string | null;
  closesAt: string;
  openedAt: string | null;
  remindedAt: string | null;
}

/** One invited family, as the sweeper emails it (directory data read at send time, never stored with the round). */
export interface SurveyInvitee {
  invitationId: string;
  familyId: string;
  name: string;
  email: string;
  locale: LocaleText;
}

/** What the family's page shows: the invitation, its round and version, its own answer's state. */
export interface InvitationView {
  invitationId: string;
  familyId: string;
  round: SurveyRound;
  definition: QuestionnaireDefinition;
  /** The activity's title or the cycle's name. */
  about: string;
  response: { submittedAt: string; withdrawnAt: string | null; answered: boolean } | undefined;
}

export type SubmitOutcome = { outcome: 'recorded' | 'alreadySubmitted'; submittedAt: string; withdrawnAt: string | null };
export type WithdrawOutcome = { outcome: 'withdrawn' | 'alreadyWithdrawn'; withdrawnAt: string } | { outcome: 'nothingToWithdraw' };

const Name = text().trim().min(1).max(200);

/** The stable id of a round for what it is for. */
export function roundIdFor(kind: SurveyRoundKind, ownerId: string): string {
  return `sr:${kind}:${ownerId}`;
}

/** Reads a stored definition (it was valid when written; parsed again so defaults apply). */
function definitionOf(json: string): QuestionnaireDefinition {
  return QuestionnaireDefinition.parse(JSON.parse(json));
}

function roundOf(r: Database['survey_rounds']): SurveyRound {
  return {
    id: r.id,
    kind: r.kind,
    cycleId: r.cycle_id,
    activityId: r.activity_id,
    questionnaireVersionId: r.questionnaire_version_id,
    opensAt: r.opens_at,
    remindAt: r.remind_at,
    closesAt: r.closes_at,
    openedAt: r.opened_at,
    remindedAt: r.reminded_at,
  };
}

/** How long a cycle's baseline and end rounds run (config.surveys). */
export interface CycleRoundTimings {
  endLeadMs: number;
  cycleRoundOpenMs: number;
  cycleRemindAfterMs: number;
}

export class Surveys {
  private readonly now: Clock;

  constructor(
    private readonly db: Kysely<Database>,
    options: { now?: Clock } = {},
  ) {
    this.now = options.now ?? systemClock;
  }

  // ---- questionnaires ------------------------------------------------------------------------

  /** Validates a definition (a 400's issues naming each field) or throws InvalidInputError. */
  static parseDefinition(definition: unknown): QuestionnaireDefinition {
    const parsed = QuestionnaireDefinition.safeParse(definition);
    if (!parsed.success) throw new InvalidInputError(describeIssues(parsed.error));
    return parsed.data;
  }

  /** A new questionnaire with its version 1. Nothing is saved when the definition is invalid. */
  async createQuestionnaire(input: { name?: string; definition: unknown; by: string }): Promise<{ questionnaireId: string; versionId: string; version: number }> {
    const definition = Surveys.parseDefinition(input.definition);
    const name = Name.safeParse(input.name ?? definition.title['zh-CN']);
    if (!name.success) throw new InvalidInputError([{ field: 'name', message: name.error.issues[0]?.message ?? 'invalid' }]);
    const by = IdSchema.parse(input.by);
    const questionnaireId = newId('q');
    const at = toIso(this.now());
    return withTransaction(this.db, async (trx) => {
      await trx.insertInto('questionnaires').values({ id: questionnaireId, name: name.data, created_at: at, created_by: by }).execute();
      const versionId = newId('qv');
      await trx
        .insertInto('questionnaire_versions')
        .values({ id: versionId, questionnaire_id: questionnaireId, version: 1, definition_json: JSON.stringify(definition), created_at: at, created_by: by })
        .execute();
      return { questionnaireId, versionId, version: 1 };
    });
  }

  /**
   * Imports a questionnaire as JSON text: the definition itself, or `{ "name": …, "definition": … }`.
   * Bad JSON names the field `json`; a bad definition names each field by its path.
   */
  async importQuestionnaire(json: string, by: string): Promise<{ questionnaireId: string; versionId: string; version: number }> {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (err) {
      throw new InvalidInputError([{ field: 'json', message: err instanceof Error ? err.message : 'not JSON' }]);
    }
    const wrapped = z.strictObject({ name: z.string(), definition: z.unknown() }).safeParse(value);
    return this.createQuestionnaire(wrapped.success ? { name: wrapped.data.name, definition: wrapped.data.definition, by } : { definition: value, by });
  }

  /** Adds the next version (the earlier ones, and their answers, stay as they are). */
  async addVersion(questionnaireId: string, definitionInput: unknown, by: string): Promise<{ versionId: string; version: number }> {
    const definition = Surveys.parseDefinition(definitionInput);
    if (!(await this.questionnaireExists(questionnaireId))) throw new SurveyError('QUESTIONNAIRE_NOT_FOUND', `no questionnaire ${questionnaireId}`);
    const at = toIso(this.now());
    // Two edits at once: the unique (questionnaire, version) makes one of them try the next number.
    for (let attempt = 0; ; attempt++) {
      const last = await this.db.selectFrom('questionnaire_versions').select((eb) => eb.fn.max('version').as('v')).where('questionnaire_id', '=', questionnaireId).executeTakeFirst();
      const version = Number(last?.v ?? 0) + 1;
      const versionId = newId('qv');
      const inserted = await this.db
        .insertInto('questionnaire_versions')
        .values({ id: versionId, questionnaire_id: questionnaireId, version, definition_json: JSON.stringify(definition), created_at: at, created_by: by })
        .onConflict((oc) => oc.columns(['questionnaire_id', 'version']).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (inserted) return { versionId, version };
      if (attempt >= 5) throw new Error(`could not add a version to ${questionnaireId}`);
    }
  }

  async questionnaireExists(questionnaireId: string): Promise<boolean> {
    if (!IdSchema.safeParse(questionnaireId).success) return false;
    return (await this.db.selectFrom('questionnaires').select('id').where('id', '=', questionnaireId).executeTakeFirst()) !== undefined;
  }

  async listQuestionnaires(): Promise<QuestionnaireListing[]> {
    const qs = await this.db.selectFrom('questionnaires').selectAll().orderBy('created_at', 'desc').orderBy('id').execute();
    const versions = await this.db
      .selectFrom('questionnaire_versions as v')
      .select(['v.id', 'v.questionnaire_id', 'v.version', 'v.created_at', 'v.definition_json'])
      .select((eb) => eb.selectFrom('survey_rounds as r').select((e) => e.fn.countAll().as('n')).whereRef('r.questionnaire_version_id', '=', 'v.id').as('rounds'))
      .orderBy('v.version')
      .execute();
    return qs.map((q) => ({
      id: q.id,
      name: q.name,
      createdAt: q.created_at,
      versions: versions
        .filter((v) => v.questionnaire_id === q.id)
        .map((v) => {
          const d = definitionOf(v.definition_json);
          return { id: v.id, version: v.version, createdAt: v.created_at, title: d.title, items: d.items.length, rounds: Number(v.rounds ?? 0) };
        }),
    }));
  }

  /** What a round's emails are about: its activity's title, or its cycle's name ('' when gone). */
  async roundSubject(round: Pick<SurveyRound, 'activityId' | 'cycleId'>): Promise<string> {
    if (round.activityId) return (await this.db.selectFrom('activities').select('title').where('id', '=', round.activityId).executeTakeFirst())?.title ?? '';
    return (await this.db.selectFrom('cycles').select('name').where('id', '=', round.cycleId ?? '').executeTakeFirst())?.name ?? '';
  }

  async version(versionId: string): Promise<QuestionnaireVersionRow | undefined> {
    const v = await this.db.selectFrom('questionnaire_versions').selectAll().where('id', '=', versionId).executeTakeFirst();
    return v ? { id: v.id, questionnaireId: v.questionnaire_id, version: v.version, definition: definitionOf(v.definition_json), createdAt: v.created_at } : undefined;
  }

  async latestVersion(questionnaireId: string): Promise<QuestionnaireVersionRow | undefined> {
    const v = await this.db.selectFrom('questionnaire_versions').selectAll().where('questionnaire_id', '=', questionnaireId).orderBy('version', 'desc').limit(1).executeTakeFirst();
    return v ? { id: v.id, questionnaireId: v.questionnaire_id, version: v.version, definition: definitionOf(v.definition_json), createdAt: v.created_at } : undefined;
  }

  // ---- a cycle's questionnaires ----------------------------------------------------------------

  async cycleQuestionnaires(cycleId: string): Promise<{ surveyQuestionnaireId: string | null; baselineQuestionnaireId: string | null } | undefined> {
    const row = await this.db.selectFrom('cycles').select(['survey_questionnaire_id', 'baseline_questionnaire_id']).where('id', '=', cycleId).executeTakeFirst();
    return row ? { surveyQuestionnaireId: row.survey_questionnaire_id, baselineQuestionnaireId: row.baseline_questionnaire_id } : undefined;
  }

  /**
   * Sets a cycle's participant-survey and baseline questionnaires (undefined: leave as is; null:
   * none), after checking each exists; with a baseline, makes sure its baseline and end rounds
   * are on record (a round already written keeps its version and times).
   */
  async setCycleQuestionnaires(
    cycleId: string,
    choice: { surveyQuestionnaireId?: string | null; baselineQuestionnaireId?: string | null },
    timings: CycleRoundTimings,
  ): Promise<void> {
    for (const field of ['surveyQuestionnaireId', 'baselineQuestionnaireId'] as const) {
      const id = choice[field];
      if (id !== undefined && id !== null && !(await this.questionnaireExists(id))) throw new SurveyError('QUESTIONNAIRE_NOT_FOUND', `no questionnaire ${id}`, field);
    }
    const set: { survey_questionnaire_id?: string | null; baseline_questionnaire_id?: string | null } = {};
    if (choice.surveyQuestionnaireId !== undefined) set.survey_questionnaire_id = choice.surveyQuestionnaireId;
    if (choice.baselineQuestionnaireId !== undefined) set.baseline_questionnaire_id = choice.baselineQuestionnaireId;
    if (Object.keys(set).length) {
      const updated = await this.db.updateTable('cycles').set(set).where('id', '=', cycleId).executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) throw new SurveyError('CYCLE_NOT_FOUND', `no cycle ${cycleId}`);
    }
    await this.ensureCycleRounds(cycleId, timings);
  }

  /**
   * A cycle with a baseline questionnaire: its baseline round opens at the period's start, its end
   * round (the same version, so before and after pair item by item) `endLeadMs` before its end.
   * Each takes answers for `cycleRoundOpenMs` and reminds once after `cycleRemindAfterMs`.
   * Returns the round ids (none without a baseline questionnaire).
   */
  async ensureCycleRounds(cycleId: string, t: CycleRoundTimings): Promise<string[]> {
    const cycle = await this.db.selectFrom('cycles').select(['period_start', 'period_end', 'baseline_questionnaire_id']).where('id', '=', cycleId).executeTakeFirst();
    if (!cycle) throw new SurveyError('CYCLE_NOT_FOUND', `no cycle ${cycleId}`);
    if (!cycle.baseline_questionnaire_id) return [];
    const version = await this.latestVersion(cycle.baseline_questionnaire_id);
    if (!version) return [];
    const start = Date.parse(cycle.period_start);
    const end = Date.parse(cycle.period_end);
    // A short cycle: the end round opens no earlier than the baseline, and closes by the period's end at the latest.
    const endOpens = Math.max(start, end - t.endLeadMs);
    const rounds = [
      { kind: 'baseline' as const, opens: start, closes: Math.min(start + t.cycleRoundOpenMs, end) },
      { kind: 'end' as const, opens: endOpens, closes: Math.max(endOpens + 60_000, Math.min(endOpens + t.cycleRoundOpenMs, end)) },
    ];
    const at = toIso(this.now());
    const ids: string[] = [];
    for (const r of rounds) {
      const id = roundIdFor(r.kind, cycleId);
      const remind = r.opens + t.cycleRemindAfterMs;
      await this.db
        .insertInto('survey_rounds')
        .values({
          id,
          kind: r.kind,
          cycle_id: cycleId,
          activity_id: null,
          questionnaire_version_id: version.id,
          opens_at: toIso(new Date(r.opens)),
          remind_at: remind < r.closes ? toIso(new Date(remind)) : null,
          closes_at: toIso(new Date(r.closes)),
          opened_at: null,
          reminded_at: null,
          created_at: at,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
      ids.push(id);
    }
    return ids;
  }

  // ---- an activity's round ---------------------------------------------------------------------

  /**
   * The participant survey after an activity: the latest version of its cycle's survey
   * questionnaire, open from now until `closesAt`, reminding at `remindAt`. None when the cycle has
   * no survey questionnaire (or the activity is not on record). A repeat returns the same round.
   */
  async ensureActivityRound(input: { activityId: string; remindAt: string; closesAt: string }): Promise<{ roundId: string } | undefined> {
    const id = roundIdFor('activity', input.activityId);
    const existing = await this.db.selectFrom('survey_rounds').select('id').where('id', '=', id).executeTakeFirst();
    if (existing) return { roundId: id };
    const owner = await this.db
      .selectFrom('activities as a')
      .innerJoin('cycles as c', 'c.id', 'a.cycle_id')
      .select(['a.cycle_id', 'c.survey_questionnaire_id'])
      .where('a.id', '=', input.activityId)
      .executeTakeFirst();
    if (!owner?.survey_questionnaire_id) return undefined;
    const version = await this.latestVersion(owner.survey_questionnaire_id);
    if (!version) return undefined;
    const at = toIso(this.now());
    const closesAt = toIso(input.closesAt);
    const remindAt = toIso(input.remindAt);
    await this.db
      .insertInto('survey_rounds')
      .values({
        id,
        kind: 'activity',
        cycle_id: owner.cycle_id,
        activity_id: input.activityId,
        questionnaire_version_id: version.id,
        opens_at: at,
        remind_at: remindAt < closesAt ? remindAt : null,
        closes_at: closesAt,
        opened_at: null,
        reminded_at: null,
        created_at: at,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    return { roundId: id };
  }

  async round(roundId: string): Promise<SurveyRound | undefined> {
    const r = await this.db.selectFrom('survey_rounds').selectAll().where('id', '=', roundId).executeTakeFirst();
    return r ? roundOf(r) : undefined;
  }

  /** The rounds of a cycle (its activities' and its own), for the coordinator's cycle page. */
  async roundsOfCycle(cycleId: string): Promise<(SurveyRound & { invited: number; answered: number })[]> {
    const rows = await this.db
      .selectFrom('survey_rounds as r')
      .selectAll('r')
      .select((eb) => eb.selectFrom('survey_invitations as i').select((e) => e.fn.countAll().as('n')).whereRef('i.round_id', '=', 'r.id').as('invited'))
      .select((eb) =>
        eb.selectFrom('survey_responses as s').select((e) => e.fn.countAll().as('n')).whereRef('s.round_id', '=', 'r.id').where('s.withdrawn_at', 'is', null).as('answered'),
      )
      .where('r.cycle_id', '=', cycleId)
      .orderBy('r.opens_at')
      .execute();
    return rows.map((r) => ({ ...roundOf(r), invited: Number(r.invited ?? 0), answered: Number(r.answered ?? 0) }));
  }

  // ---- the sweeper's steps ---------------------------------------------------------------------

  /** Rounds whose time to open has come and that are not yet opened (nor closed). */
  async roundsToOpen(now: Date): Promise<SurveyRound[]> {
    const at = toIso(now);
    const rows = await this.db.selectFrom('survey_rounds').selectAll().where('opened_at', 'is', null).where('opens_at', '<=', at).where('closes_at', '>', at).orderBy('opens_at').limit(100).execute();
    return rows.map(roundOf);
  }

  /**
   * Writes the round's invitations in one statement: the families that checked in (an activity's
   * round) or the active families of the cycle's compounds (baseline, end). A repeat, or a second
   * sweeper at the same moment, writes nothing more. Returns every invitee of the round.
   */
  async writeInvitations(roundId: string, now: Date): Promise<SurveyInvitee[]> {
    const round = await this.round(roundId);
    if (!round) throw new SurveyError('INVITATION_NOT_FOUND', `no round ${roundId}`);
    const at = toIso(now);
    const invitationId = sql<string>`${'sv:' + roundId + ':'} || f.id`;
    if (round.kind === 'activity') {
      await this.db
        .insertInto('survey_invitations')
        .columns(['id', 'round_id', 'family_id', 'invited_at'])
        .expression((eb) =>
          eb
            .selectFrom('families as f')
            .select([invitationId.as('id'), sql<string>`${roundId}`.as('round_id'), 'f.id as family_id', sql<string>`${at}`.as('invited_at')])
            .where('f.deactivated_at', 'is', null)
            .where((w) =>
              w.exists(
                w
                  .selectFrom('check_ins as c')
                  .select('c.id')
                  .whereRef('c.person_id', '=', 'f.id')
                  .where('c.person_kind', '=', 'family')
                  .where('c.activity_id', '=', round.activityId ?? ''),
              ),
            ),
        )
        .onConflict((oc) => oc.columns(['round_id', 'family_id']).doNothing())
        .execute();
    } else {
      const cycle = await this.db.selectFrom('cycles').select('compounds_json').where('id', '=', round.cycleId ?? '').executeTakeFirst();
      const compounds = cycle ? (JSON.parse(cycle.compounds_json) as string[]) : [];
      if (compounds.length) {
        await this.db
          .insertInto('survey_invitations')
          .columns(['id', 'round_id', 'family_id', 'invited_at'])
          .expression((eb) =>
            eb
              .selectFrom('families as f')
              .select([invitationId.as('id'), sql<string>`${roundId}`.as('round_id'), 'f.id as family_id', sql<string>`${at}`.as('invited_at')])
              .where('f.deactivated_at', 'is', null)
              .where('f.compound_id', 'in', compounds),
          )
          .onConflict((oc) => oc.columns(['round_id', 'family_id']).doNothing())
          .execute();
      }
    }
    return this.invitees(roundId, { unansweredOnly: false });
  }

  /** The round's invitees with their directory contact, optionally only those who have not answered (nor withdrawn). */
  async invitees(roundId: string, o: { unansweredOnly: boolean }): Promise<SurveyInvitee[]> {
    let q = this.db
      .selectFrom('survey_invitations as i')
      .innerJoin('families as f', 'f.id', 'i.family_id')
      .select(['i.id as invitationId', 'f.id as familyId', 'f.name', 'f.email', 'f.locale'])
      .where('i.round_id', '=', roundId)
      .where('f.deactivated_at', 'is', null);
    if (o.unansweredOnly) q = q.where((eb) => eb.not(eb.exists(eb.selectFrom('survey_responses as s').select('s.invitation_id').whereRef('s.invitation_id', '=', 'i.id'))));
    return q.orderBy('i.id').execute();
  }

  /** Records that every invitation went out (once: a later mark changes nothing). */
  async markOpened(roundId: string, now: Date): Promise<void> {
    await this.db.updateTable('survey_rounds').set({ opened_at: toIso(now) }).where('id', '=', roundId).where('opened_at', 'is', null).execute();
  }

  /** Opened rounds whose reminder is due and not sent, still open. */
  async roundsToRemind(now: Date): Promise<SurveyRound[]> {
    const at = toIso(now);
    const rows = await this.db
      .selectFrom('survey_rounds')
      .selectAll()
      .where('opened_at', 'is not', null)
      .where('reminded_at', 'is', null)
      .where('remind_at', 'is not', null)
      .where('remind_at', '<=', at)
      .where('closes_at', '>', at)
      .orderBy('remind_at')
      .limit(100)
      .execute();
    return rows.map(roundOf);
  }

  /** Records the reminders: on each invitation reminded, and on the round (once). */
  async markReminded(roundId: string, invitationIds: readonly string[], now: Date): Promise<void> {
    const at = toIso(now);
    await withTransaction(this.db, async (trx) => {
      if (invitationIds.length) await trx.updateTable('survey_invitations').set({ reminded_at: at }).where('id', 'in', [...invitationIds]).where('reminded_at', 'is', null).execute();
      await trx.updateTable('survey_rounds').set({ reminded_at: at }).where('id', '=', roundId).where('reminded_at', 'is', null).execute();
    });
  }

  // ---- the family's answer ---------------------------------------------------------------------

  async invitation(invitationId: string): Promise<InvitationView | undefined> {
    const row = await this.db
      .selectFrom('survey_invitations as i')
      .innerJoin('survey_rounds as r', 'r.id', 'i.round_id')
      .innerJoin('questionnaire_versions as v', 'v.id', 'r.questionnaire_version_id')
      .leftJoin('survey_responses as s', 's.invitation_id', 'i.id')
      .leftJoin('activities as a', 'a.id', 'r.activity_id')
      .leftJoin('cycles as c', 'c.id', 'r.cycle_id')
      .selectAll('r')
      .select(['i.id as invitation_id', 'i.family_id', 'v.definition_json', 's.submitted_at', 's.withdrawn_at', 's.answers_json', 'a.title as activity_title', 'c.name as cycle_name'])
      .where('i.id', '=', invitationId)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      invitationId: row.invitation_id,
      familyId: row.family_id,
      round: roundOf(row),
      definition: definitionOf(row.definition_json),
      about: (row.kind === 'activity' ? row.activity_title : row.cycle_name) ?? '',
      response: row.submitted_at ? { submittedAt: row.submitted_at, withdrawnAt: row.withdrawn_at, answered: row.answers_json !== null } : undefined,
    };
  }

  /**
   * Records a family's one answer to its invitation. A second submit changes nothing and says when
   * the first was; after the round closes nothing is taken. Answers that do not fit the version's
   * items are refused (the page checks first and names the item).
   */
  async submit(input: { invitationId: string; answers: Answers; consented: true }): Promise<SubmitOutcome> {
    const view = await this.invitation(input.invitationId);
    if (!view) throw new SurveyError('INVITATION_NOT_FOUND', 'no such invitation');
    if (view.response) return { outcome: 'alreadySubmitted', submittedAt: view.response.submittedAt, withdrawnAt: view.response.withdrawnAt };
    const now = this.now();
    if (now.getTime() >= Date.parse(view.round.closesAt)) throw new SurveyError('ROUND_CLOSED', 'the survey is closed');
    const checked = checkStoredAnswers(view.definition, input.answers);
    if (!checked.ok) throw new SurveyError('ANSWERS_INVALID', `missing: ${checked.missing.join(', ')}; invalid: ${checked.invalid.join(', ')}`, checked.missing[0] ?? checked.invalid[0]);
    const at = toIso(now);
    const inserted = await this.db
      .insertInto('survey_responses')
      .values({ invitation_id: view.invitationId, round_id: view.round.id, consented_at: at, submitted_at: at, answers_json: JSON.stringify(checked.answers), withdrawn_at: null })
      .onConflict((oc) => oc.column('invitation_id').doNothing())
      .returning('submitted_at')
      .executeTakeFirst();
    if (inserted) return { outcome: 'recorded', submittedAt: at, withdrawnAt: null };
    const first = await this.db.selectFrom('survey_responses').select(['submitted_at', 'withdrawn_at']).where('invitation_id', '=', view.invitationId).executeTakeFirstOrThrow();
    return { outcome: 'alreadySubmitted', submittedAt: first.submitted_at, withdrawnAt: first.withdrawn_at };
  }

  /** Erases a family's answers (the row stays, as the record that it withdrew). A repeat changes nothing. */
  async withdraw(invitationId: string): Promise<WithdrawOutcome> {
    const at = toIso(this.now());
    const updated = await this.db
      .updateTable('survey_responses')
      .set({ answers_json: null, withdrawn_at: at })
      .where('invitation_id', '=', invitationId)
      .where('withdrawn_at', 'is', null)
      .returning('withdrawn_at')
      .executeTakeFirst();
    if (updated?.withdrawn_at) return { outcome: 'withdrawn', withdrawnAt: updated.withdrawn_at };
    const row = await this.db.selectFrom('survey_responses').select('withdrawn_at').where('invitation_id', '=', invitationId).executeTakeFirst();
    return row?.withdrawn_at ? { outcome: 'alreadyWithdrawn', withdrawnAt: row.withdrawn_at } : { outcome: 'nothingToWithdraw' };
  }
}
