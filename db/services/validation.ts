/** Zod pieces shared by the services, mirroring domain/schemas.ts. */
import { z } from 'zod';
import { describeIssues } from '../../domain/schemas';
import { InvalidInputError } from '../util';

export const IdSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');

export const IdempotencyKeySchema = z.string().trim().min(1).max(200);
export const InstantSchema = z.iso.datetime({ offset: true });

/** Parses `value` or throws InvalidInputError listing every problem. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new InvalidInputError(describeIssues(result.error));
  return result.data;
}
