/**
 * One `notify` attempt beside others, in Temporal's activity context (MockActivityEnvironment:
 * the real activity, the real SMTP mailer and a real relay holding each message, a real database
 * on each dialect): it leaves alone what another live attempt holds, and stops when cancelled.
 */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, type NotifyRequest } from '../../activities';
import { SqlActivityStore } from '../../db/store';
import { emailKey } from '../../mail/message-id';
import { SmtpMailer } from '../../mail/smtp-mailer';
import { renderEmail } from '../../mail/templates';
import { DIALECTS, uniq, useTestDatabase } from '../db/harness';
import { slowRelay } from './slow-relay';

describe.each(DIALECTS)('a fan-out attempt on %s', (dialect) => {
  const t = useTestDatabase(dialect);
  let relay: Awaited<ReturnType<typeof slowRelay>>;
  let mailer: SmtpMailer;

  beforeAll(async () => {
    relay = await slowRelay(50);
    mailer = new SmtpMailer({ host: '127.0.0.1', port: relay.port, secure: false, maxConnections: 2, from: { name: '锦华社区', email: 'noreply@example.test' } });
  });
  afterAll(async () => {
    await mailer?.close();
    await relay?.close();
  });

  /** A compound of `count` families, and the registration-open request to it. */
  async function compoundOf(count: number): Promise<{ req: NotifyRequest; keys: string[] }> {
    const compound = uniq('court');
    await t.db.insertInto('compounds').values({ id: compound, name: compound }).execute();
    const families = Array.from({ length: count }, (_, i) => ({
      id: `${compound}-f${String(i).padStart(3, '0')}`,
      compound_id: compound,
      name: `第${i}户`,
      email: `${compound}-${i}@example.test`,
      locale: 'zh-CN' as const,
      members: 1,
      qr_token: `${compound}-qr-${i}`,
    }));
    await t.db.insertInto('families').values(families).execute();
    const workflowId = uniq('wf');
    const req: NotifyRequest = {
      workflowId,
      purpose: 'registrationOpen',
      round: '1',
      audience: [{ kind: 'compoundFamilies', compound }],
      message: {
        purpose: 'registrationOpen',
        activity: { activityId: compound, title: '测试', theme: 'culture', compound, startsAt: '2026-12-20T02:00:00.000Z', endsAt: '2026-12-20T04:00:00.000Z' },
      },
    };
    return { req, keys: families.map((f) => emailKey({ workflowId, purpose: 'registrationOpen', recipientKey: `family:${f.id}`, round: '1' })) };
  }

  const activities = () =>
    createActivities({
      store: new SqlActivityStore(t.db),
      mailer,
      render: renderEmail,
      links: { secret: 'fan-out-test-secret-0123456789abcdefghijklmnop', publicBaseUrl: 'http://localhost:3999', graceMs: 86_400_000 },
      messageIdDomain: 'example.test',
      sendConcurrency: 2,
    });
  const receivedFor = (compound: string) => relay.received.filter((r) => r.to.startsWith(`${compound}-`));
  const outbox = (compound: string) => t.db.selectFrom('email_outbox').select(['key', 'status', 'claimed_by']).where('activity_id', '=', compound).orderBy('key').execute();

  it('sends everything but the rows a live earlier attempt holds, then fails retryably until that lease lapses', async () => {
    const { req, keys } = await compoundOf(6);
    const compound = req.message.activity.activityId;
    const leaseUntil = new Date(Date.now() + 10 * 60_000).toISOString();
    // Attempt 1 of the same call still holds the first two (it may be sending them right now).
    await new SqlActivityStore(t.db).claimEmails(
      keys.slice(0, 2).map((key, i) => ({ key, activityId: compound, purpose: 'registrationOpen', recipientKey: `family:${compound}-f00${i}` })),
      { owner: `${req.workflowId}/notify-1#1`, leaseUntil },
    );
    const attempt2 = new MockActivityEnvironment({ activityId: 'notify-1', attempt: 2, startToCloseTimeoutMs: 60_000 });
    const failure = await attempt2.run(activities().notify, req).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'EmailsHeldByAnotherAttempt', nonRetryable: false });
    expect(Number((failure as ApplicationFailure).nextRetryDelay)).toBeGreaterThan(9 * 60_000);
    // The four free ones went out once; the two held ones not at all, and are still attempt 1's.
    expect(receivedFor(compound).map((r) => r.to).sort()).toEqual([2, 3, 4, 5].map((i) => `${compound}-${i}@example.test`));
    expect((await outbox(compound)).map((r) => [r.status, r.claimed_by])).toEqual([
      ['pending', `${req.workflowId}/notify-1#1`],
      ['pending', `${req.workflowId}/notify-1#1`],
      ...Array(4).fill(['sent', `${req.workflowId}/notify-1#2`]),
    ]);
  });

  it('a cancelled attempt sends nothing more, and gives back what it did not send', async () => {
    const { req } = await compoundOf(40);
    const compound = req.message.activity.activityId;
    const env = new MockActivityEnvironment({ activityId: 'notify-2', attempt: 1, startToCloseTimeoutMs: 60_000 });
    const running = env.run(activities().notify, req).then(
      () => undefined,
      (e: unknown) => e,
    );
    while (receivedFor(compound).length < 4) await new Promise((resolve) => setTimeout(resolve, 10));
    env.cancel('CANCELLED');
    const failure = await running;
    expect(failure).toMatchObject({ type: 'FanOutStopped' });
    // Once the attempt returned, nothing more reached the relay than the outbox records as sent.
    const rows = await outbox(compound);
    const sent = rows.filter((r) => r.status === 'sent');
    expect(receivedFor(compound)).toHaveLength(sent.length);
    expect(sent.length).toBeLessThan(40);
    expect(rows.filter((r) => r.status === 'pending').every((r) => r.claimed_by === null)).toBe(true);
    // The next attempt finishes the rest, with no one emailed twice.
    const next = new MockActivityEnvironment({ activityId: 'notify-2', attempt: 2, startToCloseTimeoutMs: 60_000 });
    expect(await next.run(activities().notify, req)).toEqual({ sent: 40, alreadySent: 0, failed: [] });
    const to = receivedFor(compound).map((r) => r.to);
    expect(to).toHaveLength(40);
    expect(new Set(to).size).toBe(40);
  });
});
