/**
 * Searches every Temporal history a harness's workflows recorded for a string: the raw bytes as
 * the server stores them, and each payload decoded with the product's codec (so text that is only
 * encrypted, not absent, is found too). Used to prove that no survey answer reaches history.
 */
import { temporal } from '@temporalio/proto';
import type { Payload } from '@temporalio/common';
import { payloadCodecFrom } from '../../lib/payload-codec';
import type { AppHarness } from '../support/app-harness';

/** Every payload in a history (any object with bytes `data` and a `metadata` map), wherever it sits. */
function payloadsIn(value: unknown, out: Payload[] = [], seen = new Set<unknown>()): Payload[] {
  if (!value || typeof value !== 'object' || seen.has(value) || value instanceof Uint8Array) return out;
  seen.add(value);
  const o = value as Record<string, unknown>;
  if (o.data instanceof Uint8Array && o.metadata && typeof o.metadata === 'object') out.push(o as Payload);
  for (const v of Object.values(o)) payloadsIn(v, out, seen);
  return out;
}

export async function answerTextInHistories(h: AppHarness, needle: string): Promise<{ workflows: number; found: string[] }> {
  const codec = payloadCodecFrom({ ...h.config.payloadKeys, dataDir: h.config.dataDir });
  const found: string[] = [];
  let workflows = 0;
  for await (const wf of h.client.workflow.list({ query: `TaskQueue = '${h.config.temporal.taskQueue}'` })) {
    workflows++;
    const raw = await h.client.workflowService.getWorkflowExecutionHistory({ namespace: h.config.temporal.namespace, execution: { workflowId: wf.workflowId, runId: wf.runId } });
    const history = raw.history ?? {};
    if (Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('utf8').includes(needle)) found.push(`${wf.workflowId} (raw)`);
    for (const payload of await codec.decode(payloadsIn(history))) {
      if (Buffer.from(payload.data ?? new Uint8Array()).toString('utf8').includes(needle)) found.push(`${wf.workflowId} (decoded)`);
    }
  }
  return { workflows, found };
}
