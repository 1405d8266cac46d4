/**
 * Where each member of staff starts: the page signing in lands on (unless the sign-in link carries
 * a `next` page) and the one the navigation's brand links to. One rule, so the two never disagree.
 */
import type { Request, Response, Router } from 'express';
import type { StaffRoleText } from '../../db/types';

/** The start page of each role: the page that holds that role's own work. */
const START_PAGES: Record<StaffRoleText, string> = {
  // The activities they started and what each waits on.
  propertyManager: '/dashboard/my-activities',
  // The approvals waiting for them.
  gridWorker: '/dashboard/approvals',
  // The overview, where everything waiting on the coordinator has its button.
  coordinator: '/dashboard',
  supervisor: '/dashboard',
};

export function startPageFor(role: StaffRoleText): string {
  return START_PAGES[role];
}

/**
 * Until a role's own page is mounted on the dashboard router, its start page shows the overview,
 * which the viewer's compound already limits. Register this LAST, just before the dashboard's
 * catch-all 404: a feature page registered above it takes its path, and this never runs for it.
 */
export function startPageFallbacks(router: Router): void {
  const own = new Set(Object.values(START_PAGES).filter((p) => p !== '/dashboard').map((p) => p.slice('/dashboard'.length)));
  router.get([...own], (_req: Request, res: Response) => {
    res.redirect(303, '/dashboard');
  });
}
