/**
 * Every migration, imported explicitly (no folder scan), so they run the same from `ts` sources in
 * jest and from compiled `dist/`. Names sort in the order they must run; add new ones at the end.
 */
import type { Migration } from 'kysely';
import * as m001 from './001_initial';
import * as m002 from './002_action_audit';
import * as m003 from './003_activity_summaries';
import * as m004 from './004_cycles';
import * as m005 from './005_sessions';
import * as m006 from './006_api_tokens';
import * as m008 from './008_directory_active';
import * as m009 from './009_outbox_leases';
import * as m010 from './010_coupons';
import * as m012 from './012_check_in_by';
import * as m013 from './013_outbox_delivery';
import * as m014 from './014_activity_attention';
import * as m015 from './015_surveys';
import * as m016 from './016_volunteer_profession';
import * as m017 from './017_activity_read_model';

export const migrations: Record<string, Migration> = {
  '001_initial': m001,
  '002_action_audit': m002,
  '003_activity_summaries': m003,
  '004_cycles': m004,
  '005_sessions': m005,
  '006_api_tokens': m006,
  '008_directory_active': m008,
  '009_outbox_leases': m009,
  '010_coupons': m010,
  '012_check_in_by': m012,
  '013_outbox_delivery': m013,
  '014_activity_attention': m014,
  '015_surveys': m015,
  '016_volunteer_profession': m016,
  '017_activity_read_model': m017,
};
