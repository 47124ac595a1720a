// Servers that misbehave on the network, for the tests that make sure a mail server can never
// keep desk waiting: one that accepts connections and never says a word, and a proxy in front of a
// real server (Dovecot, the test SMTP server) that goes silent after a given number of bytes from
// the server — at a step boundary or in the middle of an answer. Neither ever closes its side of
// a connection (as a hung server process would not): only desk can end the conversation.
// Ports are chosen free at run time (listen on 0).
import { spawn } from 'node:child_process';
import net from 'node:net';
import { BIN, type TempDesk } from './cli.js';

export interface SilentServer {
  port: number;
  /** connections accepted so far */
  connections(): number;
  /** connections desk has not hung up yet */
  open(): number;
  close(): Promise<void>;
}

function track(server: net.Server, sockets: Set<net.Socket>): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}

/** Accepts every connection, reads what comes, never writes, never closes. */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<net.Socket>();
  const live = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    accepted++;
    sockets.add(socket);
    live.add(socket);
    const hungUp = () => live.delete(socket);
    socket.on('error', hungUp);
    socket.on('end', hungUp);
    socket.on('close', () => {
      hungUp();
      sockets.delete(socket);
    });
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => accepted,
    open: () => live.size,
    close: track(server, sockets),
  };
}

/** A point of a conversation counted in answers: `into` bytes into answer N (0: its first byte). */
export interface AnswerPoint {
  answer: number;
  into: number;
}

/** A stall point of a recorded transcript: its byte offset there, and the answer (and its last line) it falls in. */
export interface StallPoint extends AnswerPoint {
  at: number;
  line: string;
}

export interface StallingProxy {
  port: number;
  /**
   * From the next connection on: go silent after this many bytes from the server (Infinity:
   * never). With `trickleMs`, the rest of what the server says is passed on one byte at a time,
   * one every `trickleMs`: a connection that is never quiet, yet never gets an answer done.
   */
  stallAfter(bytes: number, opts?: { trickleMs?: number }): void;
  /**
   * From the next connection on: go silent right after the server first says `text` (wherever
   * that falls: a server's answers need not be the same length each time; Dovecot adds a third
   * figure to "(0.001 + 0.000 secs)" when a command waited).
   */
  stallAfterText(text: string): void;
  /**
   * From the next connection on: go silent at a point counted in answers rather than bytes (as
   * stallPoints gives them): so many bytes into answer N, whatever the length of the answers
   * before it on this connection. `answerEnds` as for stallPoints.
   */
  stallAtAnswer(point: AnswerPoint, answerEnds: (line: string) => boolean, opts?: { trickleMs?: number }): void;
  /** Everything the server sent on the first connection since the last `stallAfter` (to pick stall points). */
  transcript(): Buffer;
  /** What the client sent on that connection. */
  clientTranscript(): Buffer;
  /** connections that went silent so far */
  stalls(): number;
  close(): Promise<void>;
}

/**
 * A TCP proxy to `target` that passes the first `bytes` bytes the server sends on each connection
 * (cutting a chunk if need be), then forwards nothing more either way and keeps the connection
 * open: to the client, a server that stopped in the middle of what it was saying.
 */
