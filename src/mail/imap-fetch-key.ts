// imapflow names each attribute of an untagged FETCH response by compiling the parsed token back
// into IMAP text ("BODY[]", "UID") and lowercasing it: an asynchronous serializer run three times
// per message, about a tenth of the main thread's time in a big sync. The build (scripts/build.js)
// puts this shortcut in front of that step for the plain shapes a sync's fetch returns; any other
// shape returns undefined and goes through imapflow's own code. test/mail/imap-fetch-key.test.ts
// checks the shortcut against imapflow's compiler.

/** A token of imapflow's parsed response, as far as this needs it. */
interface FetchToken {
  type?: unknown;
  value?: unknown;
  section?: unknown;
  partial?: unknown;
}

/** Atoms that compile to themselves: letters, digits and the few marks FETCH item names use. */
const PLAIN_ATOM = /^[A-Za-z0-9][A-Za-z0-9.\-]*$/;

export function fetchAttributeKey(token: unknown): string | undefined {
  if (token === null || typeof token !== 'object') return undefined;
  const t = token as FetchToken;
  if (t.type !== 'ATOM' || typeof t.value !== 'string' || t.partial !== undefined || !PLAIN_ATOM.test(t.value)) return undefined;
  if (t.section === undefined) return t.value.toLowerCase();
  if (Array.isArray(t.section) && t.section.length === 0) return `${t.value.toLowerCase()}[]`;
  return undefined;
}
