/** Real Temporal servers for tests: the time-skipping test server, and the shared dev server. */
import fs from 'node:fs';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { type Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { findTestServer, sdkServerExecutable } from '../../scripts/temporal-binaries';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

const INDEXED = {
  Keyword: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Datetime: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
} as const;

/** A time-skipping environment on the real test server, with this product's search attributes added. */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: sdkServerExecutable(findTestServer()) },
  });
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}

export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const searchAttributes = Object.fromEntries(
    Object.entries(CUSTOM_SEARCH_ATTRIBUTES).map(([name, type]) => [name, INDEXED[type]]),
  );
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  } catch (err) {
    // Already registered (the dev server registers them at start): nothing to do.
    if (!/already exists/i.test(String((err as Error).message))) throw err;
  }
}

/** The workflow bundle built once by global setup. */
export function workflowBundle(): { code: string } {
  const file = process.env.TEST_WORKFLOW_BUNDLE;
  if (!file) throw new Error('TEST_WORKFLOW_BUNDLE not set: run the tests through jest (global setup)');
  return { code: fs.readFileSync(file, 'utf8') };
}

/** Address of the shared dev server started by global setup. */
export function devServerAddress(): string {
  const address = process.env.TEST_TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEST_TEMPORAL_ADDRESS not set: run the tests through jest (global setup)');
  return address;
}
