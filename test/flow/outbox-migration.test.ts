// Upgrading a desk whose outbox holds mail: migration 6 (notifications in the outbox) keeps every
// entry, what was queued before the upgrade is sent after it, and notifications queue from then on.
import { writeFileSync } from 'node:fs';
import { onPostgres, storeExec } from '../helpers/backend.js';
import { tempDesk, type RunResult } from '../helpers/cli.js';
import { startTestSmtp } from '../helpers/smtp.js';

function ok(r: RunResult, what: string): RunResult {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}: ${r.stderr}`);
  return r;
}

test('queued replies survive the upgrade and are sent after it; a notification queues after it', async () => {
  const smtp = await startTestSmtp();
  const desk = tempDesk();
  try {
    writeFileSync(`${desk.dir}/rules.yaml`, 'leads: { L2: l2-lead@desk.example }\n');
    writeFileSync(desk.config, `rules: ./rules.yaml\nsmtp: { host: ${smtp.host}, port: ${smtp.port}, secure: false, from: support@desk.example }\n`);
    const env = { env: { DESK_NOW: '2026-03-30T09:00:00Z' } };
    const id = JSON.parse(ok(await desk.runAsync(['new', '--from', 'joao@example.com', '--subject', 'Before', '--body', 'x', '--json'], env), 'new').stdout).id;
    await smtp.stop();
    expect((await desk.runAsync(['reply', String(id), '--message', 'Queued before the upgrade'], env)).code).toBe(5);
    await smtp.start();
    const before = JSON.parse(ok(await desk.runAsync(['outbox', '--json'], env), 'outbox').stdout);

    // Put the database back the way migration 5 left it: message_pk NOT NULL, no subject column.
    storeExec(desk.db, onPostgres()
      ? `alter table outbox drop column subject;
        alter table outbox alter column message_pk set not null;
        alter table outbox alter column ticket_id set not null;
        drop index if exists events_snooze;
        drop table if exists import_keys; -- (later migrations run again too)
        delete from desk_migrations where version >= 6;`
      : `
      create table outbox_v5 (id integer primary key autoincrement, message_pk integer not null unique references messages(id),
        ticket_id integer not null references tickets(id), message_id text not null unique, kind text not null,
        envelope_from text not null, recipient text not null, raw blob not null, state text not null,
        attempts integer not null default 0, next_attempt_at text, last_error text, claimed_by text, claimed_at text,
        created_at text not null, updated_at text not null, sent_at text);
      insert into outbox_v5 select id, message_pk, ticket_id, message_id, kind, envelope_from, recipient, raw, state, attempts,
        next_attempt_at, last_error, claimed_by, claimed_at, created_at, updated_at, sent_at from outbox;
      drop table outbox; alter table outbox_v5 rename to outbox;
      drop index if exists events_snooze;
      drop table if exists import_keys; -- (later migrations run again too)
      delete from desk_migrations where version >= 6;`);

    const after = JSON.parse(ok(await desk.runAsync(['outbox', '--json'], env), 'outbox after upgrade').stdout);
    expect(after).toEqual(before);
    ok(await desk.runAsync(['outbox', 'flush'], { env: { DESK_NOW: '2026-03-30T09:05:00Z' } }), 'flush');
    expect(smtp.received.map((m) => m.to)).toEqual([['joao@example.com']]);

    ok(await desk.runAsync(['escalate', String(id), '--to', 'L2', '--reason', 'x', '--notify'], env), 'escalate --notify');
    expect(smtp.received.map((m) => m.to)).toEqual([['joao@example.com'], ['l2-lead@desk.example']]);
  } finally {
    desk.cleanup();
    await smtp.close();
  }
});
