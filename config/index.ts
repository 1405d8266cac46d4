/**
 * The one place that reads the environment. Parsed once at start-up with zod; a bad value stops
 * the process with a message that names the key. Workflow code never imports this: the starter
 * copies the durations into the workflow's input.
 */
import { z } from 'zod';
import { formatDuration, parseDuration } from './duration';
import type { Timings } from '../domain/schemas';
import type { PlanBounds } from '../domain/plan-checks';
import { defaultLedgerPolicy, type LedgerPolicy } from '../domain/points';

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration like 30m, 24h or 3d` });
        return z.NEVER;
      }
      return ms;
    });

/** `z.coerce.boolean()` turns "false" into true; this does not. */
const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Durations separated by commas, like `1m,5m,15m`. */
const durations = (fallback: string, example: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const values = text.split(',').map((s) => s.trim()).filter(Boolean).map(parseDuration);
      if (values.some((v) => v === undefined)) {
        ctx.addIssue({ code: 'custom', message: `"${text}" must be durations separated by commas, like ${example}` });
        return z.NEVER;
      }
      return values as number[];
    });

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/** Staff who may call the API: `[{"token":"…","role":"coordinator","staffId":"c-1","name":"李协调"}]`. */
const StaffToken = z.object({
  token: z.string().min(24, 'tokens must be at least 24 characters'),
  role: z.enum(['propertyManager', 'gridWorker', 'coordinator', 'supervisor']),
  staffId: z.string().min(1),
  name: z.string().min(1),
  /** The compound a property manager or grid worker serves; coordinators see all. */
  compound: z.string().optional(),
});
export type StaffToken = z.infer<typeof StaffToken>;

const staffTokens = z
  .string()
  .default('[]')
  .transform((text, ctx) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of {token, role, staffId, name}' });
      return z.NEVER;
    }
    const result = z.array(StaffToken).safeParse(parsed);
    if (!result.success) {
      ctx.addIssue({ code: 'custom', message: result.error.issues.map((i) => `[${i.path.join('.')}] ${i.message}`).join('; ') });
      return z.NEVER;
    }
    return result.data;
  });

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),

  // Temporal. Without an address, `npm start` runs the embedded dev server.
  TEMPORAL_ADDRESS: optionalText,
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('themed-activities'),
  TEMPORAL_CLI_PATH: optionalText,
  TEMPORAL_TEST_SERVER_PATH: optionalText,
  TEMPORAL_DEV_PORT: port(7233),
  TEMPORAL_UI_PORT: port(8233),
  /** Where people open the Temporal web UI, for links from the dashboard. */
  TEMPORAL_UI_URL: optionalText,

  // Database: PostgreSQL when a URL is given, else SQLite in the data folder.
  DATABASE_URL: optionalText,
  /** How long start-up (and every new pool connection) waits for PostgreSQL to answer. */
  DATABASE_CONNECT_TIMEOUT: duration('10s'),
  /** The longest a single PostgreSQL query may take before the caller gets "unavailable". */
  DATABASE_QUERY_TIMEOUT: duration('30s'),
  DATA_DIR: z.string().default('data'),

  // Mail: SMTP when a host is given, else (outside production) the development mailbox.
  SMTP_HOST: optionalText,
  SMTP_PORT: port(587),
  SMTP_SECURE: flag(false),
  SMTP_USER: optionalText,
  SMTP_PASS: optionalText,
  MAIL_FROM: z.email().default('noreply@jinhua-community.example'),
  MAIL_FROM_NAME: z.string().default('锦华社区三长共治专班'),
  DEV_MAILBOX_PORT: port(2525),
  /** Waits between the retries of an email a relay turned away for now; after the last, it is refused. */
  EMAIL_RETRY_DELAYS: durations('1m,5m,15m,1h,3h', '1m,5m,15m,1h,3h'),
  /** How often each worker looks for emails due to be retried. */
  EMAIL_RETRY_INTERVAL: duration('30s'),

  // HTTP and links in emails.
  PORT: port(3000),
  /**
   * The address the API binds. Unset: loopback outside production, so a laptop on café Wi-Fi
   * does not serve the unauthenticated dev mailbox to its neighbours; every interface in
   * production, where a container or reverse proxy decides what is reachable.
   */
  HOST: optionalText,
  PUBLIC_BASE_URL: z.url().default('http://localhost:3000'),
  LINK_SECRET: z.string().min(32, 'LINK_SECRET must be at least 32 characters').optional(),
  /** AES-256 key (base64 of 32 bytes) that encrypts Temporal payloads; generated in DATA_DIR in development. */
  PAYLOAD_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes in base64 (openssl rand -base64 32)')
    .optional(),
  PAYLOAD_KEY_ID: z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, 'letters, digits, _ . - only').default('k1'),
  /** Keys being rotated out, still read: `id:base64,id:base64`. */
  PAYLOAD_OLD_KEYS: z
    .string()
    .default('')
    .transform((v, ctx) => {
      const keys: { id: string; key: string }[] = [];
      for (const part of v.split(',').map((p) => p.trim()).filter(Boolean)) {
        const colon = part.indexOf(':');
        const id = colon > 0 ? part.slice(0, colon) : '';
        const key = part.slice(colon + 1);
        if (!id || Buffer.from(key, 'base64').length !== 32) {
          ctx.addIssue({ code: 'custom', message: `"${id || part.slice(0, 8)}…": expected id:base64-of-32-bytes` });
          return z.NEVER;
        }
        keys.push({ id, key });
      }
      return keys;
    }),
  LINK_GRACE: duration('24h'),
  STAFF_TOKENS: staffTokens,
  DEFAULT_LOCALE: z.enum(['zh-CN', 'en']).default('zh-CN'),
  /**
   * Behind a reverse proxy, how many proxy hops to trust for the client address (rate limits and
   * the audit trail key on it): 0 trusts none.
   */
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),

  // Workflow defaults, copied into each activity's input when it starts.
  VENUE_ANSWER_TIMEOUT: duration('48h'),
  APPROVAL_REMINDER_AFTER: duration('24h'),
  APPROVAL_ESCALATE_AFTER: duration('72h'),
  REMINDER_OFFSETS: z
    .string()
    .default('3d,1d,2h')
    .transform((text, ctx) => {
      const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
      const values = parts.map(parseDuration);
      if (values.some((v) => v === undefined)) {
        ctx.addIssue({ code: 'custom', message: `"${text}" must be durations separated by commas, like 3d,1d,2h` });
        return z.NEVER;
      }
      return values as number[];
    }),
  ATTENDANCE_OPENS_BEFORE: duration('30m'),
  ATTENDANCE_CLOSES_AFTER: duration('30m'),
  FEEDBACK_DEADLINE: duration('7d'),
  FEEDBACK_REMINDER_BEFORE: duration('1d'),
  MAX_APPROVAL_ROUNDS: z.coerce.number().int().min(1).max(20).default(3),

  // What a plan may ask for: the funders' figures are summed from these.
  PLAN_MAX_DURATION: duration('3d'),
  POINTS_MAX_ATTENDANCE: z.coerce.number().int().min(0).max(10_000).default(100),
  POINTS_MAX_PER_VOLUNTEER_HOUR: z.coerce.number().int().min(0).max(10_000).default(50),

  // Incubation cycles: milestone reminders and escalations, and how often a cycle checks its activities.
  CYCLE_MILESTONE_REMINDER_BEFORE: duration('3d'),
  CYCLE_MILESTONE_ESCALATE_AFTER: duration('1d'),
  CYCLE_ACTIVITY_POLL: duration('15m'),

  // Growth points (成长积分): the ledger's earning cap and expiry, and the families' notice before points expire.
  /** At most this many points earned per holder per POINTS_EARNING_CAP_PERIOD; 0: no cap. */
  POINTS_EARNING_CAP: z.coerce.number().int().min(0).max(1_000_000).default(0),
  POINTS_EARNING_CAP_PERIOD: z.enum(['month', 'year']).default('month'),
  /** Points earned in year Y expire at the end of year Y + N (local time); "never": they do not expire. */
  POINTS_EXPIRE_AFTER_YEARS: z
    .string()
    .default('1')
    .transform((text, ctx) => {
      const t = text.trim().toLowerCase();
      if (t === 'never') return null;
      if (/^\d{1,2}$/.test(t) && Number(t) <= 10) return Number(t);
      ctx.addIssue({ code: 'custom', message: `"${text}" must be a whole number of years from 0 to 10, or never` });
      return z.NEVER;
    }),
  POINTS_EXPIRY_NOTICE_BEFORE: duration('30d'),

  // Coordinator's daily digest.
  DIGEST_CRON: z.string().default('0 8 * * *'),
  DIGEST_TZ: z.string().default('Asia/Shanghai'),

  // Issue 11: families' own pages (/s/, /q/) behind a venue's one Wi-Fi address.
  /** Requests a minute on one family's or volunteer's link (its own bucket, whatever the address). */
  FAMILY_LINK_RATE_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(30),
  /** Requests a minute from one address over all the families' pages: a ceiling against floods, roomy enough for a venue's Wi-Fi. */
  FAMILY_PAGES_IP_RATE_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(1200),

  // Issue 12: outcome evaluation, a cycle's baseline and end questionnaires (rounds as data, opened by the survey sweeper).
  /**
   * The end questionnaire opens this long before the cycle's period ends: two weeks leave families
   * a weekend or two to answer, and the last activities have happened by then (the answers measure
   * the cycle, not its final week).
   */
  SURVEY_END_LEAD: duration('14d'),
  /**
   * A baseline or end round takes answers this long after it opens: as long as the end's lead, so
   * the end round closes on the period's last day and the report can be written at the close.
   */
  SURVEY_CYCLE_ROUND_OPEN: duration('14d'),
  /** The one reminder of a baseline or end round goes this long after it opens (halfway, by default). */
  SURVEY_CYCLE_REMIND_AFTER: duration('7d'),
  /**
   * After a round closes a family's link still opens its page this long, to see that it answered or
   * to withdraw its answers (answers themselves are refused after the close).
   */
  SURVEY_WITHDRAW_PERIOD: duration('180d'),
  /** How often the survey sweeper looks for rounds to open and reminders to send. */
  SURVEY_SWEEP_INTERVAL: duration('1m'),
  // Issue 12: the year report's PDF is printed by headless Chromium (playwright-core).
  /** The Chromium (or Chrome) executable that prints PDFs; when it is missing the PDF download answers 503. */
  CHROMIUM_PATH: z.string().trim().min(1).default('/usr/bin/chromium'),
});

export type Env = z.input<typeof EnvSchema>;

export interface Config {
  env: 'development' | 'production' | 'test';
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  temporal: {
    address: string | undefined;
    namespace: string;
    taskQueue: string;
    cliPath: string | undefined;
    testServerPath: string | undefined;
    devPort: number;
    uiPort: number;
    uiUrl: string | undefined;
  };
  database: { url: string | undefined; sqlitePath: string; connectTimeoutMs: number; queryTimeoutMs: number };
  dataDir: string;
  mail: {
    smtp: { host: string; port: number; secure: boolean; user: string | undefined; pass: string | undefined } | undefined;
    from: { name: string; email: string };
    devMailboxPort: number;
    /** Between the retries of a temporarily refused email (mail/email-retrier.ts). */
    retryDelaysMs: number[];
    retryIntervalMs: number;
  };
  http: { host: string; port: number; publicBaseUrl: string; defaultLocale: 'zh-CN' | 'en'; trustProxyHops: number };
  links: { secret: string | undefined; graceMs: number };
  /** The Temporal payload codec's keys (lib/payload-codec.ts payloadCodecFrom). */
  payloadKeys: { key: string | undefined; keyId: string; oldKeys: { id: string; key: string }[] };
  staffTokens: StaffToken[];
  timings: Timings;
  planBounds: PlanBounds;
  cycleTimings: { milestoneReminderBeforeMs: number; milestoneEscalateAfterMs: number; activityPollMs: number };
  digest: { cron: string; timeZone: string };
  /** The ledger's one policy (earning cap, expiry), handed to every ledger writer; and how long before points expire families are told. */
  points: { policy: LedgerPolicy; expiryNoticeBeforeMs: number };
  /** Rate limits of the families' own pages: per link, and a per-address ceiling. */
  familyPages: { perLinkPerMinute: number; perIpPerMinute: number };
  /** Outcome evaluation's timings (the baseline and end rounds, the survey links, the sweeper). */
  surveys: SurveyTimings;
  /** The PDF printer's browser (lib/pdf-printer.ts). */
  pdf: { chromiumPath: string };
}

export interface SurveyTimings {
  endLeadMs: number;
  cycleRoundOpenMs: number;
  cycleRemindAfterMs: number;
  withdrawPeriodMs: number;
  sweepIntervalMs: number;
}

/**
 * Why a DATABASE_URL cannot be used, or undefined when it can. A URL with a scheme must be one we
 * speak: a typo like `postgress://` used to fall through to SQLite and run on a file nobody
 * backs up while /healthz said the database was fine. Never echoes the password.
 */
