// The mail servers of a test file that syncs and sends: one real Dovecot and one test SMTP server,
// started once before the file's tests (beforeAll) and stopped after them (afterAll), together
// with the desks the file made (push them onto `desks`).
import { afterAll, beforeAll } from '@jest/globals';
import type { TempDesk } from './cli.js';
import { startDovecot, type Dovecot } from './dovecot.js';
import { startTestSmtp, type TestSmtp } from './smtp.js';

export interface FileMailServers {
  /** the file's Dovecot (once its beforeAll has run) */
  readonly dovecot: Dovecot;
  /** the file's SMTP server (once its beforeAll has run) */
  readonly smtp: TestSmtp;
  /** desks to clean up when the file is done */
  readonly desks: TempDesk[];
}

/** Call at the top of a test file: registers the hooks that start and stop the servers. */
export function mailServersForFile(options: { smtp?: Parameters<typeof startTestSmtp>[0] } = {}): FileMailServers {
  let dovecot: Dovecot | undefined;
  let smtp: TestSmtp | undefined;
  const desks: TempDesk[] = [];
  beforeAll(async () => {
    [dovecot, smtp] = await Promise.all([startDovecot(), startTestSmtp(options.smtp)]);
  });
  afterAll(async () => {
    for (const d of desks) d.cleanup();
    await Promise.all([dovecot?.stop(), smtp?.close()]);
  });
  const started = <T>(server: T | undefined, what: string): T => {
    if (server === undefined) throw new Error(`the file's ${what} is not running: use it in a test or a hook, not at the top of the file`);
    return server;
  };
  return {
    get dovecot() {
      return started(dovecot, 'Dovecot');
    },
    get smtp() {
      return started(smtp, 'SMTP server');
    },
    desks,
  };
}
