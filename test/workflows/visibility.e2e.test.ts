/**
 * End to end on the real Temporal dev server (SQLite visibility, custom search attributes
 * registered at start): activities are listed by stage, cycle, compound and start time.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createDatabase } from '../../db/database';
import { migrateToLatest } from '../../db/migrate';
import { SqlActivityStore } from '../../db/store';
import { startDevMailbox, type DevMailbox } from '../../mail/dev-mailbox';
import { SmtpMailer } from '../../mail/smtp-mailer';
import { createWorker } from '../../worker/create-worker';
import { ActivityStageKey, ActivityStartsAtKey, CompoundKey, CycleIdKey } from '../../workflows/search-attributes';
import { cancelUpdate, themedActivityWorkflow } from '../../workflows/themed-activity';
import { themedActivityWorkflowId } from '../../domain/activity';
import { devServerAddress, workflowBundle } from '../support/temporal';
import { DAY, actors, makeInput, seedDirectory, testActivities, waitForPending } from './harness';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cogov-e2e-'));
const db = createDatabase({ sqlitePath: path.join(dir, 'e2e.sqlite') });
const cycleId = `cycle-e2e-${process.pid}-${Date.now()}`;
const taskQueue = `e2e-${process.pid}`;
let mailbox: DevMailbox;
let mailer: SmtpMailer;
let connection: Connection;
let nativeConnection: NativeConnection;
let client: Client;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  await migrateToLatest(db);
  await seedDirectory(db);
  mailbox = await startDevMailbox({ port: 0 });
  mailer = new SmtpMailer({ host: '127.0.0.1', port: mailbox.port, secure: false, from: { name: '锦华社区', email: 'noreply@example.test' } });
  connection = await Connection.connect({ address: devServerAddress() });
  nativeConnection = await NativeConnection.connect({ address: devServerAddress() });
  client = new Client({ connection });
  worker = await createWorker({
    connection: nativeConnection,
    taskQueue,
    activities: testActivities(new SqlActivityStore(db), mailer),
    workflowBundle: workflowBundle(),
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await nativeConnection?.close();
  await connection?.close();
  await mailer?.close();
  await mailbox?.close();
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function listIds(query: string, expected: number): Promise<string[]> {
  // Visibility is eventually consistent: poll until the expected count shows.
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ids: string[] = [];
    for await (const wf of client.workflow.list({ query })) ids.push(wf.workflowId);
    if (ids.length === expected || Date.now() > deadline) return ids.sort();
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('activities are listed through visibility by stage, cycle, compound and start time', async () => {
  const realClock = { currentTimeMs: async () => Date.now() };
  const community = await makeInput(realClock, { venue: { kind: 'community', venueName: '社区活动中心', hours: 2 } }, { startsInMs: 10 * DAY });
  const merchant = await makeInput(realClock, {}, { startsInMs: 20 * DAY });
  const handles = [];
  for (const input of [community, merchant]) {
    const handle = await client.workflow.start(themedActivityWorkflow, {
      workflowId: themedActivityWorkflowId(input.activityId),
      taskQueue,
      args: [{ ...input, cycleId }],
      typedSearchAttributes: [
        { key: ActivityStageKey, value: 'planning' },
        { key: CycleIdKey, value: cycleId },
        { key: CompoundKey, value: input.plan.compound },
        { key: ActivityStartsAtKey, value: new Date(input.plan.startsAt) },
      ],
    });
    handles.push(handle);
  }
  await waitForPending(handles[0]!, 'decideApproval', 'approval');
  await waitForPending(handles[1]!, 'answerVenueRequest', 'venueRequest');

  expect(await listIds(`CycleId = '${cycleId}' AND ActivityStage = 'approval'`, 1)).toEqual([themedActivityWorkflowId(community.activityId)]);
  expect(await listIds(`CycleId = '${cycleId}' AND ActivityStage = 'venueRequest'`, 1)).toEqual([themedActivityWorkflowId(merchant.activityId)]);
  expect(await listIds(`CycleId = '${cycleId}' AND Compound = '${community.plan.compound}'`, 2)).toHaveLength(2);
  const within15Days = new Date(Date.now() + 15 * DAY).toISOString();
  expect(await listIds(`CycleId = '${cycleId}' AND ActivityStartsAt < '${within15Days}'`, 1)).toEqual([themedActivityWorkflowId(community.activityId)]);

  // The stage attribute follows the workflow to its end.
  await handles[0]!.executeUpdate(cancelUpdate, { args: [{ reason: '测试结束', by: actors.coordinator }] });
  await handles[0]!.result();
  expect(await listIds(`CycleId = '${cycleId}' AND ActivityStage = 'cancelled'`, 1)).toEqual([themedActivityWorkflowId(community.activityId)]);
  await handles[1]!.executeUpdate(cancelUpdate, { args: [{ reason: '测试结束', by: actors.coordinator }] });
  await handles[1]!.result();
  // No personal data in search attributes: only ids, stage and time.
  const described = await handles[1]!.describe();
  const custom = described.typedSearchAttributes
    .getAll()
    .filter((pair) => ['ActivityStage', 'CycleId', 'Compound', 'ActivityStartsAt'].includes(pair.key.name));
  expect(custom.map((pair) => pair.key.name).sort()).toEqual(['ActivityStage', 'ActivityStartsAt', 'Compound', 'CycleId']);
  expect(JSON.stringify(custom.map((pair) => pair.value))).not.toMatch(/@example\.test|万达|王管家|邻里节/);
});
