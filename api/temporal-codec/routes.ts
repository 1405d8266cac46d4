/**
 * The codec endpoint for the Temporal web UI (its "codec server" setting): `POST /codec/decode`
 * and `/codec/encode` take `{ payloads: [{ metadata: { k: base64 }, data: base64 }] }` and answer
 * the same shape, so the UI shows decrypted payloads. The history itself holds ciphertext
 * (lib/payload-codec.ts), so this is the one door to its contents: a signed-in coordinator's
 * session only (the UI sends cookies when "include cross-origin credentials" is on), answered to
 * the UI's origin alone, never cached.
 */
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { Config } from '../../config';
import { HttpError, parseOr400, sendError } from '../http/errors';
import { readCookie, type CookiePolicy, type SessionStore } from '../http/session';

const Base64 = z.string().max(4_000_000).regex(/^[A-Za-z0-9+/=_-]*$/, 'base64');
const Body = z.object({
  payloads: z
    .array(z.object({ metadata: z.record(z.string(), Base64).default({}), data: Base64.default('') }))
    .max(1000),
});

const toPayload = (p: z.output<typeof Body>['payloads'][number]): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
  data: new Uint8Array(Buffer.from(p.data, 'base64')),
});
const fromPayload = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

export function temporalCodecRouter(deps: { codec: PayloadCodec; sessions: SessionStore; policy: CookiePolicy; config: Config }): Router {
  const router = Router();
  const uiOrigin = new URL(deps.config.temporal.uiUrl ?? `http://localhost:${deps.config.temporal.uiPort}`).origin;

  router.use((req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Vary', 'Origin');
    if (req.headers.origin === uiOrigin) {
      res.setHeader('Access-Control-Allow-Origin', uiOrigin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Allow-Methods', 'POST');
      res.setHeader('Access-Control-Allow-Headers', 'content-type, x-namespace');
    }
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  });

  const handle = (op: 'encode' | 'decode') => async (req: Request, res: Response) => {
    try {
      const session = await deps.sessions.find(readCookie(req, deps.policy.session));
      if (!session) throw new HttpError(401, 'Unauthorized', 'Sign in as a coordinator in this browser first (/sign-in)');
      if (session.role !== 'coordinator') throw new HttpError(403, 'Forbidden', 'Only coordinators may read workflow payloads');
      const body = parseOr400(Body, req.body, 'codec request');
      const out = await deps.codec[op](body.payloads.map(toPayload));
      res.json({ payloads: out.map(fromPayload) });
    } catch (err) {
      if (err instanceof HttpError) return sendError(res, err);
      sendError(res, new HttpError(400, 'InvalidInput', `Could not ${op} these payloads: ${err instanceof Error ? err.message : String(err)}`));
    }
  };
  const json = express.json({ limit: '5mb' });
  router.post('/decode', json, handle('decode'));
  router.post('/encode', json, handle('encode'));
  return router;
}
