// Row types of the store as kysely sees them. Times are ISO 8601 text (Z), lists are JSON text,
// so that the same schema runs on SQLite and PostgreSQL without dialect-specific types.
import type { Generated } from 'kysely';

export interface TicketsTable {
  id: Generated<number>;
  subject: string;
  status: string;
  priority: string;
  tier: string;
  queue: string | null;
  assignee: string | null;
  tags: string; // JSON array, in the order they were added
  requester_id: number;
  created_at: string;
  updated_at: string;
  /**
   * What the SLA clocks read of the ticket as one text of numbers (migration 4, SQLite only;
   * layout in src/domain/sla/inputs.ts), refreshed by every write that changes it
   * (repos/clock-inputs.ts); null where not computed.
   */
  clock_inputs: string | null;
  /**
   * Raised by one by every write that changes the ticket (migration 11; src/store/writes.ts):
   * a change based on an older read is judged against what changed since (src/domain/stale.ts).
   */
  version: Generated<number>;
  /** the ticket this one was merged into (migration 13; src/store/repos/links.ts), else null */
  merged_into: Generated<number | null>;
}

/** One merge (migration 13): what it moved, as JSON (MergeMoved of repos/links.ts); undone_at: when `desk unmerge` restored it. */
export interface TicketMergesTable {
  id: Generated<number>;
  source_id: number;
  target_id: number;
  at: string;
  actor: string;
  moved: string;
  undone_at: string | null;
}

/** A link between two tickets (migration 13): 'parent' from → child to, 'duplicate_of' from → original to, 'related' (from < to). */
export interface TicketLinksTable {
  id: Generated<number>;
  kind: string;
  from_id: number;
  to_id: number;
  created_at: string;
  actor: string;
}

export interface TicketTagsTable {
  ticket_id: number;
  tag: string;
}

export interface EventsTable {
  id: Generated<number>;
  ticket_id: number;
  at: string;
  actor: string;
  type: string;
  from_value: string | null;
  to_value: string | null;
  reason: string | null;
  text: string | null;
  /** the ticket's version this event's write gave it (migration 11); null before, and for bulk-written new tickets */
  version: number | null;
}

export interface MessagesTable {
  id: Generated<number>;
  /** null: stored auto-generated mail that refers to no ticket (never opens one). */
  ticket_id: number | null;
  message_id: string;
  in_reply_to: string | null;
  refs: string; // JSON array
  direction: 'in' | 'out';
  from_addr: string;
  from_name: string | null;
  to_addrs: string; // JSON array
  cc_addrs: string; // JSON array
  date: string;
  subject: string | null;
  text: string;
  html: string | null;
  author: string | null;
  /** why the message was classified as automatic (auto-reply, bounce, list), else null */
  auto_reason: string | null;
  /** which threading rule attached it to its ticket (sync), else null */
  thread_rule: string | null;
  /** sha256 of the raw message, when desk received it as raw mail */
  raw_sha256: string | null;
  /**
   * content hash of synced mail (src/mail/parse.ts contentHash; migration 2); with message_id,
   * its dedupe key. null for mail desk did not receive by sync.
   */
  content_sha256: string | null;
}

export interface AttachmentsTable {
  id: Generated<number>;
  message_id: number; // messages.id
  filename: string | null;
  content_type: string;
  size: number;
  sha256: string;
  path: string | null; // relative to the data dir, when the content is stored
}

/**
 * A ticket's CC list (migration 14): who besides the requester gets its replies. source: 'mail'
 * (To/Cc of customer mail), 'import', or 'reply' (`desk reply --cc`).
 */
export interface TicketCcTable {
  ticket_id: number;
  /** lowercased addr-spec */
  address: string;
  name: string | null;
  added_at: string;
  source: string;
}

export interface RequestersTable {
  id: Generated<number>;
  email: string;
  name: string | null;
}

export interface AgentsTable {
  id: Generated<number>;
  name: string;
  email: string;
  tier: string;
  away: number; // 0/1
  created_at: string;
  /** how customers read the agent's name ("Ana Costa"); null: the login name */
  display_name: string | null;
  /** closes the agent's replies; null: "Best regards," and the display name */
  signature: string | null;
  /** notification settings as JSON (migration 16; src/domain/notify/settings.ts); null: the defaults */
  notify: string | null;
}

export interface MetaTable {
  key: string;
  value: string;
}

