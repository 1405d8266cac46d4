import type { Locale } from '../../domain/schemas';
import type { StaffSession } from '../http/session';
import type { RawHtml } from '../http/html';
import type { DashboardStrings } from './i18n';

/** What every dashboard handler works with. */
export interface PageCtx {
  locale: Locale;
  s: DashboardStrings;
  viewer: StaffSession;
  csrf: string;
  render(status: number, title: string, body: RawHtml, active?: 'home' | 'leaderboard' | 'myActivities' | 'tokens' | 'approvals' | 'directory'): void;
}
