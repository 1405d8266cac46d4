/** A small HTTP load driver: N requests over exactly C keep-alive connections, with latencies. */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface Reply {
  status: number;
  body: unknown;
  ms: number;
  /** When the request was sent, ms after the load began. */
  sentAt?: number;
}

export interface LoadResult {
  replies: Reply[];
  /** Network or timeout failures (no HTTP answer). */
  failures: string[];
  wallMs: number;
}

export function postJson(agent: http.Agent, url: string, token: string, body: unknown): Promise<Reply> {
  const payload = Buffer.from(JSON.stringify(body));
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': payload.length, authorization: `Bearer ${token}` },
        timeout: 60_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // keep the text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, ms: performance.now() - started });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out after 60 s')));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Sends every job, `concurrency` at a time (one keep-alive connection each). */
export async function runLoad(jobs: (() => { url: string; body: unknown })[], token: string, concurrency: number): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  const replies: Reply[] = [];
  const failures: string[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      const job = jobs[i];
      if (!job) return;
      const { url, body } = job();
      try {
        const sentAt = performance.now() - started;
        replies.push({ ...(await postJson(agent, url, token, body)), sentAt });
      } catch (err) {
        failures.push(String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  const wallMs = performance.now() - started;
  agent.destroy();
  return { replies, failures, wallMs };
}

export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return NaN;
  const i = Math.min(sortedMs.length - 1, Math.max(0, Math.ceil((p / 100) * sortedMs.length) - 1));
  return sortedMs[i] as number;
}
