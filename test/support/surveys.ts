/**
 * Outcome evaluation in tests: a questionnaire definition to start from, the records a survey
 * round needs (families, an activity of a cycle and its check-ins), and how a family answers an
 * invitation as it would through its emailed link: sign the invitation's link and POST the form.
 *
 *   const q = await new Surveys(db).createQuestionnaire({ definition: sampleDefinition(), by: 'co-1' });
 *   const url = surveyLinkFor(invitation, { secret, baseUrl, expiresAtMs });
 *   const res = await answerSurvey(url, { wellbeing: 4, talks: true });  // 200 on success
 *
 * (`answerSurvey` GETs the page for its CSRF cookie and value, then POSTs consent and answers.)
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/types';
import type { Answers, QuestionnaireDefinition } from '../../domain/questionnaire';
import { answerField } from '../../domain/questionnaire-answers';
import { signSurveyLink } from '../../links/survey-links';

/** Two languages, four kinds of items: a 1–5 scale, yes/no, a choice and an optional text. */
export function sampleDefinition(overrides: Partial<QuestionnaireDefinition> = {}): QuestionnaireDefinition {
  const w = (zh: string, en: string) => ({ 'zh-CN': zh, en });
  return {
    title: w('活动满意度调查', 'Activity survey'),
    consent: w('本问卷匿名统计，仅用于评估社区项目效果。您可以随时撤回回答。', 'Answers are counted anonymously to evaluate the project. You may withdraw them at any time.'),
    items: [
      {
        id: 'understanding',
        kind: 'likert',
        required: true,
        text: w('这次活动增进了家人之间的相互理解', 'The activity increased mutual understanding in our family'),
        labels: [w('非常不同意', 'Strongly disagree'), w('不同意', 'Disagree'), w('一般', 'Neutral'), w('同意', 'Agree'), w('非常同意', 'Strongly agree')],
      },
      { id: 'talks', kind: 'yesNo', required: true, text: w('每周至少有一次深度对话', 'At least one deep conversation a week') },
      {
        id: 'heard',
        kind: 'choice',
        required: true,
        text: w('您从哪里知道这次活动', 'Where did you hear of the activity'),
        options: [
          { id: 'email', text: w('邮件', 'Email') },
          { id: 'neighbour', text: w('邻居', 'A neighbour') },
        ],
      },
      { id: 'comment', kind: 'text', required: false, maxLength: 300, text: w('还有什么想说的', 'Anything else') },
    ],
    ...overrides,
  };
}

/** A complete answer to `sampleDefinition()`. */
export const SAMPLE_ANSWERS: Answers = { understanding: 4, talks: true, heard: 'neighbour' };

/** Families in a compound (active), by id. */
export async function seedFamilies(db: Kysely<Database>, compound: string, ids: readonly string[], email = (id: string) => `${id}@families.test`): Promise<void> {
  if (ids.length === 0) return;
  await db
    .insertInto('families')
    .values(ids.map((id, n) => ({ id, compound_id: compound, name: `家庭${id}`, email: email(id), locale: 'zh-CN' as const, members: 3, qr_token: `qr-${id}-${n}` })))
    .execute();
}

/** An activity of `cycleId` on record, and check-ins of `checkedIn` families. */
export async function seedActivityWithCheckIns(db: Kysely<Database>, o: { activityId: string; cycleId: string; compound: string; title?: string; checkedIn: readonly string[] }): Promise<void> {
  const at = new Date().toISOString();
  await db
    .insertInto('activities')
    .values({
      id: o.activityId,
      cycle_id: o.cycleId,
      compound_id: o.compound,
      title: o.title ?? '亲子运动会',
      starts_at: at,
      ends_at: at,
      capacity: 50,
      stage: 'supervisionFeedback',
      attendance_state: 'closed',
      attendance_opens_at: null,
      attendance_closes_at: null,
      attendance_closed_at: at,
      tally_json: null,
      updated_at: at,
    })
    .execute();
  if (o.checkedIn.length === 0) return;
  await db
    .insertInto('check_ins')
    .values(o.checkedIn.map((f) => ({ id: `ci-${o.activityId}-${f}`, activity_id: o.activityId, person_kind: 'family' as const, person_id: f, members: 2, method: 'staff' as const, nonce: null, checked_in_at: at, checked_out_at: null })))
    .execute();
}

/** The signed link of an invitation, as the sweeper's email carries it. */
export function surveyLinkFor(invitation: { invitationId: string; familyId: string }, o: { secret: string; baseUrl: string; expiresAtMs: number }): string {
  return signSurveyLink({ ...invitation, expiresAtMs: o.expiresAtMs }, o.secret, o.baseUrl).url;
}

/** The cookie and CSRF value of a survey page (GET), to POST its form as a browser would. */
export async function openSurveyPage(url: string): Promise<{ status: number; html: string; cookie: string; csrf: string }> {
  const res = await fetch(url, { redirect: 'manual' });
  const html = await res.text();
  const cookie = (res.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  return { status: res.status, html, cookie, csrf };
}

/** POSTs a survey page's form (after opening it): `fields` as the form would send them. */
export async function postSurveyForm(url: string, fields: Record<string, string>): Promise<{ status: number; html: string }> {
  const page = await openSurveyPage(url);
  const res = await fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: page.cookie, origin: new URL(url).origin },
    body: new URLSearchParams({ csrf: page.csrf, ...fields }).toString(),
  });
  return { status: res.status, html: await res.text() };
}

/** The form fields of an answer: consent agreed and one field per answered item. */
export function answerFields(answers: Answers, consent = true): Record<string, string> {
  const fields: Record<string, string> = { action: 'submit' };
  if (consent) fields.consent = 'agree';
  for (const [id, v] of Object.entries(answers)) fields[answerField(id)] = typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v);
  return fields;
}

/** Answers an invitation through its page, as a family does (consent, the answers, one submit). */
export function answerSurvey(url: string, answers: Answers): Promise<{ status: number; html: string }> {
  return postSurveyForm(url, answerFields(answers));
}

/** Withdraws a family's answers through its page. */
export function withdrawSurvey(url: string): Promise<{ status: number; html: string }> {
  return postSurveyForm(url, { action: 'withdraw' });
}
