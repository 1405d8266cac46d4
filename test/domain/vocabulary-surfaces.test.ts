/**
 * One vocabulary, every surface: each term of each table in domain/vocabulary.ts is walked through
 * every surface that shows it, in zh-CN and en, and the surface must show exactly the label.
 */
import { dashboardStrings } from '../../api/dashboard/i18n';
import { stringsFor } from '../../api/links/i18n';
import type { DigestItem, DigestReport } from '../../domain/emails';
import { renderDigest } from '../../mail/digest-template';
import { renderCycleEmail } from '../../mail/cycle-templates';
import { selfServiceStrings } from '../../api/family/i18n';
import { cycleReportTable } from '../../reports/cycle-report';
import { formatDateTime } from '../../i18n/format';
import {
  ACTIVITY_OUTCOMES,
  ACTIVITY_OUTCOME_TERMS,
  ALL_STAGES,
  DECISION_KINDS,
  DECISION_KIND_TERMS,
  DECISION_OUTCOMES,
  DECISION_OUTCOME_TERMS,
  EMAIL_PURPOSES,
  EMAIL_PURPOSE_TERMS,
  LOCALES,
  MILESTONE_STATES,
  MILESTONE_STATE_TERMS,
  PARTIES,
  PENDING_ACTIONS,
  PENDING_ACTION_TERMS,
  ROLE_TERMS,
  STAFF_ROLES,
  STAGE_TERMS,
  inSentence,
  label,
} from '../../domain/vocabulary';
import { describeRoles } from '../../api/http/auth';
import { ROLE_LABEL } from '../../api/people/directory';

const item = (n: number, stage: string, pending?: DigestItem['pending']): DigestItem => ({
  activityId: `act-${n}`,
  title: `Activity ${n}`,
  compound: 'C1',
  stage,
  startsAt: '2026-05-02T02:00:00.000Z',
  ...(pending ? { pending } : {}),
  url: `https://example.test/a/${n}`,
});

function digestText(items: { overdue?: DigestItem[]; upcoming?: DigestItem[] }, locale: 'zh-CN' | 'en'): string {
  const report: DigestReport = {
    day: '2026-05-01',
    timeZone: 'Asia/Shanghai',
    asOf: '2026-05-01T00:00:00.000Z',
    pendingApprovals: [],
    overdue: items.overdue ?? [],
    upcoming: items.upcoming ?? [],
    upcomingDays: 7,
    truncated: false,
    dashboardUrl: 'https://example.test/',
  };
  return renderDigest({ recipientName: 'X', report }, locale).text;
}

/** The fact line of the first listed activity in the digest's plain text. */
function factLines(text: string): string[] {
  return text.split('\n').filter((l) => l.startsWith('     ') && !l.trim().startsWith('http')).map((l) => l.trim());
}

