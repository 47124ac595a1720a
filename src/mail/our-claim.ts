// Is mail from one of our own addresses really ours? An agent answering from a mail client, or
// desk's own reply coming back (Bcc, a copy filed in the inbox), is; a forged From is not. desk
// believes it only when it can tell: the Message-ID is one desk sent (it is in the outbox), or
// the account trusts its receiving server's Authentication-Results (auth-results.ts) and that
// shows DKIM or DMARC pass for the address's domain. Pure: the caller says what the outbox holds.
import { authResultsVerdict, type TrustAuthResults } from './auth-results.js';

export interface OurClaim {
  /** the sender, one of our addresses (lowercased) */
  from: string;
  /** the message's Authentication-Results values, top first */
  authResults: readonly string[];
  /** its Message-ID is in our outbox */
  inOutbox: boolean;
}

export interface OurClaimVerdict {
  ours: boolean;
  /** why, for `desk show --why` */
  detail: string;
}

export function judgeOurClaim(claim: OurClaim, account: string, trust: TrustAuthResults | null): OurClaimVerdict {
  if (claim.inOutbox) return { ours: true, detail: `from ${claim.from}: its Message-ID is one desk sent` };
  const notSent = `from our address ${claim.from}, but its Message-ID is not one desk sent`;
  if (!trust) {
    return { ours: false, detail: `${notSent}, and account ${account} trusts no Authentication-Results (trustAuthResults)` };
  }
  const domain = claim.from.slice(claim.from.lastIndexOf('@') + 1);
  const verdict = authResultsVerdict(claim.authResults, domain, trust);
  return verdict.pass
    ? { ours: true, detail: `from ${claim.from}: ${verdict.detail}` }
    : { ours: false, detail: `${notSent}, and ${verdict.detail}` };
}
