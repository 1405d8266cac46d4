/**
 * The API's entry point (api/main.ts startApi) binds the address config chooses: loopback by
 * default in development, so the dev mailbox's pages (no login) are not served to the network,
 * and HOST when an operator sets it. Started for real: SQLite in a temp dir, the shared
 * Temporal dev server, and the address read back from the listening socket.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../config';
import { startApi, type RunningApi } from '../../api/main';
import { devServerAddress } from '../support/temporal';

const running: RunningApi[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const api of running.splice(0)) await api.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function startWith(env: Record<string, string>): Promise<AddressInfo> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cogov-api-main-'));
  dirs.push(dir);
  const config = loadConfig({ NODE_ENV: 'development', PORT: '0', DATA_DIR: dir, TEMPORAL_ADDRESS: devServerAddress(), ...env });
  const api = await startApi(config);
  running.push(api);
  const address = api.server.address() as AddressInfo;
  // It really serves there (and can reach Temporal and its database).
  const health = await fetch(`http://127.0.0.1:${address.port}/healthz`);
  expect(health.status).toBe(200);
  return address;
}

test('in development the API listens on 127.0.0.1 only, unless HOST is set', async () => {
  expect(await startWith({})).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
});

test('HOST opens it deliberately: HOST=0.0.0.0 listens on every interface', async () => {
  expect(await startWith({ HOST: '0.0.0.0' })).toMatchObject({ address: '0.0.0.0' });
});
