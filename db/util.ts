/** Small helpers shared by the store and the services. */
import { randomBytes, randomUUID } from 'node:crypto';

export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

/** Normalises any instant to the stored form: UTC ISO-8601 with milliseconds. */
export function toIso(instant: string | Date): string {
  const d = typeof instant === 'string' ? new Date(instant) : instant;
  if (Number.isNaN(d.getTime())) throw new Error(`not an instant: ${String(instant)}`);
  return d.toISOString();
}

export function newId(prefix: string): string {
  return `${prefix}_${randomUUID()}`;
}

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32: no I, L, O, U

/** A random token in Crockford base32, `length` characters (5 bits of entropy each). */
export function randomToken(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[(bytes[i] ?? 0) & 31];
  return out;
}

/** PostgreSQL returns SUM/COUNT of integers as strings (bigint); SQLite as numbers; NULL when empty. */
export function num(value: unknown): number {
  if (value === null || value === undefined) return 0;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) throw new Error(`not a number: ${String(value)}`);
  return n;
}

/** Base class of the typed errors the services throw; `code` is stable, the message is for people. */
export class ServiceError<C extends string = string> extends Error {
  constructor(
    readonly code: C,
    message: string,
  ) {
    super(message);
  }
}

/** Input that failed validation; `issues` name each field and what is wrong with it. */
/**
 * A store call that cannot succeed however often it is retried (a row it needs is not there, a
 * step called out of order): the activities report it as a failure for good, not a retry.
 */
export class StoreLogicError extends ServiceError<'STORE_LOGIC'> {
  constructor(message: string) {
    super('STORE_LOGIC', message);
  }
}

export class InvalidInputError extends ServiceError<'INVALID_INPUT'> {
  override readonly name = 'InvalidInputError';
  constructor(readonly issues: { field: string; message: string }[]) {
    super('INVALID_INPUT', `invalid input: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
  }
}
