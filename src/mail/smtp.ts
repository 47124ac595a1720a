// Hands one finished message to the SMTP server and says what became of it. The outbox's promise
// (nothing lost, nothing sent twice) rests on telling apart three kinds of failure:
//   refused      — the server answered 4xx/5xx: it did not take the message;
//   unreachable  — it failed before the message body was handed over: it cannot have taken it;
//   unknown      — the body was handed over but no answer came (timeout, dropped connection):
//                  the server may well have accepted it, so it must not be resent blindly.
// nodemailer's SMTPConnection is used directly (not a transport) because only at this level can
// we see how far the conversation got when it broke off.
//
// Every step (connect, greeting, each command, the answer to the end of DATA) runs on its own
// clock (mail/timeouts.ts), started when the step starts and not reset by a trickle of bytes.
// desk opens the TCP connection itself and hands it to nodemailer, so that whatever happens the
// socket is destroyed at the end: a server that never closes its side cannot keep desk alive.
import net from 'node:net';
import tls from 'node:tls';
import { Readable } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection/index.js';
import { DEFAULT_TIMEOUTS, StepClock, StepTimeout, type NetTimeouts } from './timeouts.js';

export interface SmtpTarget {
  host: string;
  port: number;
  /** Implicit TLS (port 465). When false, STARTTLS is used if the server offers it. */
  secure: boolean;
  user?: string;
  password?: string;
  /** Refuse to talk without TLS (set whenever a password would otherwise cross the network in clear). */
  requireTLS?: boolean;
  /** Per-step limits (mail/timeouts.ts); socketMs: longest silence of the socket (default: commandMs). */
  timeouts?: Partial<NetTimeouts> & { socketMs?: number };
}

export type SendStage = 'connect' | 'auth' | 'envelope' | 'data';

export type SendOutcome =
  | { kind: 'sent'; response: string }
  | { kind: 'refused'; stage: SendStage; code: number; response: string }
  | { kind: 'unreachable'; stage: SendStage; reason: string; timedOut?: boolean }
  | { kind: 'unknown'; reason: string };

const LOOPBACK = /^(localhost|127(\.\d+){3}|::1|\[::1\])$/i;

/**
 * A password never goes over the network in clear: with credentials and a host that is not this
 * machine, TLS (implicit or STARTTLS) is required.
 */
export function needsTls(target: Pick<SmtpTarget, 'host' | 'user' | 'password' | 'secure'>): boolean {
  return !target.secure && Boolean(target.user || target.password) && !LOOPBACK.test(target.host);
}

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
}

/** One line of what the server or the socket said, fit for the agent's terminal. */
function describe(err: SmtpError): string {
  if (err instanceof StepTimeout) return err.message;
  const text = (err.response || err.message || String(err)).replace(/\s+/g, ' ').trim();
  return err.code && !err.response ? `${text} (${err.code})` : text;
}

/** The command a line sent by nodemailer starts (AUTH continuations carry on the AUTH step). */
const COMMAND = /^(EHLO|HELO|LHLO|STARTTLS|AUTH|MAIL FROM|RCPT TO|DATA|RSET|QUIT)\b/i;

/** Minimum speed assumed for handing over the body before its answer is due (bytes per ms). */
const BODY_BYTES_PER_MS = 10;

/** Opens the TCP (or TLS) connection on the connect clock; the caller owns the socket. */
function openSocket(target: SmtpTarget): net.Socket {
  if (target.secure) {
    return tls.connect({ host: target.host, port: target.port, servername: net.isIP(target.host) ? undefined : target.host });
  }
  return net.connect({ host: target.host, port: target.port });
}

