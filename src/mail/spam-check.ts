// The sync's side of spam: the facts of one prepared mail (its From, the spam flag header the
// admin names, what our own receiving server's Authentication-Results say) handed to the pure
// verdict of src/domain/spam.ts with the lists of the config and of the database.
import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.js';
import { spamSenderLists } from '../store/repos/spam.js';
import { spamVerdict, type SpamPolicySet, type SpamVerdict } from '../domain/spam.js';
import { readHeaderFields, splitHeaderBody } from './raw-header.js';
import { trustedFindings, type TrustAuthResults } from './auth-results.js';
import type { PreparedMail } from './sync-prepare.js';

/** The config's `spam` settings, checked and normalised (src/commands/spam/settings.ts). */
export interface SpamSettings {
  block: readonly string[];
  allow: readonly string[];
  policy: SpamPolicySet;
}

export interface SpamJudge {
  judge(m: PreparedMail, trust: TrustAuthResults | null): SpamVerdict;
}

/** The lists as they stand in this transaction (config + database), read once per batch. */
export async function spamJudge(tx: Kysely<DB>, settings: SpamSettings | null): Promise<SpamJudge> {
  const db = await spamSenderLists(tx);
  const block = new Set([...(settings?.block ?? []), ...db.block]);
  const allow = new Set([...(settings?.allow ?? []), ...db.allow]);
  const policy = settings?.policy ?? {};
  const header = policy.header?.name.toLowerCase() ?? null;
  return {
    judge(m, trust) {
      const flagValues = header
        ? readHeaderFields(splitHeaderBody(m.raw).header).filter((f) => f.name === header).map((f) => Buffer.from(f.value, 'latin1').toString('utf8'))
        : [];
      const auth = trustedFindings(m.parsed.auth_results ?? [], trust);
      return spamVerdict({ from: m.parsed.from.email, flagValues, auth }, { block, allow }, policy);
    },
  };
}
