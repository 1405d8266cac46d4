import { ConfigError, loadConfig } from '../../config';
import { formatDuration, parseDuration } from '../../config/duration';

describe('config', () => {
  test('an empty environment gives the embedded defaults', () => {
    const config = loadConfig({});
    expect(config.temporal.address).toBeUndefined();
    expect(config.database.url).toBeUndefined();
    expect(config.database.sqlitePath).toBe('data/app.sqlite');
    expect(config.mail.smtp).toBeUndefined();
    expect(config.timings).toEqual({
      merchantAnswerMs: 48 * 3_600_000,
      approvalReminderMs: 24 * 3_600_000,
      approvalEscalationMs: 72 * 3_600_000,
      reminderOffsetsMs: [3 * 86_400_000, 86_400_000, 2 * 3_600_000],
      attendanceOpensBeforeMs: 30 * 60_000,
      attendanceClosesAfterMs: 30 * 60_000,
      feedbackDeadlineMs: 7 * 86_400_000,
      feedbackReminderBeforeMs: 86_400_000,
      maxApprovalRounds: 3,
    });
    expect(config.digest).toEqual({ cron: '0 8 * * *', timeZone: 'Asia/Shanghai' });
    expect(config.http.defaultLocale).toBe('zh-CN');
  });

  test('durations are read the way people write them, and reminder offsets are sorted longest first', () => {
    const config = loadConfig({ VENUE_ANSWER_TIMEOUT: '1d12h', REMINDER_OFFSETS: '2h, 3d ,1d' });
    expect(config.timings.merchantAnswerMs).toBe(36 * 3_600_000);
    expect(config.timings.reminderOffsetsMs).toEqual([3 * 86_400_000, 86_400_000, 2 * 3_600_000]);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('soon')).toBeUndefined();
    expect(parseDuration('3')).toBeUndefined();
    expect(formatDuration(90_061_000)).toBe('1d1h1m1s');
  });

  test('every bad value is named with the reason, all at once', () => {
    let error: unknown;
    try {
      loadConfig({ VENUE_ANSWER_TIMEOUT: 'two days', SMTP_PORT: '99999', PUBLIC_BASE_URL: 'not a url', REMINDER_OFFSETS: '3d,x' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('VENUE_ANSWER_TIMEOUT: "two days" is not a duration');
    expect(message).toContain('SMTP_PORT');
    expect(message).toContain('PUBLIC_BASE_URL');
    expect(message).toContain('REMINDER_OFFSETS');
  });

  test('"false" means false for flags', () => {
    expect(loadConfig({ SMTP_HOST: 'smtp.example.test', SMTP_SECURE: 'false' }).mail.smtp?.secure).toBe(false);
    expect(loadConfig({ SMTP_HOST: 'smtp.example.test', SMTP_SECURE: 'true' }).mail.smtp?.secure).toBe(true);
    expect(() => loadConfig({ SMTP_SECURE: 'maybe' })).toThrow(/SMTP_SECURE/);
  });

  test('production refuses to start without a link secret, and short secrets are refused', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/LINK_SECRET: required in production/);
    expect(() => loadConfig({ LINK_SECRET: 'short' })).toThrow(/LINK_SECRET must be at least 32 characters/);
    expect(loadConfig({ NODE_ENV: 'production', LINK_SECRET: 'x'.repeat(40), SMTP_HOST: 'smtp.example.test', PAYLOAD_KEY: Buffer.alloc(32, 7).toString('base64') }).links.secret).toBe('x'.repeat(40));
  });

  test('production refuses to start without a payload key (the workflow history would be in clear), and a key must be 32 bytes', () => {
    const production = { NODE_ENV: 'production', LINK_SECRET: 'x'.repeat(40), SMTP_HOST: 'smtp.example.test' };
    expect(() => loadConfig(production)).toThrow(/PAYLOAD_KEY: required in production/);
    expect(() => loadConfig({ ...production, PAYLOAD_KEY: Buffer.alloc(16).toString('base64') })).toThrow(/PAYLOAD_KEY: must be 32 bytes/);
    expect(() => loadConfig({ ...production, PAYLOAD_KEY: Buffer.alloc(32, 7).toString('base64'), PAYLOAD_OLD_KEYS: 'k0:short' })).toThrow(/PAYLOAD_OLD_KEYS/);
    const rotating = loadConfig({ ...production, PAYLOAD_KEY: Buffer.alloc(32, 7).toString('base64'), PAYLOAD_KEY_ID: 'k2', PAYLOAD_OLD_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}` });
    expect(rotating.payloadKeys).toEqual({ key: Buffer.alloc(32, 7).toString('base64'), keyId: 'k2', oldKeys: [{ id: 'k1', key: Buffer.alloc(32, 1).toString('base64') }] });
  });

  test('production refuses to start without an SMTP relay, naming SMTP_HOST, instead of falling back to the dev mailbox', () => {
    const production = { NODE_ENV: 'production', LINK_SECRET: 'x'.repeat(40), PAYLOAD_KEY: Buffer.alloc(32, 7).toString('base64') };
    expect(() => loadConfig(production)).toThrow(ConfigError);
    expect(() => loadConfig(production)).toThrow(/SMTP_HOST: required in production/);
    expect(() => loadConfig({ ...production, SMTP_HOST: '  ' })).toThrow(/SMTP_HOST: required in production/);
    expect(loadConfig({ ...production, SMTP_HOST: 'smtp.example.test' }).mail.smtp?.host).toBe('smtp.example.test');
    // Development still runs without one: the dev mailbox is its point.
    expect(loadConfig({ NODE_ENV: 'development' }).mail.smtp).toBeUndefined();
  });

  test('the API binds loopback by default outside production, every interface in production, and HOST when set', () => {
    expect(loadConfig({}).http.host).toBe('127.0.0.1');
    expect(loadConfig({ NODE_ENV: 'test' }).http.host).toBe('127.0.0.1');
    expect(loadConfig({ NODE_ENV: 'development', HOST: '0.0.0.0' }).http.host).toBe('0.0.0.0');
    const production = { NODE_ENV: 'production', LINK_SECRET: 'x'.repeat(40), SMTP_HOST: 'smtp.example.test', PAYLOAD_KEY: Buffer.alloc(32, 7).toString('base64') };
    expect(loadConfig(production).http.host).toBe('0.0.0.0');
    expect(loadConfig({ ...production, HOST: '10.0.0.5' }).http.host).toBe('10.0.0.5');
  });

  test('proxy hops to trust for the client address are a small whole number, none by default', () => {
    expect(loadConfig({}).http.trustProxyHops).toBe(0);
    expect(loadConfig({ TRUST_PROXY_HOPS: '1' }).http.trustProxyHops).toBe(1);
    expect(() => loadConfig({ TRUST_PROXY_HOPS: '-1' })).toThrow(/TRUST_PROXY_HOPS/);
  });

  test('inconsistent deadlines are refused', () => {
    expect(() => loadConfig({ APPROVAL_REMINDER_AFTER: '3d', APPROVAL_ESCALATE_AFTER: '2d' })).toThrow(/APPROVAL_ESCALATE_AFTER/);
    expect(() => loadConfig({ FEEDBACK_DEADLINE: '1d', FEEDBACK_REMINDER_BEFORE: '2d' })).toThrow(/FEEDBACK_REMINDER_BEFORE/);
  });

  test('a reminder offset at or inside the check-in lead time is refused naming REMINDER_OFFSETS and ATTENDANCE_OPENS_BEFORE', () => {
    // Such a reminder would be due once check-in is open, and the workflow never sends those.
    for (const env of [
      { REMINDER_OFFSETS: '3d,30m', ATTENDANCE_OPENS_BEFORE: '30m' },
      { REMINDER_OFFSETS: '1d,10m', ATTENDANCE_OPENS_BEFORE: '30m' },
      { REMINDER_OFFSETS: '2h', ATTENDANCE_OPENS_BEFORE: '3h' },
    ]) {
      let message = '';
      try {
        loadConfig(env);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        message = (error as Error).message;
      }
      expect(message).toContain('REMINDER_OFFSETS');
      expect(message).toContain('ATTENDANCE_OPENS_BEFORE');
      expect(message).toContain('never be sent');
    }
    expect(loadConfig({ REMINDER_OFFSETS: '31m', ATTENDANCE_OPENS_BEFORE: '30m' }).timings.reminderOffsetsMs).toEqual([31 * 60_000]);
  });

  test("a plan's bounds default to 3 days, 100 attendance points and 50 per volunteer hour, and can be set", () => {
    expect(loadConfig({}).planBounds).toEqual({ maxDurationMs: 3 * 86_400_000, maxAttendancePoints: 100, maxPointsPerVolunteerHour: 50 });
    expect(loadConfig({ PLAN_MAX_DURATION: '12h', POINTS_MAX_ATTENDANCE: '20', POINTS_MAX_PER_VOLUNTEER_HOUR: '5' }).planBounds).toEqual({
      maxDurationMs: 12 * 3_600_000,
      maxAttendancePoints: 20,
      maxPointsPerVolunteerHour: 5,
    });
    expect(() => loadConfig({ POINTS_MAX_ATTENDANCE: '-1' })).toThrow(/POINTS_MAX_ATTENDANCE/);
    expect(() => loadConfig({ PLAN_MAX_DURATION: 'forever' })).toThrow(/PLAN_MAX_DURATION/);
  });

  test('staff tokens are JSON with a role each; a malformed list names the problem', () => {
    const tokens = JSON.stringify([{ token: 't'.repeat(32), role: 'coordinator', staffId: 'co-1', name: '张协调' }]);
    expect(loadConfig({ STAFF_TOKENS: tokens }).staffTokens).toEqual([{ token: 't'.repeat(32), role: 'coordinator', staffId: 'co-1', name: '张协调' }]);
    expect(() => loadConfig({ STAFF_TOKENS: '{oops' })).toThrow(/STAFF_TOKENS: must be a JSON array/);
    expect(() => loadConfig({ STAFF_TOKENS: JSON.stringify([{ token: 'short', role: 'boss', staffId: 'x', name: 'y' }]) })).toThrow(
      /tokens must be at least 24 characters.*role|role.*tokens must be at least 24/,
    );
  });

  test('the ledger keeps no cap and lets points expire at the end of the following year unless told otherwise; notices go 30 days ahead', () => {
    const config = loadConfig({});
    expect(config.points).toEqual({ policy: { utcOffsetMinutes: 480, expiryYearsAfter: 1, earningCap: null }, expiryNoticeBeforeMs: 30 * 86_400_000 });
  });

  test('the earning cap, its period, the years before expiry and the notice lead are settings', () => {
    const config = loadConfig({ POINTS_EARNING_CAP: '200', POINTS_EARNING_CAP_PERIOD: 'year', POINTS_EXPIRE_AFTER_YEARS: '2', POINTS_EXPIRY_NOTICE_BEFORE: '14d' });
    expect(config.points).toEqual({ policy: { utcOffsetMinutes: 480, expiryYearsAfter: 2, earningCap: { period: 'year', max: 200 } }, expiryNoticeBeforeMs: 14 * 86_400_000 });
    expect(loadConfig({ POINTS_EXPIRE_AFTER_YEARS: 'never' }).points.policy.expiryYearsAfter).toBeNull();
    expect(loadConfig({ POINTS_EARNING_CAP: '0' }).points.policy.earningCap).toBeNull();
  });

  test('a bad points setting is named', () => {
    expect(() => loadConfig({ POINTS_EARNING_CAP: '-5' })).toThrow(/POINTS_EARNING_CAP/);
    expect(() => loadConfig({ POINTS_EARNING_CAP_PERIOD: 'week' })).toThrow(/POINTS_EARNING_CAP_PERIOD/);
    expect(() => loadConfig({ POINTS_EXPIRE_AFTER_YEARS: 'soon' })).toThrow(/POINTS_EXPIRE_AFTER_YEARS: "soon" must be a whole number of years from 0 to 10, or never/);
    expect(() => loadConfig({ POINTS_EXPIRY_NOTICE_BEFORE: 'a month' })).toThrow(/POINTS_EXPIRY_NOTICE_BEFORE/);
    expect(() => loadConfig({ POINTS_EXPIRY_NOTICE_BEFORE: '400d' })).toThrow(/POINTS_EXPIRY_NOTICE_BEFORE: must be longer than 0 and at most 366d/);
  });
});
