/**
 * Temporal payloads encrypted at rest in the history, as Temporal's encryption sample does:
 * AES-256-GCM over the whole serialised payload, with the key's id in the payload's metadata so a
 * key can be rotated (old histories name the key they need). Names in decisions, comments and the
 * cycle report's headline travel through workflow history; with this codec on every client and
 * worker the history holds ciphertext, and only a process holding the key (or the codec endpoint,
 * for a signed-in coordinator in the Temporal UI) reads it.
 *
 * Payloads without the encrypted encoding pass through untouched: histories recorded before the
 * codec (the committed replay histories) still decode.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const text = new TextEncoder();
const untext = new TextDecoder();

export interface PayloadKey {
  id: string;
  /** 32 bytes. */
  key: Buffer;
}

export class PayloadCodecError extends Error {
  override readonly name = 'PayloadCodecError';
}

export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;

  /** `current` encrypts; `current` and `older` decrypt (keys being rotated out). */
  constructor(
    private readonly current: PayloadKey,
    older: readonly PayloadKey[] = [],
  ) {
    for (const k of [current, ...older]) {
      if (k.key.length !== 32) throw new PayloadCodecError(`payload key ${k.id}: must be 32 bytes, got ${k.key.length}`);
    }
    this.byId = new Map([current, ...older].map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: text.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: text.encode(this.current.id) },
        data: new Uint8Array(sealed),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.encoding;
      if (!encoding || untext.decode(encoding) !== ENCRYPTED_ENCODING) return payload;
      const keyIdBytes = payload.metadata?.[KEY_ID_METADATA];
      const keyId = keyIdBytes ? untext.decode(keyIdBytes) : '';
      const key = this.byId.get(keyId);
      if (!key) throw new PayloadCodecError(`payload encrypted with key "${keyId}", which this process does not have (PAYLOAD_KEY_ID / PAYLOAD_OLD_KEYS)`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadCodecError('encrypted payload too short');
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      return temporal.api.common.v1.Payload.decode(plain) as Payload;
    });
  }
}

/**
 * The data converter every client and worker of the product uses. Failure messages are not
 * encoded (that needs a failure converter loaded into the workflow bundle): the activities' errors
 * name ids and codes, never a person.
 */
export function encryptedDataConverter(codec: PayloadCodec): DataConverter {
  return { payloadCodecs: [codec] };
}

export interface PayloadKeySettings {
  /** Base64 of 32 random bytes (PAYLOAD_KEY); required in production. */
  key?: string | undefined;
  /** Its id, written into every payload it encrypts (PAYLOAD_KEY_ID). */
  keyId: string;
  /** Keys being rotated out, still used to decrypt (base64; PAYLOAD_OLD_KEYS). */
  oldKeys: readonly { id: string; key: string }[];
  /** Where development keeps its generated key between restarts. */
  dataDir: string;
}

/** Reads a base64 key of 32 bytes, naming the setting when it is not one. */
export function parsePayloadKey(id: string, base64: string, setting: string): PayloadKey {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32) throw new PayloadCodecError(`${setting}: must be 32 bytes in base64 (openssl rand -base64 32), got ${key.length} bytes`);
  return { id, key };
}

/**
 * The codec for this deployment. Without a configured key (development only: config refuses
 * production without one) a key is generated once and kept in the data folder with the link
 * secret, so workflows started before a restart still decode after it.
 */
export function payloadCodecFrom(s: PayloadKeySettings): AesGcmPayloadCodec {
  const older = s.oldKeys.map((k) => parsePayloadKey(k.id, k.key, 'PAYLOAD_OLD_KEYS'));
  if (s.key) return new AesGcmPayloadCodec(parsePayloadKey(s.keyId, s.key, 'PAYLOAD_KEY'), older);
  const file = path.join(s.dataDir, 'payload-key');
  let stored = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
  if (!stored) {
    fs.mkdirSync(s.dataDir, { recursive: true });
    try {
      // 'wx': an API and a worker starting together on a fresh folder agree on one key.
      fs.writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    stored = fs.readFileSync(file, 'utf8').trim();
  }
  return new AesGcmPayloadCodec(parsePayloadKey(s.keyId, stored, file), older);
}
