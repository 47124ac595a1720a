// Whether a time-zone name is one the runtime knows, cheaply: commands check the config's zone
// on every start.

let canonicalZones: ReadonlySet<string> | undefined;

/**
 * Whether `zone` is a time zone the runtime knows. Creating a formatter costs ~12 ms of start-up
 * (ICU loads its locale data), which every command paid for checking the config; the runtime's
 * list of canonical IANA names costs ~1 ms, so a name found there (or UTC) skips the formatter.
 * Anything else (aliases such as US/Eastern, other spellings) is asked of the formatter as before.
 */
export function isValidTimeZone(zone: string): boolean {
  if (isUtcZone(zone)) return true;
  canonicalZones ??= new Set(typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : []);
  if (canonicalZones.has(zone)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** UTC under its two common names: a zone whose local time is the instant's own (no zone data needed). */
export const isUtcZone = (zone: string | undefined): boolean => zone === 'UTC' || zone === 'Etc/UTC';

/** Whether an IANA zone name is known to the runtime (fixed offsets like "+01:00" are not zones). */
export function isKnownTimeZone(name: string): boolean {
  if (!/[A-Za-z]/.test(name) || /^[+-]/.test(name)) return false;
  return isValidTimeZone(name);
}