/** An imported ticket's content-derived key, for lines that identify it by nothing else (migration 6). */
export interface ImportKeysTable {
  key: string;
  ticket_id: number;
}

// ---- the mailbox sync's tables (migration 2) ----------------------------------------------

/** Where each account's mailbox sync stands: written in the same transaction as its messages. */
export interface MailCursorsTable {
  account: string;
  mailbox: string;
  uid_validity: string;
  /** every UID up to this one (of this UIDVALIDITY) has been handled */
  last_uid: number;
  /** CONDSTORE HIGHESTMODSEQ at the end of the last complete run, if the server has it */
  highest_modseq: string | null;
  synced_at: string;
}

/** Raw mail of each synced message, by the message's row id, so it can be re-parsed later. */
export interface MailRawTable {
  message_pk: number;
  raw: Buffer;
}

/** Mail that could not be stored, with the reason; `desk sync --replay` retries it. */
export interface MailQuarantineTable {
  id: Generated<number>;
  account: string;
  mailbox: string;
  uid_validity: string;
  uid: number;
  raw_sha256: string;
  /** content hash (parse.ts contentHash): the same mail delivered twice is quarantined once */
  content_sha256: string;
  raw: Buffer;
  reason: string;
  received_at: string;
  /** set when a replay stored it */
  resolved_at: string | null;
  message_pk: number | null;
}

// ---- spam (migration 20) ------------------------------------------------------------------

/** Senders agents blocked or allowed (`desk spam block|allow`); the config's lists apply besides. */
/** A knowledge-base article on the team backend (migration 22); tags and queues are JSON lists. */
export interface KbArticlesTable {
  slug: string;
  title: string;
  tags: string;
  audience: 'internal' | 'public';
  queues: string;
  body: string;
  updated_at: string;
  updated_by: string | null;
}

export interface SpamSendersTable {
  /** `name@domain` or `@domain`, normalised (src/domain/spam.ts) */
  pattern: string;
  verdict: 'block' | 'allow';
  added_by: string;
  added_at: string;
}

/** Spam: mail the sync judged spam (in no ticket) or a ticket an agent moved there. */
export interface SpamMailTable {
  id: Generated<number>;
  sender: string;
  subject: string;
  /** when it arrived (the ticket's created_at for a moved ticket) */
  date: string;
  reason: string;
  /** JSON array of messages.id: the mail of this entry (its messages have no ticket) */
  message_pks: string;
  /** the ticket it was, when an agent moved one here */
  ticket_id: number | null;
  /** JSON of the moved ticket's rows (src/store/repos/spam.ts), for release */
  snapshot: string | null;
  /** the pattern this move added to the block list (release removes it) */
  blocked: string | null;
  created_at: string;
}

// ---- customers and organisations (migration 15) ---------------------------------------------

/** An organisation: groups customers by a rule on their addresses' domains, or by hand. */
export interface OrganisationsTable {
  id: Generated<number>;
  name: string;
  notes: string | null;
  created_at: string;
}

/** A domain rule: a customer with an address at this domain (or below it) joins the org. */
export interface OrgDomainsTable {
  domain: string;
  org_id: number;
}

/** A person with one or more addresses; id = the id of the requester it was made from. */
export interface CustomersTable {
  id: number;
  name: string | null;
  notes: string | null;
  created_at: string;
  org_id: number | null;
  /** 1: the org was set by hand (`desk org assign`), which no domain rule overrides */
  org_by_hand: number;
}

/** Each address (lower-cased) belongs to one customer. */
export interface CustomerAddressesTable {
  address: string;
  customer_id: number;
}

/** What an agent is told (migration 16; src/store/repos/notifications.ts). */
export interface NotificationsTable {
  id: Generated<number>;
  agent: string;
  /** mention | assigned | customer_reply | sla_at_risk */
  kind: string;
  ticket_id: number;
  /** who caused it (an agent, rules, the customer's address, desk) */
  actor: string;
  text: string;
  created_at: string;
  read_at: string | null;
  /** 'pending': to be mailed; 'queued': in the outbox (outbox_id); null: not mailed */
  mail_state: string | null;
  outbox_id: number | null;
  /** unique where given: a notification that is given once (an SLA clock at risk) */
  dedupe_key: string | null;
}

