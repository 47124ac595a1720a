// The config's `spam` settings as the sync uses them (checked on load by src/config-check.ts).
import type { Config } from '../../config.js';
import type { SpamSettings } from '../../mail/spam-check.js';
import { normalisePattern, parseSpamHeader } from '../../domain/spam.js';

const patterns = (list: unknown): string[] =>
  Array.isArray(list) ? list.flatMap((p) => { const n = typeof p === 'string' ? normalisePattern(p) : null; return n && 'pattern' in n ? [n.pattern] : []; }) : [];

export function spamSettingsOf(config: Config): SpamSettings | null {
  const sp = config.spam;
  if (!sp) return null;
  const a = sp.authResults ?? {};
  return {
    block: patterns(sp.block),
    allow: patterns(sp.allow),
    policy: {
      header: typeof sp.header === 'string' ? parseSpamHeader(sp.header) : null,
      spfFail: a.spfFail, dkimFail: a.dkimFail, dmarcFail: a.dmarcFail,
    },
  };
}
