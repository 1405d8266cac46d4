import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { AesGcmPayloadCodec, PayloadCodecError, payloadCodecFrom } from '../../lib/payload-codec';

const key = (id: string) => ({ id, key: randomBytes(32) });

describe('the AES-GCM payload codec', () => {
  const k1 = key('k1');
  const codec = new AesGcmPayloadCodec(k1);
  const plain = defaultPayloadConverter.toPayload({ name: '刘家', email: 'liu@example.test' });

  test('round-trips a payload and leaves nothing readable on the wire', async () => {
    const [sealed] = await codec.encode([plain]);
    expect(Buffer.from(sealed!.data!).toString('utf8')).not.toContain('liu@example.test');
    expect(Buffer.from(sealed!.metadata!['encryption-key-id']!).toString()).toBe('k1');
    const [back] = await codec.decode([sealed!]);
    expect(defaultPayloadConverter.fromPayload(back!)).toEqual({ name: '刘家', email: 'liu@example.test' });
  });

  test('passes payloads recorded before encryption through, refuses a tampered one and an unknown key by name', async () => {
    expect(await codec.decode([plain])).toEqual([plain]);
    const [sealed] = await codec.encode([plain]);
    const tampered = { ...sealed!, data: Uint8Array.from(sealed!.data!, (b, i) => (i === 20 ? b ^ 1 : b)) };
    await expect(codec.decode([tampered])).rejects.toThrow();
    await expect(new AesGcmPayloadCodec(key('k2')).decode([sealed!])).rejects.toThrow(new PayloadCodecError('payload encrypted with key "k1", which this process does not have (PAYLOAD_KEY_ID / PAYLOAD_OLD_KEYS)'));
  });

  test('a rotated key still decrypts what it encrypted; new payloads use the new key', async () => {
    const [old] = await codec.encode([plain]);
    const rotated = new AesGcmPayloadCodec(key('k2'), [k1]);
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([old!]))[0]!)).toEqual({ name: '刘家', email: 'liu@example.test' });
    const [fresh] = await rotated.encode([plain]);
    expect(Buffer.from(fresh!.metadata!['encryption-key-id']!).toString()).toBe('k2');
  });

  test('development keeps one generated key in the data folder; a configured key must be 32 bytes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-codec-'));
    try {
      const a = payloadCodecFrom({ keyId: 'k1', oldKeys: [], dataDir: dir });
      const b = payloadCodecFrom({ keyId: 'k1', oldKeys: [], dataDir: dir });
      expect(defaultPayloadConverter.fromPayload((await b.decode(await a.encode([plain])))[0]!)).toEqual({ name: '刘家', email: 'liu@example.test' });
      expect((fs.statSync(path.join(dir, 'payload-key')).mode & 0o777).toString(8)).toBe('600');
      expect(() => payloadCodecFrom({ key: Buffer.alloc(16).toString('base64'), keyId: 'k1', oldKeys: [], dataDir: dir })).toThrow(/PAYLOAD_KEY: must be 32 bytes/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
