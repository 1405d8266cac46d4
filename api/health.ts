/** `GET /healthz`: 200 only when both Temporal and the database answer; 503 naming what failed. */
import type { RequestHandler } from 'express';
import type { Client } from '@temporalio/client';
import type { Repositories } from '../db/repositories';
import type { Logger } from './http/errors';

const TIMEOUT_MS = 3_000;

async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function healthHandler(deps: { client: Client; repos: Repositories; logger: Logger }): RequestHandler {
  return async (_req, res) => {
    const check = async (name: string, probe: () => Promise<unknown>): Promise<string> => {
      try {
        await within(TIMEOUT_MS, probe());
        return 'ok';
      } catch (err) {
        deps.logger.warn('health check failed', { check: name, error: String(err) });
        return 'unavailable';
      }
    };
    const [temporal, database] = await Promise.all([
      check('temporal', () =>
        deps.client.connection.withDeadline(Date.now() + TIMEOUT_MS, () => deps.client.workflowService.getSystemInfo({})),
      ),
      check('database', () => deps.repos.health.ping()),
    ]);
    const failed = [temporal === 'ok' ? [] : ['temporal'], database === 'ok' ? [] : ['database']].flat();
    res.setHeader('Cache-Control', 'no-store');
    if (failed.length === 0) {
      res.status(200).json({ status: 'ok', checks: { temporal, database } });
      return;
    }
    res.status(503).json({
      status: 'unavailable',
      checks: { temporal, database },
      error: { code: 'Unavailable', message: `Not answering: ${failed.join(', ')}` },
    });
  };
}
