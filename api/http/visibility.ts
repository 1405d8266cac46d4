/** Helpers for Temporal visibility list queries, shared by the activities API and the dashboard. */

/** A visibility-query string literal: quotes and backslashes escaped. */
export function queryLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
