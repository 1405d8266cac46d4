/**
 * The incubation cycle's workflow id, apart from domain/cycle.ts (which holds its zod shapes) so
 * the workflow bundle can import it without zod.
 */
export function incubationCycleWorkflowId(cycleId: string): string {
  return `incubation-cycle:${cycleId}`;
}
