// How the driver's failures to reach or keep PostgreSQL become desk's errors (one backend: no
// store is opened). A lost connection is exit 5 whichever statement meets it first: the one
// running, or the next one sent on the broken client (a batch's next COPY).
import { describe, expect, it } from '@jest/globals';
import { RemoteError } from '../../src/errors.js';
import { connectError, describeUrl } from '../../src/store/postgres.js';

const target = describeUrl('postgres://desk:secret@127.0.0.1:5433/team');
const withCode = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});

describe('connectError', () => {
  it.each([
    ['terminating connection due to administrator command', '57P01'],
    ['read ECONNRESET', 'ECONNRESET'],
    ['write EPIPE', 'EPIPE'],
    ['Connection terminated unexpectedly', undefined],
    ['Client has encountered a connection error and is not queryable', undefined],
    ['Client was closed and is not queryable', undefined],
  ])('a lost connection (%s) is exit 5 saying it was rolled back', (message, code) => {
    const e = connectError(withCode(message, code), target, undefined);
    expect(e).toBeInstanceOf(RemoteError);
    expect((e as RemoteError).message).toContain('lost the connection to PostgreSQL at 127.0.0.1:5433');
    expect((e as RemoteError).hint).toContain('rolled back');
    expect((e as RemoteError).message).not.toContain('secret');
  });

  it('a server that cannot be reached is exit 5 too; any other error stays what it was', () => {
    expect((connectError(withCode('connect ECONNREFUSED 127.0.0.1:5433', 'ECONNREFUSED'), target, undefined) as RemoteError).message)
      .toContain('cannot reach PostgreSQL at 127.0.0.1:5433');
    const other = withCode('duplicate key value violates unique constraint', '23505');
    expect(connectError(other, target, undefined)).toBe(other);
  });
});
