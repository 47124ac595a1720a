// Hands one finished message to the SMTP server and says what became of it. The outbox's promise
// (nothing lost, nothing sent twice) rests on telling apart three kinds of failure:
//   refused      — the server answered 4xx/5xx: it did not take the message;
//   unreachable  — it failed before the message body was handed over: it cannot have taken it;
//   unknown      — the body was handed over but no answer came (timeout, dropped connection):
//                  the server may well have accepted it, so it must not be resent blindly.
// nodemailer's SMTPConnection is used directly (not a transport) because only at this level can
// we see how far the conversation got when it broke off.
import { Readable } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection/index.js';

export interface SmtpTarget {
  host: string;
  port: number;
  /** Implicit TLS (port 465). When false, STARTTLS is used if the server offers it. */
  secure: boolean;
  user?: string;
  password?: string;
  /** Refuse to talk without TLS (set whenever a password would otherwise cross the network in clear). */
  requireTLS?: boolean;
  timeouts?: { connectMs?: number; greetingMs?: number; socketMs?: number };
}

export type SendStage = 'connect' | 'auth' | 'envelope' | 'data';

export type SendOutcome =
  | { kind: 'sent'; response: string }
  | { kind: 'refused'; stage: SendStage; code: number; response: string }
  | { kind: 'unreachable'; stage: SendStage; reason: string }
  | { kind: 'unknown'; reason: string };

const DEFAULT_TIMEOUTS = { connectMs: 30_000, greetingMs: 30_000, socketMs: 60_000 };

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
  const text = (err.response || err.message || String(err)).replace(/\s+/g, ' ').trim();
  return err.code && !err.response ? `${text} (${err.code})` : text;
}

export function sendRaw(target: SmtpTarget, envelope: { from: string; to: string[] }, raw: Buffer): Promise<SendOutcome> {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...target.timeouts };
  const conn = new SMTPConnection({
    host: target.host,
    port: target.port,
    secure: target.secure,
    requireTLS: target.requireTLS ?? needsTls(target),
    connectionTimeout: timeouts.connectMs,
    greetingTimeout: timeouts.greetingMs,
    socketTimeout: timeouts.socketMs,
    logger: false,
    debug: false,
  });

  return new Promise<SendOutcome>((resolve) => {
    let stage: SendStage = 'connect';
    let bodyHandedOver = false;
    let settled = false;

    const finish = (outcome: SendOutcome) => {
      if (settled) return;
      settled = true;
      if (outcome.kind === 'sent') conn.quit();
      else conn.close();
      resolve(outcome);
    };

    const fail = (err: SmtpError) => {
      const code = err.responseCode ?? 0;
      if (code >= 400 && code < 600) {
        finish({ kind: 'refused', stage, code, response: describe(err) });
      } else if (bodyHandedOver) {
        finish({ kind: 'unknown', reason: describe(err) });
      } else {
        finish({ kind: 'unreachable', stage, reason: describe(err) });
      }
    };

    // Timeouts and dropped connections arrive as events, not through the pending callback.
    conn.on('error', (err: SmtpError) => fail(err));
    conn.on('end', () => fail(Object.assign(new Error('the connection closed without an answer'), { code: 'ECONNECTION' })));

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
    });

    const send = () => {
      stage = 'envelope';
      conn.send(envelope, message, (err, info) => {
        if (err) return fail(err as SmtpError);
        finish({ kind: 'sent', response: String(info.response ?? '') });
      });
    };

    conn.connect((err) => {
      if (err) return fail(err as SmtpError);
      if (!target.user) return send();
      stage = 'auth';
      conn.login({ user: target.user, pass: target.password ?? '' }, (loginErr) => {
        if (loginErr) return fail(loginErr as SmtpError);
        send();
      });
    });
  });
}

/** The words to show the agent for an outcome that was not a delivery. */
export function outcomeText(outcome: Exclude<SendOutcome, { kind: 'sent' }>): string {
  switch (outcome.kind) {
    case 'refused':
      return `the SMTP server refused the message at ${outcome.stage}: ${outcome.response}`;
    case 'unreachable':
      return `the SMTP server could not be reached (${outcome.stage}): ${outcome.reason}`;
    case 'unknown':
      return `no answer from the SMTP server after the message was handed over: ${outcome.reason}`;
  }
}
