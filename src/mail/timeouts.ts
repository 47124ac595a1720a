// One timeout policy for every conversation desk has with a mail server (IMAP and SMTP), and for
// every hook delivery (a POST to a URL, a command run): how long
// each network step may take before the socket is destroyed and the step is reported by name
// ("SMTP greeting timed out after 30s"). A server that accepts the connection and then says
// nothing, or stops half-way through an answer, or trickles bytes, never keeps desk alive longer
// than the step's limit: the clock of a step starts when it starts and is not reset by partial
// answers.
//
// Where the limits come from, strongest first:
//   DESK_NET_TIMEOUT_MS  every step (and the IDLE keep-alive) in milliseconds (tests, debugging);
//   smtp.timeoutSeconds / accounts[].timeoutSeconds  every step of that server, in seconds;
//   the defaults below.
import { UsageError } from '../errors.js';

export interface NetTimeouts {
  /** TCP connection (and TLS handshake for implicit TLS) */
  connectMs: number;
  /** the server's greeting, once connected */
  greetingMs: number;
  /** each command's complete answer (EHLO, AUTH, MAIL FROM, LOGIN, EXAMINE, SEARCH, NOOP…); for a
   *  FETCH, each next message */
  commandMs: number;
  /** SMTP: the answer to the end of the message body (a silence here makes delivery unknown) */
  dataMs: number;
  /** IMAP IDLE: how long to stay in IDLE before checking the connection with a NOOP */
  idleMs: number;
}

export const DEFAULT_TIMEOUTS: Readonly<NetTimeouts> = {
  connectMs: 30_000,
  greetingMs: 30_000,
  commandMs: 60_000,
  dataMs: 60_000,
  idleMs: 5 * 60_000,
};

export const TIMEOUT_ENV = 'DESK_NET_TIMEOUT_MS';

/** Longest limit a setTimeout can honour (and far more than any server deserves). */
const MAX_MS = 24 * 3_600_000;

function envOverride(env: NodeJS.ProcessEnv): number | null {
  const text = env[TIMEOUT_ENV];
  if (text === undefined || text === '') return null;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1 || n > MAX_MS) {
    throw new UsageError(`invalid ${TIMEOUT_ENV}: '${text}' (a whole number of milliseconds, 1 to ${MAX_MS})`);
  }
  return n;
}

/**
 * The limits for one server. `seconds` is the config's `timeoutSeconds` of that server (undefined
 * when not set); `where` names the field in messages ("smtp.timeoutSeconds").
 */
export function timeoutsFor(seconds: unknown, where: string, env: NodeJS.ProcessEnv = process.env): NetTimeouts {
  if (seconds !== undefined && seconds !== null) {
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0 || seconds * 1000 > MAX_MS) {
      throw new UsageError(`config ${where} must be a number of seconds greater than 0 (got ${JSON.stringify(seconds)})`);
    }
  }
  const override = envOverride(env);
  if (override !== null) return { connectMs: override, greetingMs: override, commandMs: override, dataMs: override, idleMs: override };
  if (typeof seconds !== 'number') return { ...DEFAULT_TIMEOUTS };
  const ms = Math.max(1, Math.round(seconds * 1000));
  // One number for every step of a conversation; the IDLE keep-alive is not a wait for an answer.
  return { connectMs: ms, greetingMs: ms, commandMs: ms, dataMs: ms, idleMs: Math.max(ms, DEFAULT_TIMEOUTS.idleMs) };
}

/** How long one hook delivery (the whole POST, or the command's run) may take by default. */
export const DEFAULT_HOOK_TIMEOUT_MS = 10_000;

/**
 * The limit of one delivery to a hook: DESK_NET_TIMEOUT_MS, else its `timeoutSeconds` (`where`
 * names it: "hooks.0.timeoutSeconds"), else DEFAULT_HOOK_TIMEOUT_MS.
 */
export function hookTimeoutMs(seconds: unknown, where: string, env: NodeJS.ProcessEnv = process.env): number {
  return seconds === undefined && envOverride(env) === null ? DEFAULT_HOOK_TIMEOUT_MS : timeoutsFor(seconds, where, env).commandMs;
}

/** "30s", "1.5s", "300ms", "2m". */
export function durationText(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)}s`;
}

/** Who desk talks to: mail servers, and hooks (a URL, a command). */
export type Protocol = 'IMAP' | 'SMTP' | 'HTTP' | 'hook command';

/** A step that got no (complete) answer in time. The socket is gone by the time this is seen. */
export class StepTimeout extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(
    readonly protocol: Protocol,
    readonly step: string,
    readonly ms: number,
  ) {
    super(`${protocol} ${step} timed out after ${durationText(ms)}`);
    this.name = 'StepTimeout';
  }
}

/**
 * A timer for the step in progress. `start(step, ms)` (re)starts the clock for a new step;
 * `stop()` clears it. When a step runs out, `onExpire` gets its StepTimeout (once), and it is
 * kept in `expired` so that whatever error the dying connection raises next can be replaced by
 * the named one.
 */
export class StepClock {
  private timer: NodeJS.Timeout | null = null;
  step: string | null = null;
  expired: StepTimeout | null = null;

  constructor(
    private readonly protocol: 'IMAP' | 'SMTP',
    private readonly onExpire: (timeout: StepTimeout) => void,
  ) {}

  private done = false;

  start(step: string, ms: number): void {
    if (this.expired || this.done) return;
    this.stop();
    this.step = step;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.expired = new StepTimeout(this.protocol, step, ms);
      this.onExpire(this.expired);
    }, ms);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** The conversation is over: no step starts again. */
  dispose(): void {
    this.done = true;
    this.stop();
  }
}

/**
 * Runs `work` as one step: if it has not settled after `ms`, `abort` is called (it must destroy
 * the connection) and the promise rejects with the step's StepTimeout.
 */
export function withDeadline<T>(protocol: Protocol, step: string, ms: number, abort: () => void, work: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const err = new StepTimeout(protocol, step, ms);
      try {
        abort();
      } finally {
        reject(err);
      }
    }, ms);
    work.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