/** Who is viewing or replying to a ticket (migration 16; src/store/repos/presence.ts). */
export interface PresenceTable {
  agent: string;
  ticket_id: number;
  /** viewing | replying */
  activity: string;
  since: string;
  /** when the agent opened the ticket: a reply asks first when customer mail came after */
  opened_at: string;
  expires_at: string;
}

/** Migration 17: an event for hooks, written with the change that caused it (store/hook-events.ts). */
export interface HookEventsTable {
  id: Generated<number>;
  type: string;
  ticket_id: number | null;
  /** the event JSON hooks receive (domain/hooks.ts HookEvent) */
  payload: string;
  created_at: string;
}

/** One delivery of an event to one hook destination (a command or a URL). */
/**
 * The columns of a row of a delivery queue (the outbox's mail, the hooks' deliveries): its state
 * and attempts, which src/store/claims.ts compares and sets to claim it for one sender, who
 * claimed it and when, and when it is tried again.
 */
export interface ClaimColumns {
  /** the queue's own states; `sending` while claimed */
  state: string;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  /** the process sending it right now ("host:pid:…"), null when none */
  claimed_by: string | null;
  claimed_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface HookDeliveriesTable extends ClaimColumns {
  id: Generated<number>;
  event_id: number;
  /** the hook's name (its `name`, else hooks.N) */
  hook: string;
  kind: string;
  /** the command or URL it goes to: the config's hook with this destination delivers it */
  target: string;
  /** pending, sending, delivered, failed */
  state: string;
  delivered_at: string | null;
}

/** SLA events fired: each (ticket, clock, clock run, kind) once. */
export interface HookSlaFiredTable {
  ticket_id: number;
  clock: string;
  /** the clock's start (epoch seconds): a new run of the clock fires again */
  cycle: number;
  kind: string;
  fired_at: string;
}

/** A saved view (migration 18; `desk view`): a query by name, an agent's own or shared (owner null). */
export interface ViewsTable {
  id: Generated<number>;
  name: string;
  /** the agent whose view it is; null: shared with the team */
  owner: string | null;
  /** the query's text, as given (parsed again on use: relative times count from then) */
  query: string;
  /** list's --sort for it, or null */
  sort: string | null;
  created_at: string;
}

// ---- customer satisfaction (migration 21) ---------------------------------------------------

/** A survey sent about a solved ticket; only the hash of its token is kept. */
export interface CsatSurveysTable {
  id: Generated<number>;
  ticket_id: number;
  /** hex SHA-256 of the token in the survey's links */
  token_sha256: string;
  /** where it went (lower-cased): the ticket's requester */
  customer_address: string;
  /** 1-5 or good-bad */
  scale: string;
  /** the outbox entry that delivers it */
  outbox_id: number | null;
  /** when it was queued */
  sent_at: string;
}

/** The latest rating of a survey (a later one replaces it). */
export interface CsatRatingsTable {
  id: Generated<number>;
  survey_id: number;
  ticket_id: number;
  /** 1..5, good or bad */
  rating: string;
  /** the rating on 1..5 (good 5, bad 1) */
  score: number;
  comment: string | null;
  received_at: string;
  /** messages.id of the mail that carried it */
  message_pk: number | null;
}

export interface DB {
  tickets: TicketsTable;
  ticket_tags: TicketTagsTable;
  ticket_cc: TicketCcTable;
  events: EventsTable;
  messages: MessagesTable;
  attachments: AttachmentsTable;
  requesters: RequestersTable;
  agents: AgentsTable;
  meta: MetaTable;
  import_keys: ImportKeysTable;
  mail_cursors: MailCursorsTable;
  mail_raw: MailRawTable;
  mail_quarantine: MailQuarantineTable;
  spam_senders: SpamSendersTable;
  spam_mail: SpamMailTable;
  kb_articles: KbArticlesTable;
  organisations: OrganisationsTable;
  org_domains: OrgDomainsTable;
  customers: CustomersTable;
  customer_addresses: CustomerAddressesTable;
  ticket_merges: TicketMergesTable;
  ticket_links: TicketLinksTable;
  notifications: NotificationsTable;
  presence: PresenceTable;
  hook_events: HookEventsTable;
  hook_deliveries: HookDeliveriesTable;
  hook_sla_fired: HookSlaFiredTable;
  views: ViewsTable;
  csat_surveys: CsatSurveysTable;
  csat_ratings: CsatRatingsTable;
}
