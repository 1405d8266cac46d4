/**
 * Everything the cycle's end-to-end test needs, all real: the app (with the cycle routes) over
 * HTTP on port 0, a migrated SQLite database with a seeded directory, a dev mailbox the real SMTP
 * mailer sends to, and one worker on the shared Temporal dev server running the themed-activity
 * and incubation-cycle workflows with their real activities (the cycle lists its activities
 * through real visibility).
 *
 * The config's timings are short, so an activity runs from plan to feedback in seconds.
 */
import type { Logger } from '../../api/http/errors';
import { createCycleActivities, visibilityCycleActivityLister } from '../../activities/cycle';
import { startAppHarness, type AppHarness } from '../support/app-harness';
import { LINK_SECRET, STAFF, TOKENS } from '../api/harness';
import { insertPeople } from '../db/fixtures';

export { api, eventually, linkIn, mailTo, page, submit, STAFF, TOKENS } from '../api/harness';

/** The short timings of this suite's config (REMINDER_OFFSETS etc.), in ms for the test's arithmetic. */
export const TEST_TIMINGS = {
  reminderOffset: 5_000,
  attendanceOpensBefore: 4_000,
  attendanceClosesAfter: 2_000,
  feedbackDeadline: 20_000,
  feedbackReminderBefore: 5_000,
} as const;

export const FAMILIES = [
  { id: 'cf-1', name: '刘家', email: 'liu@cycle.example.test', members: 3 },
  { id: 'cf-2', name: '赵家', email: 'zhao@cycle.example.test', members: 2 },
  { id: 'cf-3', name: '孙家', email: 'sun@cycle.example.test', members: 2 },
] as const;
export const VOLUNTEERS = [
  { id: 'cv-1', name: '周志愿', email: 'zhou@cycle.example.test' },
  { id: 'cv-2', name: '吴志愿', email: 'wu@cycle.example.test' },
] as const;
export const MERCHANTS = [
  { id: 'm-wanda', name: '万达广场', email: 'wanda@cycle.example.test', venueName: '万达广场中庭' },
  { id: 'm-books', name: '西西弗书店', email: 'books@cycle.example.test', venueName: '书店活动区' },
] as const;

export type CycleHarness = Omit<AppHarness, 'logs' | 'startExtraApp'>;

export function startCycleHarness(): Promise<CycleHarness> {
  const quiet: Logger = { info: () => undefined, warn: () => undefined, error: (m, meta) => console.error(m, meta ?? '') };
  return startAppHarness({
    tmpPrefix: 'cogov-cycle-e2e-',
    taskQueuePrefix: 'cycle-e2e-',
    linkSecret: LINK_SECRET,
    mailFrom: 'noreply@cycle.example.test',
    messageIdDomain: 'cycle.example.test',
    staff: STAFF,
    tokens: TOKENS,
    seed: async (db) => {
      await insertPeople(db, {
        families: FAMILIES.map((f) => ({ ...f, compound_id: 'c-east' })),
        volunteers: VOLUNTEERS.map((v) => ({ ...v, compound_id: 'c-east' })),
      });
      await db
        .insertInto('merchants')
        .values(MERCHANTS.map((m) => ({ id: m.id, name: m.name, email: m.email, locale: 'zh-CN' as const })))
        .execute();
      // Plans name merchants by id; their venue is the one on record here.
      await db
        .insertInto('venues')
        .values(MERCHANTS.map((m) => ({ id: `${m.id}-venue`, merchant_id: m.id, name: m.venueName, capacity: null })))
        .execute();
    },
    env: {
      VENUE_ANSWER_TIMEOUT: '2m',
      APPROVAL_REMINDER_AFTER: '2m',
      APPROVAL_ESCALATE_AFTER: '4m',
      REMINDER_OFFSETS: `${TEST_TIMINGS.reminderOffset}ms`,
      ATTENDANCE_OPENS_BEFORE: `${TEST_TIMINGS.attendanceOpensBefore}ms`,
      ATTENDANCE_CLOSES_AFTER: `${TEST_TIMINGS.attendanceClosesAfter}ms`,
      FEEDBACK_DEADLINE: `${TEST_TIMINGS.feedbackDeadline}ms`,
      FEEDBACK_REMINDER_BEFORE: `${TEST_TIMINGS.feedbackReminderBefore}ms`,
    },
    // The worker also runs the incubation cycle, which lists its activities through real visibility.
    worker: true,
    extraActivities: ({ db, store, mailer, client, baseUrl }) =>
      createCycleActivities({
        db,
        store,
        mailer,
        listCycleActivities: visibilityCycleActivityLister(client),
        publicBaseUrl: baseUrl,
        messageIdDomain: 'cycle.example.test',
      }),
    deps: { linkRateLimit: { capacity: 1000, perMinute: 1000 } },
    logger: quiet,
  });
}
