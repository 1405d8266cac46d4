/**
 * The secret that signs links in emails. Production must configure LINK_SECRET (config refuses to
 * start without it); in development one is generated once and kept in the data folder, so links
 * survive a restart without anyone writing a secret into code.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';

export function resolveLinkSecret(config: Config): string {
  if (config.links.secret) return config.links.secret;
  const file = path.join(config.dataDir, 'link-secret');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  fs.mkdirSync(config.dataDir, { recursive: true });
  const secret = crypto.randomBytes(48).toString('base64url');
  fs.writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