export function databaseUrlError(url: string): string | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  // No scheme (or a Windows drive letter): a SQLite file path.
  if (scheme === undefined || /^[a-z]:[\\/]/i.test(url)) return undefined;
  if (scheme === 'sqlite' || scheme === 'file') return undefined;
  if (scheme !== 'postgres' && scheme !== 'postgresql') {
    return `unknown scheme "${scheme}:" (use postgres://user@host:5432/db for PostgreSQL, or leave it unset for SQLite in DATA_DIR)`;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `not a valid PostgreSQL URL (expected postgres://user:password@host:5432/database)`;
  }
  if (!parsed.hostname && !parsed.searchParams.has('host')) return 'names no host (expected postgres://user:password@host:5432/database)';
  return undefined;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the environment; throws ConfigError listing every bad key. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.APPROVAL_ESCALATE_AFTER <= e.APPROVAL_REMINDER_AFTER) {
    throw new ConfigError('Invalid configuration:\n  APPROVAL_ESCALATE_AFTER: must be longer than APPROVAL_REMINDER_AFTER');
  }
  if (e.FEEDBACK_REMINDER_BEFORE >= e.FEEDBACK_DEADLINE) {
    throw new ConfigError('Invalid configuration:\n  FEEDBACK_REMINDER_BEFORE: must be shorter than FEEDBACK_DEADLINE');
  }
  // The workflow skips a reminder due once check-in is open, so such an offset would never be sent.
  const lateOffsets = e.REMINDER_OFFSETS.filter((offset) => offset <= e.ATTENDANCE_OPENS_BEFORE);
  if (lateOffsets.length > 0) {
    throw new ConfigError(
      `Invalid configuration:\n  REMINDER_OFFSETS: ${lateOffsets.map(formatDuration).join(', ')} would fall when check-in is already open ` +
        `(ATTENDANCE_OPENS_BEFORE=${formatDuration(e.ATTENDANCE_OPENS_BEFORE)}), so that reminder would never be sent; ` +
        'every offset must be longer than ATTENDANCE_OPENS_BEFORE',
    );
  }
  if (e.PLAN_MAX_DURATION <= 0) {
    throw new ConfigError('Invalid configuration:\n  PLAN_MAX_DURATION: must be longer than 0');
  }
  const databaseUrlProblem = e.DATABASE_URL === undefined ? undefined : databaseUrlError(e.DATABASE_URL);
  if (databaseUrlProblem) throw new ConfigError(`Invalid configuration:\n  DATABASE_URL: ${databaseUrlProblem}`);
  if (e.POINTS_EXPIRY_NOTICE_BEFORE <= 0 || e.POINTS_EXPIRY_NOTICE_BEFORE > 366 * 86_400_000) {
    throw new ConfigError('Invalid configuration:\n  POINTS_EXPIRY_NOTICE_BEFORE: must be longer than 0 and at most 366d');
  }
  if (e.NODE_ENV === 'production' && !e.LINK_SECRET) {
    throw new ConfigError('Invalid configuration:\n  LINK_SECRET: required in production (32+ random characters)');
  }
  // Without a relay the mail would go to a development mailbox nobody reads, whose pages have no
  // login: production never falls back to it.
  if (e.NODE_ENV === 'production' && !e.SMTP_HOST) {
    throw new ConfigError('Invalid configuration:\n  SMTP_HOST: required in production (the SMTP relay that sends the product\'s email)');
  }
  if (e.NODE_ENV === 'production' && !e.PAYLOAD_KEY) {
    throw new ConfigError('Invalid configuration:\n  PAYLOAD_KEY: required in production (openssl rand -base64 32): it encrypts the workflow history');
  }
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      cliPath: e.TEMPORAL_CLI_PATH,
      testServerPath: e.TEMPORAL_TEST_SERVER_PATH,
      devPort: e.TEMPORAL_DEV_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
      uiUrl: e.TEMPORAL_UI_URL,
    },
    database: {
      url: e.DATABASE_URL,
      sqlitePath: `${e.DATA_DIR}/app.sqlite`,
      connectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT,
      queryTimeoutMs: e.DATABASE_QUERY_TIMEOUT,
    },
    dataDir: e.DATA_DIR,
    mail: {
      smtp: e.SMTP_HOST
        ? { host: e.SMTP_HOST, port: e.SMTP_PORT, secure: e.SMTP_SECURE, user: e.SMTP_USER, pass: e.SMTP_PASS }
        : undefined,
      from: { name: e.MAIL_FROM_NAME, email: e.MAIL_FROM },
      devMailboxPort: e.DEV_MAILBOX_PORT,
      retryDelaysMs: e.EMAIL_RETRY_DELAYS,
      retryIntervalMs: e.EMAIL_RETRY_INTERVAL,
    },
    http: {
      host: e.HOST ?? (e.NODE_ENV === 'production' ? '0.0.0.0' : '127.0.0.1'),
      port: e.PORT,
      publicBaseUrl: e.PUBLIC_BASE_URL.replace(/\/+$/, ''),
      defaultLocale: e.DEFAULT_LOCALE,
      trustProxyHops: e.TRUST_PROXY_HOPS,
    },
    links: { secret: e.LINK_SECRET, graceMs: e.LINK_GRACE },
    payloadKeys: { key: e.PAYLOAD_KEY, keyId: e.PAYLOAD_KEY_ID, oldKeys: e.PAYLOAD_OLD_KEYS },
    staffTokens: e.STAFF_TOKENS,
    timings: {
      merchantAnswerMs: e.VENUE_ANSWER_TIMEOUT,
      approvalReminderMs: e.APPROVAL_REMINDER_AFTER,
      approvalEscalationMs: e.APPROVAL_ESCALATE_AFTER,
      reminderOffsetsMs: [...e.REMINDER_OFFSETS].sort((a, b) => b - a),
      attendanceOpensBeforeMs: e.ATTENDANCE_OPENS_BEFORE,
      attendanceClosesAfterMs: e.ATTENDANCE_CLOSES_AFTER,
      feedbackDeadlineMs: e.FEEDBACK_DEADLINE,
      feedbackReminderBeforeMs: e.FEEDBACK_REMINDER_BEFORE,
      maxApprovalRounds: e.MAX_APPROVAL_ROUNDS,
    },
    planBounds: {
      maxDurationMs: e.PLAN_MAX_DURATION,
      maxAttendancePoints: e.POINTS_MAX_ATTENDANCE,
      maxPointsPerVolunteerHour: e.POINTS_MAX_PER_VOLUNTEER_HOUR,
    },
    cycleTimings: {
      milestoneReminderBeforeMs: e.CYCLE_MILESTONE_REMINDER_BEFORE,
      milestoneEscalateAfterMs: e.CYCLE_MILESTONE_ESCALATE_AFTER,
      activityPollMs: e.CYCLE_ACTIVITY_POLL,
    },
    digest: { cron: e.DIGEST_CRON, timeZone: e.DIGEST_TZ },
    points: {
      policy: {
        ...defaultLedgerPolicy,
        expiryYearsAfter: e.POINTS_EXPIRE_AFTER_YEARS,
        earningCap: e.POINTS_EARNING_CAP > 0 ? { period: e.POINTS_EARNING_CAP_PERIOD, max: e.POINTS_EARNING_CAP } : null,
      },
      expiryNoticeBeforeMs: e.POINTS_EXPIRY_NOTICE_BEFORE,
    },
    familyPages: { perLinkPerMinute: e.FAMILY_LINK_RATE_PER_MINUTE, perIpPerMinute: e.FAMILY_PAGES_IP_RATE_PER_MINUTE },
    surveys: {
      endLeadMs: e.SURVEY_END_LEAD,
      cycleRoundOpenMs: e.SURVEY_CYCLE_ROUND_OPEN,
      cycleRemindAfterMs: e.SURVEY_CYCLE_REMIND_AFTER,
      withdrawPeriodMs: e.SURVEY_WITHDRAW_PERIOD,
      sweepIntervalMs: e.SURVEY_SWEEP_INTERVAL,
    },
    pdf: { chromiumPath: e.CHROMIUM_PATH },
  };
}
