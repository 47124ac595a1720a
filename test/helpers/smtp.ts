// A real SMTP server inside the test process (the smtp-server package), on 127.0.0.1 and a port
// chosen free at run time, without TLS. It records every message it accepts, and can be told to
// misbehave the ways real servers do: refuse (4xx/5xx) at MAIL FROM, at RCPT or at the end of DATA, drop the
// connection before or after the message body, or stall after DATA without ever answering.
import net from 'node:net';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The message exactly as it came over the wire (dot-unstuffed by the server). */
  raw: Buffer;
  /** The header block as text, lines unfolded, for header-injection checks. */
  headerLines: string[];
  /** The user who authenticated, if any. */
  user?: string;
}

/**
 *  accept              — 250, the message is recorded
 *  refuse-mail         — MAIL FROM answered with `code message` (counted as an attempt)
 *  refuse-rcpt         — RCPT TO answered with `code message`
 *  refuse-data         — the body is read, then answered with `code message`
 *  drop-before-data    — the socket is destroyed at MAIL FROM (nothing was sent)
 *  drop-after-data     — the whole body is read, then the socket is destroyed without an answer
 *  stall-after-data    — the whole body is read and never answered
 */
export type Behaviour =
  | { kind: 'accept' }
  | { kind: 'refuse-mail'; code: number; message: string }
  | { kind: 'refuse-rcpt'; code: number; message: string }
  | { kind: 'refuse-data'; code: number; message: string }
  | { kind: 'drop-before-data' }
  | { kind: 'drop-after-data' }
  | { kind: 'stall-after-data' };

export interface TestSmtpOptions {
  /** Require AUTH PLAIN/LOGIN with these credentials. Default: no auth. */
  auth?: { user: string; pass: string };
}

export interface TestSmtp {
  host: string;
  port: number;
  /** Messages the server accepted with a 250, in order. */
  received: ReceivedMail[];
  /** Bodies read completely but never acknowledged (drop-after-data, stall-after-data). */
  unacknowledged: ReceivedMail[];
  /** Every MAIL FROM seen, accepted or not: counts delivery attempts. */
  attempts: number;
  behave(b: Behaviour): void;
  /** Back to accepting, with nothing recorded and no attempts counted. */
  reset(): void;
  /** Resolves once `check` holds (checked now and after every event), e.g. "a body has arrived". */
  until(check: () => boolean): Promise<void>;
  /** Stops listening (clients get ECONNREFUSED); `start` listens again on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

function splitHeader(raw: Buffer): string[] {
  const text = raw.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const head = end < 0 ? text : text.slice(0, end);
  // Unfold: a line starting with whitespace continues the previous header.
  return head.replace(/\r?\n[ \t]/g, ' ').split(/\r?\n/);
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

export async function startTestSmtp(options: TestSmtpOptions = {}): Promise<TestSmtp> {
  let behaviour: Behaviour = { kind: 'accept' };
  const received: ReceivedMail[] = [];
  const unacknowledged: ReceivedMail[] = [];
  let attempts = 0;
  let server: SMTPServer;
  let port = 0;
  let listening = false;
  let waiters: Array<{ check: () => boolean; resolve: () => void }> = [];
  const changed = () => {
    waiters = waiters.filter((w) => (w.check() ? (w.resolve(), false) : true));
  };

  function socketOf(session: SMTPServerSession): net.Socket | undefined {
    for (const conn of server.connections) if (conn.id === session.id) return conn._socket;
    return undefined;
  }

  function recordOf(raw: Buffer, session: SMTPServerSession): ReceivedMail {
    return {
      from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
      to: session.envelope.rcptTo.map((r) => r.address),
      raw,
      headerLines: splitHeader(raw),
      user: typeof session.user === 'string' ? session.user : undefined,
    };
  }

  function create(): SMTPServer {
    return new SMTPServer({
      logger: false,
      secure: false,
      disableReverseLookup: true,
      disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      authOptional: !options.auth,
      allowInsecureAuth: true,
      authMethods: ['PLAIN', 'LOGIN'],
      onAuth(auth, _session, cb) {
        if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass) {
          return cb(null, { user: auth.username });
        }
        return cb(smtpError(535, 'Authentication failed'));
      },
      onMailFrom(_address: SMTPServerAddress, session, cb) {
        attempts += 1;
        changed();
        if (behaviour.kind === 'drop-before-data') {
          socketOf(session)?.destroy();
          return;
        }
        if (behaviour.kind === 'refuse-mail') return cb(smtpError(behaviour.code, behaviour.message));
        cb();
      },
      onRcptTo(_address, _session, cb) {
        if (behaviour.kind === 'refuse-rcpt') return cb(smtpError(behaviour.code, behaviour.message));
        cb();
      },
      onData(stream, session, cb) {
        readAll(stream).then(
          (raw) => {
            const mail = recordOf(raw, session);
            switch (behaviour.kind) {
              case 'refuse-data':
                return cb(smtpError(behaviour.code, behaviour.message));
              case 'drop-after-data':
                unacknowledged.push(mail);
                changed();
                socketOf(session)?.destroy();
                return;
              case 'stall-after-data':
                unacknowledged.push(mail);
                changed();
                return; // never answer
              default:
                received.push(mail);
                changed();
                return cb(null, 'Queued');
            }
          },
          (err: Error) => cb(err),
        );
      },
    });
  }

  async function listen(): Promise<void> {
    if (listening) return;
    server = create();
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server.server.address() as net.AddressInfo).port;
        listening = true;
        resolve();
      });
    });
  }

  async function stopServer(): Promise<void> {
    if (!listening) return;
    listening = false;
    // Stalled sessions would keep close() waiting: end them first.
    for (const conn of server.connections) conn._socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  await listen();

  return {
    host: '127.0.0.1',
    get port() {
      return port;
    },
    received,
    unacknowledged,
    get attempts() {
      return attempts;
    },
    behave(b) {
      behaviour = b;
    },
    until(check) {
      if (check()) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push({ check, resolve }));
    },
    reset() {
      behaviour = { kind: 'accept' };
      received.length = 0;
      unacknowledged.length = 0;
      attempts = 0;
    },
    stop: stopServer,
    start: listen,
    close: stopServer,
  };
}
