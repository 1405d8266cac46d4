/**
 * Fan-out is exactly-once under a slow relay, through real Temporal (the shared dev server, real
 * time), the real `notify` activity, the real SMTP mailer and SQLite, and a real SMTP relay that
 * holds every message 300 ms before accepting it.
 *
 * Scaled, as issue 13 allows: 2,000 families and 300 ms a message, but the mail pool has 10
 * connections (the product's default is 2) and the activity's start-to-close timeout is 15 s
 * instead of 2 minutes, so the fan-out takes about a minute and at least three attempts run out
 * of time in the middle of it. Duplicates are counted at the relay, by Message-ID and by address.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, FAN_OUT_BATCH } from '../../activities';
import { createDatabase } from '../../db/database';
import { migrateToLatest } from '../../db/migrate';
import { SqlActivityStore } from '../../db/store';
import { SmtpMailer } from '../../mail/smtp-mailer';
import { renderEmail } from '../../mail/templates';
import { devServerAddress } from '../support/temporal';
import { fanOutWorkflow } from './fan-out-workflow';
import { slowRelay } from './slow-relay';

const FAMILIES = 2_000;
const RELAY_HOLD_MS = 300;
const POOL = 10;
const START_TO_CLOSE_MS = 15_000;

describe('fan-out through a slow relay', () => {
  it(`${FAMILIES} families, ${RELAY_HOLD_MS} ms a message, attempts timing out mid-batch: every family one email, no Message-ID twice`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-fanout-'));
    const db = createDatabase({ sqlitePath: path.join(dir, 'fanout.sqlite') });
    const relay = await slowRelay(RELAY_HOLD_MS);
    const mailer = new SmtpMailer({ host: '127.0.0.1', port: relay.port, secure: false, maxConnections: POOL, from: { name: '锦华社区', email: 'noreply@example.test' } });
    const connection = await NativeConnection.connect({ address: devServerAddress() });
    const clientConnection = await Connection.connect({ address: devServerAddress() });
    let worker: Worker | undefined;
    let running: Promise<void> | undefined;
    try {
      await migrateToLatest(db);
      await db.insertInto('compounds').values({ id: 'fanout-court', name: '扇出苑' }).execute();
      const families = Array.from({ length: FAMILIES }, (_, i) => ({
        id: `fam-${String(i).padStart(4, '0')}`,
        compound_id: 'fanout-court',
        name: `第${i}户`,
        email: `family${i}@example.test`,
        locale: 'zh-CN' as const,
        members: 1,
        qr_token: `qr-${i}`,
      }));
      for (let i = 0; i < families.length; i += 500) await db.insertInto('families').values(families.slice(i, i + 500)).execute();

      const activities = createActivities({
        store: new SqlActivityStore(db),
        mailer,
        render: renderEmail,
        links: { secret: 'fan-out-test-secret-0123456789abcdefghijklmnop', publicBaseUrl: 'http://localhost:3999', graceMs: 86_400_000 },
        messageIdDomain: 'example.test',
        sendConcurrency: POOL,
      });
      const taskQueue = `fan-out-${process.pid}-${Date.now()}`;
      worker = await Worker.create({ connection, taskQueue, activities, workflowsPath: require.resolve('./fan-out-workflow') });
      running = worker.run();

      const client = new Client({ connection: clientConnection });
      const workflowId = `fan-out-${Date.now()}`;
      const handle = await client.workflow.start(fanOutWorkflow, {
        taskQueue,
        workflowId,
        args: [
          {
            workflowId,
            purpose: 'registrationOpen',
            round: '1',
            audience: [{ kind: 'compoundFamilies', compound: 'fanout-court' }],
            message: {
              purpose: 'registrationOpen',
              activity: { activityId: 'fanout-activity', title: '扇出测试', theme: 'culture', compound: 'fanout-court', startsAt: '2026-12-20T02:00:00.000Z', endsAt: '2026-12-20T04:00:00.000Z' },
            },
          },
          { startToCloseMs: START_TO_CLOSE_MS, heartbeatMs: 5_000 },
        ],
      });
      const result = await handle.result();

      // Counted at the relay: every family once, no Message-ID twice, nobody else.
      expect(relay.received).toHaveLength(FAMILIES);
      expect(new Set(relay.received.map((r) => r.messageId)).size).toBe(FAMILIES);
      expect(relay.received.map((r) => r.to).sort()).toEqual(families.map((f) => f.email).sort());
      expect(result).toEqual({ sent: FAMILIES, alreadySent: 0, failed: [] });
      // The record: every row sent, each with the Message-ID the relay saw.
      const outbox = await db.selectFrom('email_outbox').select(['status', 'message_id']).where('activity_id', '=', 'fanout-activity').execute();
      expect(outbox.filter((r) => r.status === 'sent')).toHaveLength(FAMILIES);
      expect(new Set(outbox.map((r) => r.message_id))).toEqual(new Set(relay.received.map((r) => r.messageId)));

      // The scenario really happened: attempts ran out of time part-way (more than one batch each).
      const { events } = await handle.fetchHistory();
      const attempts = (events ?? []).flatMap((e) => (e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt ?? 1] : []));
      expect(Math.max(...attempts)).toBeGreaterThanOrEqual(3);
      expect(FAMILIES).toBeGreaterThan(FAN_OUT_BATCH * 5);
    } finally {
      worker?.shutdown();
      await running?.catch(() => undefined);
      await connection.close();
      await clientConnection.close();
      await mailer.close();
      await relay.close();
      await db.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
