/**
 * What one JSON operation declares: method, path, the roles it admits, and its schemas. Each
 * feature lists its operations; the router takes the roles from them and the OpenAPI document is
 * generated from them, so they cannot disagree.
 */
import type { z } from 'zod';
import type { StaffRole } from '../../domain/schemas';

export interface Operation {
  id: string;
  method: 'get' | 'post';
  /** Express path (":id" parameters). */
  path: string;
  summary: string;
  roles: readonly StaffRole[];
  body?: { name: string; schema: z.ZodType };
  query?: z.ZodObject;
  responses: Record<number, { description: string; schema?: { name: string; schema: z.ZodType } }>;
}
