import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fsTypeOf, isNetworkFs, networkFsUnder } from '../../src/store/network-fs.js';
import { openStore } from '../../src/store/index.js';
import { UsageError } from '../../src/errors.js';

const MOUNTS = [
  '/dev/vda1 / ext4 rw,relatime 0 0',
  'server:/export/home /home nfs4 rw,relatime 0 0',
  '//nas/share /mnt/smb cifs rw 0 0',
  'me@host:/srv /mnt/ssh fuse.sshfs rw 0 0',
  'tmpfs /tmp tmpfs rw 0 0',
  '/dev/vdb /mnt/with\\040space ext4 rw 0 0',
].join('\n');

test('the mount holding a path decides, longest mount point first', () => {
  expect(fsTypeOf('/home/ana/.local/share/desk', MOUNTS)).toBe('nfs4');
  expect(fsTypeOf('/mnt/smb/desk', MOUNTS)).toBe('cifs');
  expect(fsTypeOf('/mnt/ssh', MOUNTS)).toBe('fuse.sshfs');
  expect(fsTypeOf('/var/lib/desk', MOUNTS)).toBe('ext4');
  expect(fsTypeOf('/mnt/with space/x', MOUNTS)).toBe('ext4');
  expect(fsTypeOf('/homeless/x', MOUNTS)).toBe('ext4');
});

test('NFS, SMB/CIFS and sshfs are network file systems; local ones are not', () => {
  for (const t of ['nfs', 'nfs4', 'cifs', 'smb3', 'fuse.sshfs']) expect(isNetworkFs(t)).toBe(true);
  for (const t of ['ext4', 'xfs', 'btrfs', 'tmpfs', 'overlay', 'zfs', null]) expect(isNetworkFs(t)).toBe(false);
  expect(networkFsUnder('/home/ana/desk.db', MOUNTS)).toBe('nfs4');
});

test('opening a database on a network file system is refused unless allowed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'desk-nfs-'));
  const fakeMounts = `server:/x ${dir} nfs4 rw 0 0\n/dev/vda1 / ext4 rw 0 0`;
  try {
    const attempt = openStore({ location: join(dir, 'desk.db'), mountsText: fakeMounts });
    await expect(attempt).rejects.toBeInstanceOf(UsageError);
    await expect(attempt).rejects.toThrow(/network file system \(nfs4\)/);
    await expect(openStore({ location: join(dir, 'desk.db'), mountsText: fakeMounts })).rejects.toMatchObject({ hint: expect.stringMatching(/PostgreSQL/) });
    const store = await openStore({ location: join(dir, 'desk.db'), mountsText: fakeMounts, allowNetworkFs: true });
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
