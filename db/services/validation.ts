/** Zod pieces shared by the services; ids and instants are domain/schemas.ts's own. */
import { z } from 'zod';
import { Id, IsoInstant, describeIssues } from '../../domain/schemas';
import { InvalidInputError } from '../util';

export const IdSchema = Id;

export const IdempotencyKeySchema = z.string().trim().min(1).max(200);
export const InstantSchema = IsoInstant;

/** Parses `value` or throws InvalidInputError listing every problem. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new InvalidInputError(describeIssues(result.error));
  return result.data;
}
