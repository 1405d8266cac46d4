/**
 * One recipient never holds up a stage (issue 14, item 1): a send records each recipient's
 * outcome and completes. Through real Temporal (the shared dev server), the real `notify`
 * activity, the real SMTP mailer, a real relay this test controls, and SQLite and PostgreSQL:
 * - a recipient the relay answers 451 is `retrying`, one it answers 550 is `refused`, both with
 *   the relay's reason, and the others are sent: the call returns;
 * - with the relay down the call still returns at once, every recipient queued for the retrier;
 * - the retrier (mail/email-retrier.ts) sends each queued email once the relay is back, with the
 *   Message-ID of the first try, and refuses the one that keeps answering 451 after the last retry;
 * - the activity's outbox, as the staff page reads it, names each state and reason.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, type NotifyRequest, type NotifyResult } from '../../activities';
import { createRepositories } from '../../db/repositories';
import { reportDeps } from '../../reports';
import { SqlActivityStore } from '../../db/store';
import { retryDueEmails } from '../../mail/email-retrier';
import { SmtpMailer } from '../../mail/smtp-mailer';
import { renderEmail } from '../../mail/templates';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../db/harness';
import { devServerAddress } from '../support/temporal';
import { ControllableRelay } from './controllable-relay';
import { fanOutWorkflow } from './fan-out-workflow';

const FAMILIES = 8;
const DELAYS = [1_000, 1_000];

describe.each(DIALECTS)('delivery outcomes (%s)', (dialect) => {
  let t: TestDatabase;
  const relay = new ControllableRelay();
  let mailer: SmtpMailer;
  let worker: Worker;
  let running: Promise<void>;
  let nativeConnection: NativeConnection;
  let connection: Connection;
  let client: Client;
  let taskQueue: string;
  const compound = `relay-${dialect}`;
  const activityId = `delivery-${dialect}-${Date.now()}`;
  const email = (i: number) => `fam${i}-${dialect}@example.test`;

  beforeAll(async () => {
    t = await createTestDatabase(dialect);
    await t.db.insertInto('compounds').values({ id: compound, name: '投递苑' }).execute();
    await t.db
      .insertInto('families')
      .values(Array.from({ length: FAMILIES }, (_, i) => ({ id: `f${i}-${dialect}`, compound_id: compound, name: `第${i}户`, email: email(i), locale: 'zh-CN' as const, members: 1, qr_token: `qr-${dialect}-${i}` })))
      .execute();
    await relay.up();
    mailer = new SmtpMailer({ host: '127.0.0.1', port: relay.port, secure: false, from: { name: '锦华社区', email: 'noreply@example.test' }, connectionTimeoutMs: 2_000 });
    const activities = createActivities({
      store: new SqlActivityStore(t.db),
      mailer,
      render: renderEmail,
      links: { secret: 'delivery-test-secret-0123456789abcdefghijklmnop', publicBaseUrl: 'http://localhost:3999', graceMs: 86_400_000 },
      messageIdDomain: 'example.test',
      retryDelaysMs: DELAYS,
    });
    nativeConnection = await NativeConnection.connect({ address: devServerAddress() });
    connection = await Connection.connect({ address: devServerAddress() });
    client = new Client({ connection });
    taskQueue = `delivery-${dialect}-${process.pid}-${Date.now()}`;
    worker = await Worker.create({ connection: nativeConnection, taskQueue, activities, workflowsPath: require.resolve('./fan-out-workflow') });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running?.catch(() => undefined);
    await nativeConnection?.close();
    await connection?.close();
    await mailer?.close();
    await relay.down();
    await t?.close();
  });

  function notify(round: string): Promise<NotifyResult> {
    const workflowId = `${activityId}-${round}`;
    const req: NotifyRequest = {
      workflowId,
      purpose: 'registrationOpen',
      round,
      audience: [{ kind: 'compoundFamilies', compound }],
      message: {
        purpose: 'registrationOpen',
        activity: { activityId, title: '投递测试', theme: 'culture', compound, startsAt: '2027-01-20T02:00:00.000Z', endsAt: '2027-01-20T04:00:00.000Z' },
      },
    };
    // No activity retry at all: the call must complete on its own however the relay answers.
    return client.workflow.execute(fanOutWorkflow, { taskQueue, workflowId, args: [req, { startToCloseMs: 60_000, heartbeatMs: 30_000 }], retry: { maximumAttempts: 1 } });
  }

  const rows = (round: string) =>
    t.db.selectFrom('email_outbox').select(['key', 'recipient_key', 'status', 'delivery', 'attempts', 'last_error', 'message_id']).where('key', 'like', `%${activityId}-${round}%`).execute();

  test('a 451 and a 550 do not stop the others; the relay down does not stop the call; the retrier delivers later, once, with the same Message-ID', async () => {
    relay.refuse.set(email(1), { code: 451, text: '4.7.1 Greylisted, try again later' });
    relay.refuse.set(email(2), { code: 550, text: '5.1.1 No such mailbox' });

    const first = await notify('1');
    expect(first.sent).toBe(FAMILIES - 2);
    expect(first.failed).toEqual([`family:f2-${dialect}`]);
    expect(first.retrying).toEqual([`family:f1-${dialect}`]);
    const round1 = await rows('1');
    const byRecipient = (key: string) => round1.find((r) => r.recipient_key === key)!;
    expect(byRecipient(`family:f1-${dialect}`)).toMatchObject({ status: 'pending', delivery: 'retrying', attempts: 1 });
    expect(byRecipient(`family:f1-${dialect}`).last_error).toMatch(/451/);
    expect(byRecipient(`family:f2-${dialect}`)).toMatchObject({ status: 'pending', delivery: 'refused', attempts: 1 });
    expect(byRecipient(`family:f2-${dialect}`).last_error).toMatch(/550/);
    expect(relay.accepted).toHaveLength(FAMILIES - 2);

    // The relay goes away: the next send still completes, everyone queued, few connection attempts made.
    await relay.down();
    const second = await notify('2');
    expect(second.sent).toBe(0);
    expect(second.retrying).toHaveLength(FAMILIES);
    const round2 = await rows('2');
    expect(round2.every((r) => r.status === 'pending' && r.delivery === 'retrying')).toBe(true);
    // Three failures in a row stop the trying (two senders run at once, so a fourth may be in flight).
    expect(round2.filter((r) => /not tried: the relay failed 3 sends in a row/.test(r.last_error ?? '')).length).toBeGreaterThanOrEqual(FAMILIES - 4);

    // Back up: the retrier sends each once, with the Message-ID it was first rendered with.
    await relay.up();
    const store = new SqlActivityStore(t.db);
    let clock = Date.now() + 5_000;
    const retrier = { store, mailer, owner: `test-${dialect}`, retryDelaysMs: DELAYS, now: () => clock };
    const round = await retryDueEmails(retrier);
    // Due: round 2's eight and round 1's f1. f1 still answers 451 (both its rows retry again), f2 550.
    expect(round).toEqual({ sent: FAMILIES - 2, retrying: 2, refused: 1 });
    const afterRetry = await rows('2');
    const sent2 = afterRetry.filter((r) => r.status === 'sent');
    expect(sent2).toHaveLength(FAMILIES - 2);
    const seen = relay.accepted.filter((a) => sent2.some((r) => r.message_id === a.messageId));
    expect(seen).toHaveLength(FAMILIES - 2);

    // Nothing due: a round now sends nothing (the record, not a sleep, says nothing more happened).
    expect(await retryDueEmails({ ...retrier, now: () => Date.now() })).toEqual({ sent: 0, retrying: 0, refused: 0 });

    // f1 keeps answering 451: after the last retry it is refused, naming the attempts and the reason.
    for (let i = 0; i < DELAYS.length + 1; i++) {
      clock += 10_000;
      await retryDueEmails(retrier);
    }
    const f1 = (await rows('1')).find((r) => r.recipient_key === `family:f1-${dialect}`)!;
    expect(f1).toMatchObject({ status: 'pending', delivery: 'refused', attempts: DELAYS.length + 1 });
    expect(f1.last_error).toMatch(/^gave up after 3 attempts: .*451/);

    // What the staff's activity page reads: each state with its reason.
    const outbox = await createRepositories(t.db, reportDeps(t.db)).activities.outbox(activityId);
    const f1Entries = outbox.filter((e) => e.recipientKey === `family:f1-${dialect}`);
    expect(f1Entries.map((e) => e.delivery?.state)).toEqual(['refused', 'refused']);
    expect(outbox.filter((e) => e.recipientKey === `family:f2-${dialect}`).map((e) => e.delivery?.reason)).toEqual([expect.stringMatching(/550/), expect.stringMatching(/550/)]);
    expect(outbox.filter((e) => e.status === 'sent')).toHaveLength(2 * (FAMILIES - 2));
    // Every email went out at most once per Message-ID.
    expect(new Set(relay.accepted.map((a) => a.messageId)).size).toBe(relay.accepted.length);
  }, 120_000);
});
