/**
 * The product's own client scripts, served from this origin (strict CSP: `script-src 'self'`, no CDN):
 *
 *   GET /static/jsqr.js            the bundled QR decoder (node_modules/jsqr/dist/jsQR.js)
 *   GET /static/qr-scan.js         the generic camera scanner (api/check-in/client/qr-scan.js; its
 *                                  markup contract is at the top of that file)
 *   GET /static/check-in-desk.js   the check-in desk (api/check-in/desk-page.ts)
 *
 * A page links a script by `assetPath(name)`, which carries the file's content hash (`?v=`): that
 * URL is cached for a year (immutable); a URL without the current hash is revalidated (ETag).
 * Pages have no script by default (api/app.ts sets `script-src 'none'`); a page that runs these
 * scripts opts in with `allowOwnScripts(res)`, which relaxes only that to `script-src 'self'`.
 *
 * The client files are plain JavaScript, read once at start: from `client/` beside this module
 * (the sources; `npm run build` copies them to dist/api/check-in/client), else from the source tree.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Router, type Response } from 'express';

export type AssetName = 'jsqr.js' | 'qr-scan.js' | 'check-in-desk.js';

interface Asset {
  body: Buffer;
  hash: string;
}

function clientFile(name: string): string {
  const candidates = [path.join(__dirname, 'client', name), path.resolve(__dirname, '../../../api/check-in/client', name), path.resolve(process.cwd(), 'api/check-in/client', name)];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error(`client script ${name} not found (looked in ${candidates.join(', ')})`);
  return found;
}

const SOURCES: Record<AssetName, () => string> = {
  'jsqr.js': () => require.resolve('jsqr/dist/jsQR.js'),
  'qr-scan.js': () => clientFile('qr-scan.js'),
  'check-in-desk.js': () => clientFile('check-in-desk.js'),
};

let loaded: Map<AssetName, Asset> | undefined;

function assets(): Map<AssetName, Asset> {
  if (!loaded) {
    loaded = new Map(
      (Object.keys(SOURCES) as AssetName[]).map((name) => {
        const body = fs.readFileSync(SOURCES[name]());
        return [name, { body, hash: createHash('sha256').update(body).digest('hex').slice(0, 16) }];
      }),
    );
  }
  return loaded;
}

/** The URL a page links the script by (with its content hash, so it may be cached for good). */
export function assetPath(name: AssetName): string {
  const a = assets().get(name);
  return `/static/${name}?v=${a?.hash ?? ''}`;
}

/** Lets this response's page run our own scripts (`script-src 'self'`); every other directive stays as api/app.ts set it. */
export function allowOwnScripts(res: Response): void {
  const csp = res.getHeader('Content-Security-Policy');
  if (typeof csp === 'string') res.setHeader('Content-Security-Policy', csp.replace(/script-src 'none'/, "script-src 'self'"));
}

/** Reads the scripts now, so a build that left them out fails at start, not on a desk page. */
export function createAssetsRouter(): Router {
  assets();
  const router = Router();
  router.get('/static/:name', (req, res, next) => {
    const name = String(req.params.name) as AssetName;
    const asset = Object.hasOwn(SOURCES, name) ? assets().get(name) : undefined;
    if (!asset) return next();
    const etag = `"${asset.hash}"`;
    res.setHeader('ETag', etag);
    res.setHeader('Cache-Control', req.query.v === asset.hash ? 'public, max-age=31536000, immutable' : 'no-cache');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (req.get('if-none-match') === etag) {
      res.status(304).end();
      return;
    }
    res.type('application/javascript; charset=utf-8').send(asset.body);
  });
  return router;
}
