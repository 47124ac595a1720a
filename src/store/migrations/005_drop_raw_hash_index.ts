// Migration 5: drops the index on messages.raw_sha256. Deduplication settled on the Message-ID
// plus a hash of the content without delivery trace fields (content_sha256, looked up through
// messages_message_id), so nothing searches by the raw hash; yet every synced message paid for an
// insert into this index at a random place, and the file for its pages.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('messages_raw_sha256').ifExists().execute();
}
