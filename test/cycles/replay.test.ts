/**
 * Determinism guard for the incubation-cycle workflow: histories recorded from the time-skipping
 * tests (histories/) must replay against today's workflow code. A change that alters the commands
 * a recorded run produced fails here; wrap such a change in `patched()`. Re-record after an
 * intended, patched change (keep the old ones in a sub-folder):
 * RECORD_HISTORIES=1 npx jest test/cycles/cycle-workflow.test.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../support/temporal';

const HISTORIES_DIR = path.join(__dirname, 'histories');
const files = fs.existsSync(HISTORIES_DIR)
  ? (fs.readdirSync(HISTORIES_DIR, { recursive: true }) as string[]).filter((f) => f.endsWith('.history.bin')).sort()
  : [];

test('recorded cycle histories exist for the main paths', () => {
  expect(files.some((f) => f.startsWith('a-milestone-recorded-before-its-due-time'))).toBe(true);
  expect(files.some((f) => f.startsWith('an-overdue-milestone-is-reminded'))).toBe(true);
  expect(files.some((f) => f.startsWith('at-the-period-end-the-cycle-waits'))).toBe(true);
  expect(files.some((f) => f.startsWith('a-long-cycle-continues-as-new'))).toBe(true);
});

test('every recorded cycle history replays without a nondeterminism error', async () => {
  const histories = files.map((file) => ({
    workflowId: file,
    history: temporal.api.history.v1.History.decode(fs.readFileSync(path.join(HISTORIES_DIR, file))),
  }));
  const failures: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: workflowBundle(), replayName: 'incubation-cycle' }, histories)) {
    replayed++;
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  expect(failures).toEqual([]);
  expect(replayed).toBe(files.length);
});
