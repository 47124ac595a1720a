// SQLite's locking is unsafe on network file systems (https://www.sqlite.org/useovernet.html):
// refuse a database there unless the user insists.
import { readFileSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';

const NETWORK_FS = /^(nfs\d?|cifs|smb\d?|smbfs|ncpfs|afs|9p|ceph|glusterfs|lustre|gpfs|davfs|fuse\.(sshfs|rclone|s3fs|gcsfuse|davfs2?|glusterfs|cephfs|smbnetfs))$/;

/** Parses /proc/mounts-style text into mount points and types (octal escapes decoded). */
export function parseMounts(text: string): { mountPoint: string; type: string }[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [, mp, type] = line.split(' ');
      return { mountPoint: (mp ?? '').replace(/\\(\d{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8))), type: type ?? '' };
    });
}

/** The file system type of the mount that holds `path`, or null if unknown. */
export function fsTypeOf(path: string, mountsText: string): string | null {
  let best: { mountPoint: string; type: string } | null = null;
  for (const m of parseMounts(mountsText)) {
    const mp = m.mountPoint.endsWith('/') ? m.mountPoint : m.mountPoint + '/';
    if ((path + '/').startsWith(mp) || path === m.mountPoint) {
      if (!best || m.mountPoint.length >= best.mountPoint.length) best = m;
    }
  }
  return best?.type ?? null;
}

export function isNetworkFs(type: string | null): boolean {
  return type != null && NETWORK_FS.test(type);
}

/** The network file system type under a database file, or null when it is local or unknown. */
export function networkFsUnder(dbFile: string, mountsText?: string): string | null {
  let text = mountsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/mounts', 'utf8');
    } catch {
      return null; // not Linux: nothing to check against
    }
  }
  let dir = dirname(dbFile);
  try {
    dir = realpathSync(dir);
  } catch {
    /* not created yet: check the path as given */
  }
  const type = fsTypeOf(dir, text);
  return isNetworkFs(type) ? type : null;
}
