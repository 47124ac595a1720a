// Canned replies attach only files inside their templates directory. A canned reply is text the
// whole team edits; what it attaches goes to a customer. Every way out of the directory — `..`
// in any spelling, absolute paths, symlinks (to files, to directories, chained, relative or
// absolute), a sibling directory whose name starts like the templates directory — and anything
// that is not a regular file is refused with exit 2, and nothing is queued or sent. The cases are
// generated from those ingredients; all of them go through the library's reader, and one of each
// kind through the built CLI against a real SMTP server.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDesk, type TempDesk, type RunResult } from '../helpers/cli.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';
import { parseMail } from './setup.js';
import { readCannedAttachments } from '../../src/commands/canned/attachments.js';
import { findCanned } from '../../src/domain/canned/library.js';
import { cannedSources, loadCannedLibrary } from '../../src/commands/canned/dirs.js';
import { UsageError } from '../../src/errors.js';

let smtp: TestSmtp;
let desk: TempDesk;
let ticket: number;
/** directory of the team's canned replies (templates/replies) */
let replies: string;
const SECRET = 'secret outside the templates\n';

interface Case { name: string; attachment: string }
const refused: Case[] = [];
const allowed: Case[] = [];

function canned(name: string, attachment: string): void {
  writeFileSync(join(replies, `${name}.md`), `---\ntitle: ${name}\nattachments: [${JSON.stringify(attachment)}]\n---\nHi, see the attachment.\n`);
}

beforeAll(async () => {
  smtp = await startTestSmtp();
  desk = tempDesk({ DESK_NOW: '2026-03-30T08:00:00Z' });
  writeFileSync(desk.config, [
    'smtp:', '  host: 127.0.0.1', `  port: ${smtp.port}`, '  secure: false', '  from: support@desk.example',
    'templates: ./templates', '',
  ].join('\n'));
  const templates = join(desk.dir, 'templates');
  replies = join(templates, 'replies');
  mkdirSync(join(replies, 'sub'), { recursive: true });
  mkdirSync(join(templates, 'files'), { recursive: true });
  // What lies outside: a file next to the templates directory, a sibling whose name starts alike.
  writeFileSync(join(desk.dir, 'outside.txt'), SECRET);
  mkdirSync(join(desk.dir, 'templates-evil'));
  writeFileSync(join(desk.dir, 'templates-evil', 'x.txt'), SECRET);
  writeFileSync(join(templates, 'files', 'guide.txt'), 'the guide\n');
  writeFileSync(join(replies, '..notes.txt'), 'notes\n');

  // Symlinks planted inside the templates directory.
  symlinkSync('/etc/hostname', join(replies, 'abs-link.txt'));
  symlinkSync('../../outside.txt', join(replies, 'rel-link.txt'));
  symlinkSync('rel-link.txt', join(replies, 'chain-link.txt'));
  symlinkSync('/etc', join(replies, 'etc-dir'));
  symlinkSync(desk.dir, join(replies, 'home-dir'));
  symlinkSync('/dev/zero', join(replies, 'zero'));
  symlinkSync('../files/guide.txt', join(replies, 'inside-link.txt'));
  symlinkSync('../files', join(replies, 'inside-dir'));
  const fifo = spawnSync('mkfifo', [join(replies, 'pipe')]);
  if (fifo.status !== 0) throw new Error(`mkfifo failed: ${fifo.stderr}`);

  // Generated ways out: each traversal spelled several ways, relative to the reply's file.
  const targets = ['../../outside.txt', '../../templates-evil/x.txt', '../../../../../../../../etc/hostname', '../..'];
  const spellings = [(p: string) => p, (p: string) => `./${p}`, (p: string) => `sub/../${p}`, (p: string) => p.replace(/\//g, '//'), (p: string) => `sub/./../${p}`];
  targets.forEach((t, i) => spellings.forEach((spell, j) => refused.push({ name: `dots-${i}-${j}`, attachment: spell(t) })));
  for (const [i, a] of ['/etc/hostname', '/etc/passwd', join(desk.dir, 'outside.txt'), `${join(desk.dir, 'templates')}/../outside.txt`, '/dev/zero'].entries()) {
    refused.push({ name: `abs-${i}`, attachment: a });
  }
  for (const [i, a] of ['abs-link.txt', 'rel-link.txt', 'chain-link.txt', 'etc-dir/hostname', 'home-dir/outside.txt', 'zero', 'pipe', 'sub', '.', 'inside-dir/../../outside.txt'].entries()) {
    refused.push({ name: `link-${i}`, attachment: a });
  }
  // Inside, however it is reached, is fine.
  for (const [i, a] of ['../files/guide.txt', 'inside-link.txt', 'inside-dir/guide.txt', '..notes.txt', join(templates, 'files', 'guide.txt')].entries()) {
    allowed.push({ name: `ok-${i}`, attachment: a });
  }
  for (const c of [...refused, ...allowed]) canned(c.name, c.attachment);

  const r = desk.run(['new', '--from', 'joao@example.com', '--subject', 'Export fails', '--body', 'Hello', '--json']);
  ticket = JSON.parse(r.stdout).id;
});

afterAll(async () => {
  await smtp?.close();
  desk?.cleanup();
});

async function reply(name: string): Promise<RunResult> {
  return desk.runAsync(['reply', String(ticket), '--canned', name]);
}

function outboxCount(): number {
  return JSON.parse(desk.run(['outbox', '--all', '--json']).stdout).length;
}

describe('canned reply attachments', () => {
  it('are read only from inside the templates directory, however the path is spelled', () => {
    expect(refused.length).toBeGreaterThan(30);
    const library = loadCannedLibrary(cannedSources(join(desk.dir, 'templates')));
    const wrong: string[] = [];
    for (const c of refused) {
      try {
        readCannedAttachments(findCanned(library, c.name));
        wrong.push(`${c.attachment}: read`);
      } catch (err) {
        if (!(err instanceof UsageError)) wrong.push(`${c.attachment}: ${String(err)}`);
      }
    }
    for (const c of allowed) {
      const [a] = readCannedAttachments(findCanned(library, c.name));
      if (!['the guide\n', 'notes\n'].includes(a!.content.toString())) wrong.push(`${c.attachment}: not read`);
    }
    expect(wrong).toEqual([]);
  });

  it('are refused by desk reply with exit 2 and nothing queued when they lead outside', async () => {
    // One of each kind: traversal, absolute path, symlink to a file, through a linked directory, a FIFO.
    const kinds = ['dots-2-0', 'abs-0', 'link-0', 'link-3', 'link-6'];
    const wrong: string[] = [];
    for (const c of refused.filter((x) => kinds.includes(x.name))) {
      const r = await reply(c.name);
      if (r.code !== 2 || !r.stderr.includes(`canned reply '${c.name}'`)) wrong.push(`${c.attachment}: exit ${r.code} ${r.stderr.trim()}`);
    }
    expect(wrong).toEqual([]);
    expect(smtp.attempts).toBe(0);
    expect(outboxCount()).toBe(0);
    const shown = JSON.parse(desk.run(['show', String(ticket), '--json']).stdout);
    expect(shown.messages).toHaveLength(1);
  });

  it('are sent by desk reply when they are files inside it, symlinks inside it included', async () => {
    for (const c of allowed.slice(0, 2)) {
      const r = await reply(c.name);
      expect({ attachment: c.attachment, code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });
    }
    expect(smtp.received).toHaveLength(2);
    for (const m of smtp.received) {
      const mail = await parseMail(m.raw);
      expect(Buffer.from(mail.attachments[0]!.content as ArrayBuffer).toString()).toBe('the guide\n');
    }
  });
});