export async function startStallingProxy(target: { host: string; port: number }, bytes = Infinity): Promise<StallingProxy> {
  const sockets = new Set<net.Socket>();
  let limit = bytes;
  let limitText: string | null = null;
  let limitAnswer: { point: AnswerPoint; ends: (line: string) => boolean } | null = null;
  let trickleMs: number | undefined;
  let stalls = 0;
  let recordNext = true;
  let recorded: Buffer[] = [];
  let recordedClient: Buffer[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const upstream = net.connect(target.port, target.host);
    // Only the first connection after stallAfter() is recorded.
    const record: Buffer[] | null = recordNext ? (recorded = []) : null;
    const recordClient: Buffer[] | null = recordNext ? (recordedClient = []) : null;
    recordNext = false;
    let cap = limit;
    const capText = limitText;
    const capAnswer = limitAnswer;
    // Counting answers (capAnswer): what the server said, how much of it was passed on, where the
    // next line and the current answer start, and which answer that is.
    let said = '';
    let forwarded = 0, scan = 0, answerStart = 0, answer = 0;
    let cut: number | null = null;
    let seen = ''; // what was passed on, while looking for capText
    const trickle = trickleMs;
    let passed = 0;
    let silent = false;
    const rest: Buffer[] = [];
    let dripper: NodeJS.Timeout | null = null;
    const drip = () => {
      const next = rest[0];
      if (!next) return;
      client.write(next.subarray(0, 1));
      if (next.length > 1) rest[0] = next.subarray(1);
      else rest.shift();
    };
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    const goSilent = () => {
      if (silent) return;
      silent = true;
      stalls++;
      if (trickle === undefined) {
        upstream.destroy(); // the real server is done with; the client keeps waiting on us
        return;
      }
      dripper = setInterval(drip, trickle);
    };
    client.on('close', () => {
      if (dripper) clearInterval(dripper);
    });
    client.on('data', (d: Buffer) => {
      if (silent) return;
      recordClient?.push(d);
      upstream.write(d);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => {
      if (!silent) client.destroy();
    });
    upstream.on('data', (d: Buffer) => {
      if (silent) {
        if (trickle !== undefined) rest.push(d);
        return;
      }
      if (record) record.push(d);
      if (capAnswer) {
        said += d.toString('latin1');
        const target = capAnswer.point;
        // Count answers until the one to stall in starts; the point is then that many bytes into it.
        while (cut === null) {
          if (answer === target.answer) {
            cut = answerStart + target.into;
            break;
          }
          const eol = said.indexOf('\r\n', scan);
          if (eol < 0) break;
          const line = said.slice(scan, eol).trimEnd();
          scan = eol + 2;
          if (capAnswer.ends(line)) {
            answer++;
            answerStart = scan;
          }
        }
        const upTo = cut === null ? said.length : Math.min(cut, said.length);
        if (upTo > forwarded) client.write(Buffer.from(said.slice(forwarded, upTo), 'latin1'));
        forwarded = Math.max(forwarded, upTo);
        if (cut !== null && said.length >= cut) {
          if (cut < said.length) rest.push(Buffer.from(said.slice(cut), 'latin1'));
          goSilent();
        }
        return;
      }
      if (capText !== null && cap === Infinity) {
        const at = (seen + d.toString('latin1')).indexOf(capText);
        if (at >= 0) cap = at + capText.length;
        else seen += d.toString('latin1');
      }
      if (passed + d.length >= cap) {
        const keep = cap - passed;
        if (keep > 0) client.write(d.subarray(0, keep));
        if (keep < d.length) rest.push(d.subarray(Math.max(0, keep)));
        passed = cap;
        goSilent();
        return;
      }
      passed += d.length;
      client.write(d);
    });
    if (cap <= 0) goSilent();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    stallAfter(n, opts = {}) {
      limit = n;
      limitText = null;
      limitAnswer = null;
      trickleMs = opts.trickleMs;
      recordNext = true;
      recorded = [];
      recordedClient = [];
    },
    stallAtAnswer(point, answerEnds, opts = {}) {
      limit = Infinity;
      limitText = null;
      limitAnswer = { point: { answer: point.answer, into: point.into }, ends: answerEnds };
      trickleMs = opts.trickleMs;
      recordNext = true;
      recorded = [];
      recordedClient = [];
    },
    stallAfterText(text) {
      limit = Infinity;
      limitAnswer = null;
      limitText = text;
      trickleMs = undefined;
      recordNext = true;
      recorded = [];
      recordedClient = [];
    },
    transcript: () => Buffer.concat(recorded),
    clientTranscript: () => Buffer.concat(recordedClient),
    stalls: () => stalls,
    close: track(server, sockets),
  };
}

/**
 * Runs `each` for every item, `atOnce` at a time, each run through a stalling proxy of its own to
 * `target` (started here, and added to `started` for the caller to close): for stalled runs, which
 * spend most of their time waiting out a step limit. A proxy takes the next item when its run
 * ends. The results are in the order of the items; `proxies`: the ones started here.
 */
export async function acrossStallingProxies<T, R>(
  target: { host: string; port: number }, atOnce: number, items: readonly T[], started: StallingProxy[],
  each: (item: T, proxy: StallingProxy, index: number) => Promise<R>,
): Promise<{ results: R[]; proxies: StallingProxy[] }> {
  const proxies = await Promise.all(Array.from({ length: Math.min(atOnce, items.length) }, () => startStallingProxy(target)));
  started.push(...proxies);
  const results: R[] = [];
  let next = 0;
  await Promise.all(proxies.map(async (own) => {
    for (let i = next++; i < items.length; i = next++) results[i] = await each(items[i]!, own, i);
  }));
  return { results, proxies };
}

export interface BoundedRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** how long the process lived */
  ms: number;
  /** true when the bound ran out and the process had to be killed */
  killed: boolean;
}

/**
 * Runs the built CLI like TempDesk.runAsync, but kills it (SIGKILL) should it outlive `limitMs`:
 * a hang is reported as a failed result (killed: true) instead of hanging the test.
 */
export function runBounded(desk: TempDesk, args: string[], opts: { env?: Record<string, string>; limitMs: number; input?: string }): Promise<BoundedRun> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...desk.env, ...opts.env }, cwd: desk.dir });
    let stdout = '';
    let stderr = '';
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, opts.limitMs);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started, killed });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/**
 * Where to go silent in a recorded server transcript: before anything (0), and for every answer
 * (a CRLF-terminated line or run of lines) its first byte and its middle byte — a server that
 * stops between two answers, and one that stops in the middle of one. `answerEnds(line)` says
 * whether a line ends an answer (SMTP: `250 ` not `250-`; IMAP: a tagged line).
 */
export function stallPoints(transcript: Buffer, answerEnds: (line: string) => boolean): StallPoint[] {
  const text = transcript.toString('latin1');
  const points: StallPoint[] = [];
  let answer = 0;
  let start = 0;
  let pos = 0;
  while (pos < text.length) {
    const eol = text.indexOf('\r\n', pos);
    const end = eol < 0 ? text.length : eol + 2;
    const line = text.slice(pos, end).trimEnd();
    if (answerEnds(line)) {
      points.push({ at: start, answer, into: 0, line });
      const mid = start + Math.floor((end - start) / 2);
      if (mid > start) points.push({ at: mid, answer, into: mid - start, line });
      answer++;
      start = end;
    }
    pos = end;
  }
  return points;
}

/** Resolves true once `check()` holds (looked at every few ms), false when `boundMs` ran out. */
export async function waitUntil(check: () => boolean, boundMs: number): Promise<boolean> {
  const deadline = Date.now() + boundMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20)); // polling a condition, not timing
  }
  return true;
}
