/**
 * Bounded, classified retries (issue 14, item 3), on the real time-skipping server with the real
 * bundled workflow and the real activities, one of them failing on purpose: a failure no retry can
 * fix (a store's logic error) is not retried by Temporal at all; the activity shows "needs
 * attention" with the step and the error — in its status and on its database row — tries again
 * when a coordinator asks and by itself an hour later, and carries on once the step goes through.
 */
import '../support/quiet-temporal-logs';
import { StoreLogicError } from '../../db/util';
import type { ActivityRecord } from '../../domain/activity';
import { retryNowSignal, statusQuery } from '../../workflows/themed-activity';
import { createHarness, makeInput, startActivity, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await read();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('a step that fails for good needs attention, visibly, and goes on once it succeeds: on request, then on its own', async () => {
  let failing = true;
  let plainTries = 0;
  const worker = await h.startWorker((real) => ({
    ...real,
    async recordActivity(record: ActivityRecord) {
      // The stage change fails while `failing`; the "needs attention" note itself gets through.
      if (failing && !record.attention) {
        plainTries++;
        throw new StoreLogicError(`activity ${record.activityId}: the directory has no compound ${record.compound}`);
      }
      return real.recordActivity(record);
    },
  }));
  const input = await makeInput(h.env);
  const handle = await startActivity(h, input, worker.taskQueue);
  const row = () => h.db.selectFrom('activities').select(['stage', 'attention_json']).where('id', '=', input.activityId).executeTakeFirst();

  // Stuck at once: the logic error was not retried (one try), and the activity says what and why.
  const stuck = await until(() => handle.query(statusQuery), (s) => s.attention !== undefined, 'attention');
  expect(stuck.attention).toMatchObject({ step: 'recordActivity', error: expect.stringContaining('the directory has no compound') });
  expect(plainTries).toBe(1);
  const recorded = await until(row, (r) => !!r?.attention_json, 'the attention on the row');
  expect(JSON.parse(recorded!.attention_json!)).toMatchObject({ step: 'recordActivity', error: expect.stringContaining('no compound') });

  // A coordinator asks for another try while it still fails: one more try, still stuck.
  const triesBefore = plainTries;
  await handle.signal(retryNowSignal);
  const again = await until(() => handle.query(statusQuery), (s) => s.attention !== undefined && s.attention.since !== stuck.attention!.since, 'stuck again after the retry');
  expect(again.attention?.step).toBe('recordActivity');
  expect(plainTries).toBeGreaterThan(triesBefore);

  // Fixed; an hour later it tries by itself, gets through, and the note is cleared.
  failing = false;
  await h.env.sleep(61 * 60_000);
  const going = await until(() => handle.query(statusQuery), (s) => s.attention === undefined && s.stage !== 'planning', 'the workflow going on');
  expect(going.attention).toBeUndefined();
  const after = await until(row, (r) => r?.attention_json === null && r.stage === going.stage, 'the row cleared');
  expect(after?.attention_json).toBeNull();
  await worker.stop();
});
