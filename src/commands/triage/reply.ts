// Replies from the triage screen go through `desk reply`, the one command that composes, records
// and sends replies: triage runs it as a child process with the ticket and the text, so a reply
// sent from here is exactly one sent from the shell (threading, outbox, canned status and
// attachments included). Canned replies are rendered here only for the agent's preview.
import { spawn } from 'node:child_process';
import type { Ctx } from '../../cli/context.js';
import { ConflictError, DeskError, NotFoundError, RemoteError, UsageError } from '../../errors.js';
import type { CannedEntry } from '../../domain/canned/library.js';
import { renderCanned } from '../../domain/canned/render.js';
import type { TicketWithHistory } from '../../domain/types.js';
import type { Store } from '../../store/index.js';
import { cannedLibraryOf } from '../canned/dirs.js';
import { signatureOf } from '../../domain/canned/signature.js';
import { agentOf, variablesFor } from '../reply/variables.js';

export interface ReplyActions {
  library(): Promise<CannedEntry[]>;
  /** The canned reply filled in for this ticket, as the customer would read it. */
  render(t: TicketWithHistory, entry: CannedEntry): Promise<string>;
  /** How the agent signs a written reply (`desk reply` adds it when the text lacks it). */
  signature(): Promise<string>;
  /** Sends through `desk reply`; resolves to what it said, throws its error message. */
  send(t: TicketWithHistory, reply: { text: string; canned?: CannedEntry }): Promise<string>;
}

/** How to run this very desk again: the same Node, the same entry script. */
function selfCommand(): [string, string[]] {
  return [process.execPath, [...process.execArgv.filter((a) => !a.startsWith('--inspect')), process.argv[1]!]];
}

function runDesk(args: string[], input: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const [node, base] = selfCommand();
  return new Promise((resolve, reject) => {
    const child = spawn(node, [...base, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** The child's exit code back as the error it stood for (docs/cli.md exit codes). */
function errorOfExit(code: number, message: string): DeskError {
  if (code === 3) return new NotFoundError(message);
  if (code === 4) return new ConflictError(message);
  if (code === 5) return new RemoteError(message);
  return new UsageError(message);
}

const lastLine = (s: string) => s.trim().split('\n').filter(Boolean).at(-1) ?? '';

/** What desk complained about: its `desk: …` line (the lines after it are hints). */
function complaint(stderr: string): string {
  const line = stderr.split('\n').find((l) => l.startsWith('desk: '));
  return line ? line.slice('desk: '.length) : lastLine(stderr);
}

export function replyActions(ctx: Ctx, store: Store, me: string): ReplyActions {
  let cached: CannedEntry[] | undefined;
  return {
    async library() {
      // The same library and variables as `desk reply`, so the preview is what will be sent.
      cached ??= (await cannedLibraryOf(ctx)).library.replies;
      return cached;
    },
    async signature() {
      return signatureOf(await agentOf(store, me));
    },
    async render(t, entry) {
      return renderCanned(entry.name, entry.body, await variablesFor(ctx, store, t, me, entry.body));
    },
    async send(t, reply) {
      const args = ['reply', String(t.id), '--db', await ctx.dbLocation()];
      if (!ctx.io.color) args.push('--no-color');
      // Unchanged canned text goes by name so the reply keeps its status and attachments.
      const asCanned = reply.canned && reply.text === (await this.render(t, reply.canned));
      if (asCanned) args.push('--canned', reply.canned!.name);
      else args.push('--message', '-');
      const r = await runDesk(args, asCanned ? '' : reply.text);
      if (r.code !== 0) throw errorOfExit(r.code, `reply to #${t.id} not sent: ${complaint(r.stderr) || `exit ${r.code}`}`);
      return lastLine(r.stdout) || `reply to #${t.id} sent`;
    },
  };
}
