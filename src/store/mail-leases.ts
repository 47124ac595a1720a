// Per-mailbox sync leases on PostgreSQL (team mode). A session advisory lock would tie the sync
// lock to one connection, which a transaction-pooling proxy (pgbouncer) hands to other clients
// between transactions; so the lock is a row of mail_leases per account/mailbox, taken, renewed
// and dropped in short transactions of their own. Each such transaction first takes
// pg_advisory_xact_lock on the mailbox's key, so that two hosts deciding about one mailbox at once
// are serialised. The lease runs out at `expires_at` (the server's clock, never a host's): a sync
// killed with -9 leaves a lease that lapses by itself; a live sync renews it well before then,
// and each of its write transactions checks (and renews) it, so a sync that lost its lease
// stores nothing more.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';

export interface LeaseKey {
  account: string;
  mailbox: string;
}

/** pg_advisory_xact_lock(class, key) class of the leases ("dl": desk lease). */
const LEASE_LOCK_CLASS = 0x646c;

/** Who holds a lease: host and pid (shown to a second sync), and a random part (unique). */
export function newHolder(): string {
  return `${hostname()}:${process.pid}:${randomBytes(6).toString('hex')}`;
}

/**
 * Whether a holder was a process of this host that is gone (killed, crashed): its lease need not
 * be waited out. A holder on another host, or a live process, may still renew it.
 */
export function holderGoneHere(holder: string): boolean {
  const parts = holder.split(':');
  if (parts.length < 3 || parts.slice(0, -2).join(':') !== hostname()) return false;
  const pid = Number(parts[parts.length - 2]);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** The host and pid part of a holder, for messages. */
export function holderShown(holder: string): string {
  const parts = holder.split(':');
  return parts.length >= 3 ? `pid ${parts[parts.length - 2]} on ${parts.slice(0, -2).join(':')}` : holder;
}

function sorted(keys: readonly LeaseKey[]): LeaseKey[] {
  const seen = new Map<string, LeaseKey>();
  for (const k of keys) seen.set(`${k.account}\n${k.mailbox}`, k);
  return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, k]) => k);
}

class Busy extends Error {
  constructor(
    readonly key: LeaseKey,
    readonly holder: string,
  ) {
    super('busy');
  }
}

/**
 * Takes the leases of every key, all or none, in one transaction. Returns null when taken, or the
 * first key another live holder has (and that holder).
 */
export async function takeLeases(db: Kysely<any>, keys: readonly LeaseKey[], holder: string, ttlMs: number): Promise<{ key: LeaseKey; holder: string } | null> {
  try {
    await db.transaction().execute(async (tx) => {
      // One order for everyone: two syncs wanting overlapping sets never deadlock.
      for (const k of sorted(keys)) {
        await sql`select pg_advisory_xact_lock(${LEASE_LOCK_CLASS}, hashtext(${k.account} || chr(10) || ${k.mailbox}))`.execute(tx);
        const row = await sql<{ holder: string; live: boolean }>`
          select holder, expires_at > clock_timestamp() as live from mail_leases
          where account = ${k.account} and mailbox = ${k.mailbox}`.execute(tx);
        const other = row.rows[0];
        if (other && other.live && other.holder !== holder) throw new Busy(k, other.holder);
        await sql`
          insert into mail_leases (account, mailbox, holder, expires_at)
          values (${k.account}, ${k.mailbox}, ${holder}, clock_timestamp() + make_interval(secs => ${ttlMs / 1000}))
          on conflict (account, mailbox) do update set holder = excluded.holder, expires_at = excluded.expires_at`.execute(tx);
      }
    });
    return null;
  } catch (err) {
    if (err instanceof Busy) return { key: err.key, holder: err.holder };
    throw err;
  }
}

/**
 * Renews the holder's leases of `keys` (in `db`, which may be a write transaction); returns the
 * keys whose lease was lost (expired and taken by another, or gone).
 */
export async function renewLeases(db: Kysely<any>, keys: readonly LeaseKey[], holder: string, ttlMs: number): Promise<LeaseKey[]> {
  const lost: LeaseKey[] = [];
  for (const k of sorted(keys)) {
    const r = await sql`
      update mail_leases set expires_at = clock_timestamp() + make_interval(secs => ${ttlMs / 1000})
      where account = ${k.account} and mailbox = ${k.mailbox} and holder = ${holder}`.execute(db);
    if (Number(r.numAffectedRows ?? 0) !== 1) lost.push(k);
  }
  return lost;
}

/** Drops the holder's leases (a lease another took meanwhile is left alone). */
export async function dropLeases(db: Kysely<any>, keys: readonly LeaseKey[], holder: string): Promise<void> {
  for (const k of sorted(keys)) {
    await sql`delete from mail_leases where account = ${k.account} and mailbox = ${k.mailbox} and holder = ${holder}`.execute(db);
  }
}