describe.each(LOCALES)('vocabulary surfaces (%s)', (locale) => {
  const page = stringsFor(locale);
  const dash = dashboardStrings(locale);
  const digestStage = locale === 'en' ? 'Stage: ' : '阶段：';

  test.each(ALL_STAGES)('stage %s: action pages, dashboard pages and the digest', (stage) => {
    const want = label(STAGE_TERMS, stage, locale);
    expect(page.stages[stage]).toBe(want);
    expect(dash.page.stages[stage]).toBe(want);
    const facts = factLines(digestText({ upcoming: [item(1, stage)] }, locale));
    expect(facts).toHaveLength(1);
    expect(facts[0]!.split(' | ')).toContain(`${digestStage}${want}`);
  });

  test('the venue-request step page is headed with the stage word', () => {
    expect(page.steps.venueRequest.heading).toBe(label(STAGE_TERMS, 'venueRequest', locale));
    expect(label(EMAIL_PURPOSE_TERMS, 'venueRequest', locale)).toBe(label(STAGE_TERMS, 'venueRequest', locale));
  });

  test.each(PARTIES)('role %s: dashboard and digest', (role) => {
    const want = label(ROLE_TERMS, role, locale);
    expect(dash.roles[role]).toBe(want);
    const facts = factLines(digestText({ overdue: [item(1, 'approval', { role, action: 'decideApproval' })] }, locale));
    expect(facts[0]!.split(' | ')).toContain(`${want} · ${label(PENDING_ACTION_TERMS, 'decideApproval', locale)}`);
  });

  test.each(PENDING_ACTIONS)('pending action %s: dashboard and digest', (action) => {
    const want = label(PENDING_ACTION_TERMS, action, locale);
    expect(dash.pendingActions[action]).toBe(want);
    const facts = factLines(digestText({ overdue: [item(1, 'approval', { role: 'gridWorker', action })] }, locale));
    expect(facts[0]!.split(' | ')).toContain(`${label(ROLE_TERMS, 'gridWorker', locale)} · ${want}`);
  });

  test.each(DECISION_KINDS)('decision kind %s: dashboard timeline', (kind) => {
    expect(dash.decisionKinds[kind]).toBe(label(DECISION_KIND_TERMS, kind, locale));
  });

  test.each(DECISION_OUTCOMES)('decision outcome %s: dashboard and action pages', (outcome) => {
    const want = label(DECISION_OUTCOME_TERMS, outcome, locale);
    expect(dash.outcomes[outcome]).toBe(want);
    if (outcome in page.outcomes) expect(page.outcomes[outcome]).toBe(want);
  });

  test('the action pages name no outcome outside the vocabulary', () => {
    for (const key of Object.keys(page.outcomes)) expect(DECISION_OUTCOMES).toContain(key);
  });

  test.each(ACTIVITY_OUTCOMES)('activity outcome %s: cycle report page', (outcome) => {
    expect(dash.report.values[outcome]).toBe(label(ACTIVITY_OUTCOME_TERMS, outcome, locale));
  });

  test.each(MILESTONE_STATES)('milestone state %s: cycles page', (state) => {
    expect(dash.cycles.states[state]).toBe(label(MILESTONE_STATE_TERMS, state, locale));
  });

  test.each(EMAIL_PURPOSES)('email purpose %s: dashboard', (purpose) => {
    expect(dash.emailPurposes[purpose]).toBe(label(EMAIL_PURPOSE_TERMS, purpose, locale));
  });

  test.each(ACTIVITY_OUTCOMES)('activity outcome %s: CSV status cells and the cycle-report email', (outcome) => {
    const want = label(ACTIVITY_OUTCOME_TERMS, outcome, locale);
    const row = { activityId: 'a1', title: 'T', outcome, feedback: 'received' };
    const table = cycleReportTable({ activities: { rows: [row] } } as never, 'activities', locale);
    expect(table.rows[0]?.outcome).toBe(want);
    if (outcome === 'completed') return; // the email counts the held ones by number, under its own heading
    const cycle = { cycleId: 'c1', name: 'C', periodStart: '2026-03-01T00:00:00Z', periodEnd: '2026-06-30T00:00:00Z' };
    const email = renderCycleEmail(
      { purpose: 'cycleReportReady', cycle, held: 3, cancelled: 1, rejected: 2, participants: 10, families: 4, sponsorshipCny: 0, recipientName: 'X', cycleUrl: 'https://example.test/c', reportUrl: 'https://example.test/r' },
      locale,
    );
    expect(email.text).toContain(`${inSentence(want, locale)} ${outcome === 'cancelled' ? 1 : 2}`);
  });

  test('self-service pages: the check-in button is the pending-action word, help comes from the property-manager role', () => {
    const ss = selfServiceStrings(locale).ss;
    expect(ss.checkIn.button).toBe(label(PENDING_ACTION_TERMS, 'checkIn', locale));
    const role = inSentence(label(ROLE_TERMS, 'propertyManager', locale), locale);
    expect(ss.register.closed).toContain(role);
    expect(ss.pages.expiredRegister.body).toContain(role);
  });

  test('cycle emails name the coordinator and the supervisor by their role words', () => {
    const cycle = { cycleId: 'c1', name: 'C', periodStart: '2026-03-01T00:00:00Z', periodEnd: '2026-06-30T00:00:00Z' };
    const milestone = { id: 'm1', name: 'M', dueAt: '2026-04-01T00:00:00Z' };
    const links = { recipientName: 'X', cycleUrl: 'https://example.test/c', reportUrl: 'https://example.test/r' };
    const reminder = renderCycleEmail({ purpose: 'milestoneReminder', cycle, milestone, ...links }, locale).text;
    expect(reminder).toContain(inSentence(label(ROLE_TERMS, 'coordinator', locale), locale));
    expect(reminder).toContain(inSentence(label(ROLE_TERMS, 'supervisor', locale), locale));
    const escalation = renderCycleEmail({ purpose: 'milestoneEscalation', cycle, milestone, supervisorName: 'S', ...links }, locale).text;
    expect(escalation).toContain(inSentence(label(ROLE_TERMS, 'supervisor', locale), locale));
  });

  test('CSV: the activities table heads its feedback column with the decision-kind word', () => {
    const table = cycleReportTable({ activities: { rows: [] } } as never, 'activities', locale);
    const feedback = table.columns.find((c) => c.key === 'feedback');
    expect(feedback?.header).toBe(label(DECISION_KIND_TERMS, 'feedback', locale));
  });
});

describe.each(LOCALES)('the cycle report tables write times in the one date format (%s)', (locale) => {
  const at = '2026-05-01T01:00:00.000Z';
  test('activities, milestones and sponsorships', () => {
    const activities = cycleReportTable({ activities: { rows: [{ activityId: 'a1', title: 'T', outcome: 'completed', feedback: 'received', startsAt: at, endsAt: at }] } } as never, 'activities', locale);
    expect(activities.rows[0]).toMatchObject({ startsAt: formatDateTime(at, locale), endsAt: formatDateTime(at, locale) });
    const milestones = cycleReportTable({ milestones: { rows: [{ milestoneId: 'm1', name: 'M', dueAt: at, doneAt: null, status: 'missed' }] } } as never, 'milestones', locale);
    expect(milestones.rows[0]).toMatchObject({ dueAt: formatDateTime(at, locale), doneAt: '' });
    const sponsorships = cycleReportTable({ sponsorship: { rows: [{ id: 's1', merchantId: 'mer', amountCny: 10, recordedAt: at }] } } as never, 'sponsorships', locale);
    expect(sponsorships.rows[0]).toMatchObject({ recordedAt: formatDateTime(at, locale) });
    // Beijing time, not the ISO instant: 09:00 on the day.
    expect(String(activities.rows[0]?.startsAt)).toContain('09:00');
  });
});

describe('role names in English error messages', () => {
  test.each(STAFF_ROLES)('%s', (role) => {
    const want = inSentence(label(ROLE_TERMS, role, 'en'), 'en');
    expect(describeRoles([role])).toBe(want);
    expect(ROLE_LABEL[role]).toBe(want);
  });
});
