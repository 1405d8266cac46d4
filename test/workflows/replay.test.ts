/**
 * Determinism guard: histories recorded from real runs of the workflow tests (committed under
 * histories/) must replay against today's workflow code. A change that alters the commands a
 * recorded run produced fails here; wrap such a change in `patched()`.
 * Re-record after an intended, patched change (move the old ones into a sub-folder first, so runs
 * started before the change keep being checked): RECORD_HISTORIES=1 npx jest test/workflows/themed-activity.test.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../support/temporal';

const HISTORIES_DIR = path.join(__dirname, 'histories');
// Sub-folders keep histories recorded by earlier versions of the workflow: they must still replay.
const files = fs.existsSync(HISTORIES_DIR)
  ? (fs.readdirSync(HISTORIES_DIR, { recursive: true }) as string[]).filter((f) => f.endsWith('.history.bin')).sort()
  : [];

test('recorded histories exist for the main paths', () => {
  expect(files.length).toBeGreaterThanOrEqual(20);
  expect(files.some((f) => f.startsWith('a-themed-activity-runs-through-all-seven-stages'))).toBe(true);
  expect(files.some((f) => f.startsWith('before-summary-patch/a-themed-activity-runs-through-all-seven-stages'))).toBe(true);
});

test('every recorded history replays without a nondeterminism error', async () => {
  const histories = files.map((file) => ({
    workflowId: file,
    history: temporal.api.history.v1.History.decode(fs.readFileSync(path.join(HISTORIES_DIR, file))),
  }));
  const failures: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: workflowBundle(), replayName: 'themed-activity' }, histories)) {
    replayed++;
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  expect(failures).toEqual([]);
  expect(replayed).toBe(files.length);
});
