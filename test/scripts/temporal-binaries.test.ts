import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findTemporalCli, findTestServer, sdkServerExecutable } from '../../scripts/temporal-binaries';

describe('finding the Temporal binaries', () => {
  test('the install step put both binaries in .temporal/, and they are found there', () => {
    const cli = findTemporalCli(undefined);
    const testServer = findTestServer(undefined);
    expect(cli).toBe(path.resolve(__dirname, '../../.temporal/py/bin/temporal'));
    expect(testServer).toBe(path.resolve(__dirname, '../../.temporal/py/bin/temporal-test-server'));
    expect(fs.statSync(cli!).mode & 0o111).not.toBe(0);
  });

  test('an env var path wins, and a wrong one is an error that names it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bin-'));
    const fake = path.join(dir, 'temporal');
    fs.writeFileSync(fake, '#!/bin/sh\n', { mode: 0o755 });
    expect(findTemporalCli(fake)).toBe(fake);
    expect(() => findTestServer(path.join(dir, 'missing'))).toThrow(/temporal-test-server not found at .*missing/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('without a binary the SDK is asked to download its own (for people who are online)', () => {
    expect(sdkServerExecutable(undefined)).toEqual({ type: 'cached-download' });
    expect(sdkServerExecutable('/x/temporal')).toEqual({ type: 'existing-path', path: '/x/temporal' });
  });
});
