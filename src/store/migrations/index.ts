// The numbered, frozen list of migrations. Append new ones; never edit or reorder.
import type { Kysely } from 'kysely';
import type { DialectOps } from '../dialect/types.js';
import * as m001 from './001_initial.js';
import * as m002 from './002_mail_sync.js';
import * as m003 from './003_outbox.js';
import * as m004 from './004_clock_inputs.js';
import * as m005 from './005_drop_raw_hash_index.js';
import * as m006 from './006_outbox_notifications.js';
import * as m007 from './007_import_keys.js';
import * as m008 from './008_agent_profile.js';
import * as m009 from './009_outbox_reports.js';
import * as m010 from './010_mail_leases.js';
import * as m011 from './011_ticket_versions.js';
import * as m012 from './012_clock_inputs_postgres.js';
import * as m013 from './013_merge_links.js';
import * as m014 from './014_ticket_cc.js';
import * as m015 from './015_customers.js';
import * as m016 from './016_notifications.js';
import * as m017 from './017_hooks.js';
import * as m018 from './018_views.js';
import * as m020 from './020_spam.js';
import * as m021 from './021_csat.js';
import * as m022 from './022_kb_articles.js';
import * as m023 from './023_tickets_assignee_queue.js';
import * as m024 from './024_search_rowids.js';
import * as m025 from './025_message_writes.js';
import * as m026 from './026_import_watch.js';
import * as m027 from './027_serial_queries.js';

export interface Migration {
  version: number;
  name: string;
  up(db: Kysely<any>, dialect: DialectOps): Promise<void>;
}

export const MIGRATIONS: Migration[] = [
  { version: 1, name: 'initial', up: m001.up },
  { version: 2, name: 'mail_sync', up: m002.up },
  { version: 3, name: 'outbox', up: m003.up },
  { version: 4, name: 'clock_inputs', up: m004.up },
  { version: 5, name: 'drop_raw_hash_index', up: m005.up },
  { version: 6, name: 'outbox_notifications', up: m006.up },
  { version: 7, name: 'import_keys', up: m007.up },
  { version: 8, name: 'agent_profile', up: m008.up },
  { version: 9, name: 'outbox_reports', up: m009.up },
  { version: 10, name: 'mail_leases', up: m010.up },
  { version: 11, name: 'ticket_versions', up: m011.up },
  { version: 12, name: 'clock_inputs_postgres', up: m012.up },
  { version: 13, name: 'merge_links', up: m013.up },
  { version: 14, name: 'ticket_cc', up: m014.up },
  { version: 15, name: 'customers', up: m015.up },
  { version: 16, name: 'notifications', up: m016.up },
  { version: 17, name: 'hooks', up: m017.up },
  { version: 18, name: 'views', up: m018.up },
  { version: 20, name: 'spam', up: m020.up },
  { version: 21, name: 'csat', up: m021.up },
  { version: 22, name: 'kb_articles', up: m022.up },
  { version: 23, name: 'tickets_assignee_queue', up: m023.up },
  { version: 24, name: 'search_rowids', up: m024.up },
  { version: 25, name: 'message_writes', up: m025.up },
  { version: 26, name: 'import_watch', up: m026.up },
  { version: 27, name: 'serial_queries', up: m027.up },
  // (register new migrations here, in order)
];