export function sendRaw(target: SmtpTarget, envelope: { from: string; to: string[] }, raw: Buffer): Promise<SendOutcome> {
  const limits: NetTimeouts = { ...DEFAULT_TIMEOUTS, ...target.timeouts };
  const socketMs = target.timeouts?.socketMs ?? limits.commandMs;

  return new Promise<SendOutcome>((resolve) => {
    let stage: SendStage = 'connect';
    let bodyHandedOver = false;
    let settled = false;
    let conn: SMTPConnection | null = null;
    const socket = openSocket(target);
    socket.on('error', () => undefined); // reported through nodemailer or the clock
    socket.setTimeout(socketMs);

    const clock = new StepClock('SMTP', (timeout) => {
      fail(timeout);
    });
    // A last resort should a step escape its own clock: the whole conversation is bounded too.
    const overallMs = limits.connectMs + limits.greetingMs + 10 * limits.commandMs + limits.dataMs + Math.ceil(raw.length / BODY_BYTES_PER_MS);
    const overall = setTimeout(() => fail(new StepTimeout('SMTP', 'conversation', overallMs)), overallMs);

    const finish = (outcome: SendOutcome) => {
      if (settled) return;
      settled = true;
      clock.dispose();
      clearTimeout(overall);
      socket.setTimeout(0);
      if (outcome.kind === 'sent' && conn) {
        // Say goodbye, but never wait on the server for it.
        conn.quit();
        // Unref'd: only the open socket keeps the process alive, and this ends it.
        const bye = setTimeout(() => socket.destroy(), Math.min(limits.commandMs, 5_000)).unref();
        socket.once('close', () => clearTimeout(bye));
      } else {
        conn?.close();
        socket.destroy();
      }
      resolve(outcome);
    };

    const fail = (error: SmtpError) => {
      // Once a clock ran out, whatever the dying connection says next is its consequence.
      let err: SmtpError = (clock.expired as SmtpError | null) ?? error;
      if (!(err instanceof StepTimeout) && err.code === 'ETIMEDOUT' && clock.step) {
        // nodemailer's own greeting or socket-silence timer: name the step it cut short.
        err = new StepTimeout('SMTP', clock.step, clock.step === 'greeting' ? limits.greetingMs : socketMs);
      }
      const code = (err as SmtpError).responseCode ?? 0;
      if (code >= 400 && code < 600) {
        finish({ kind: 'refused', stage, code, response: describe(err) });
      } else if (bodyHandedOver) {
        finish({ kind: 'unknown', reason: describe(err) });
      } else {
        finish({ kind: 'unreachable', stage, reason: describe(err), ...(err instanceof StepTimeout ? { timedOut: true } : {}) });
      }
    };

    const message = new Readable({
      read() {
        stage = 'data'; // DATA was accepted (354): the composer is reading the body
        this.push(raw);
        this.push(null);
      },
    });
    // Once the whole body has been read off this stream, the closing dot may be on the wire and
    // the server may accept the message at any moment: from here on a silence means "unknown".
    message.on('end', () => {
      bodyHandedOver = true;
      clock.start('end of DATA', limits.dataMs + Math.ceil(raw.length / BODY_BYTES_PER_MS));
    });

    // nodemailer reports each command it sends and each complete answer it gets to its logger:
    // that is where each step starts and ends.
    const noop = () => undefined;
    const logger = {
      level: noop, trace: noop, info: noop, warn: noop, error: noop, fatal: noop,
      debug(entry: { tnx?: string }, text: unknown) {
        if (settled) return;
        if (entry?.tnx === 'client') {
          const verb = COMMAND.exec(String(text ?? ''))?.[1]?.toUpperCase();
          clock.start(verb ?? clock.step ?? 'command', limits.commandMs);
        } else if (entry?.tnx === 'server') {
          if (clock.step === 'STARTTLS') clock.start('TLS handshake', limits.connectMs);
          else clock.stop();
        }
      },
    };

    const send = () => {
      stage = 'envelope';
      conn!.send(envelope, message, (err, info) => {
        if (err) return fail(err as SmtpError);
        finish({ kind: 'sent', response: String(info.response ?? '') });
      });
    };

    const connected = () => {
      if (settled) return;
      clock.start('greeting', limits.greetingMs);
      conn = new SMTPConnection({
        host: target.host,
        port: target.port,
        secure: target.secure,
        secured: target.secure, // the TLS handshake of implicit TLS is done
        connection: socket,
        requireTLS: target.requireTLS ?? needsTls(target),
        greetingTimeout: limits.greetingMs,
        socketTimeout: socketMs,
        logger: logger as never,
        transactionLog: true,
        debug: false,
      } as SMTPConnection.Options & { secured?: boolean });
      // Timeouts and dropped connections arrive as events, not through the pending callback.
      conn.on('error', (err: SmtpError) => fail(err));
      conn.on('end', () => fail(Object.assign(new Error('the connection closed without an answer'), { code: 'ECONNECTION' })));
      conn.connect((err) => {
        if (err) return fail(err as SmtpError);
        if (!target.user) return send();
        stage = 'auth';
        conn!.login({ user: target.user, pass: target.password ?? '' }, (loginErr) => {
          if (loginErr) return fail(loginErr as SmtpError);
          send();
        });
      });
    };

    clock.start('connect', limits.connectMs);
    socket.once(target.secure ? 'secureConnect' : 'connect', connected);
    socket.once('error', (err) => {
      if (!conn) fail(err as SmtpError);
    });
    socket.once('close', () => {
      if (!conn) fail(Object.assign(new Error('the connection closed'), { code: 'ECONNECTION' }));
    });
  });
}

/** The words to show the agent for an outcome that was not a delivery. */
export function outcomeText(outcome: Exclude<SendOutcome, { kind: 'sent' }>): string {
  switch (outcome.kind) {
    case 'refused':
      return `the SMTP server refused the message at ${outcome.stage}: ${outcome.response}`;
    case 'unreachable':
      return outcome.timedOut
        ? `the SMTP server did not answer: ${outcome.reason}; the message was not handed over`
        : `the SMTP server could not be reached (${outcome.stage}): ${outcome.reason}`;
    case 'unknown':
      return `no answer from the SMTP server after the message was handed over: ${outcome.reason}`;
  }
}
