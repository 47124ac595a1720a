// Mail that says it is from one of our own addresses but that desk cannot tell is ours (From is
// a header anyone can write). It is kept on its ticket as inbound mail with this mark, in the
// place where automatic mail keeps its reason (messages.auto_reason, `auto` in the interchange
// format), so that, like automatic mail, it starts and stops no SLA clock, reopens nothing and
// opens no ticket; `desk show` marks it and `desk show --why` says why it was not believed.

const PREFIX = 'claims to be from us: ';

/** The mark stored for such mail: `claims to be from us: support@example.com, unverified`. */
export function claimedOursReason(address: string): string {
  return `${PREFIX}${address}, unverified`;
}

export function isClaimedOurs(reason: string | null | undefined): boolean {
  return typeof reason === 'string' && reason.startsWith(PREFIX);
}
