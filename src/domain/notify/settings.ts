// An agent's notification settings: for each kind, mail (the inbox and a mail), inbox (only
// the inbox) or off (nothing); and a digest period for the mail (off: one mail per notification).
// Pure: parsing the flag text, the stored JSON, and the defaults.
import { UsageError } from '../../errors.js';

export const NOTIFICATION_KINDS = ['mention', 'assigned', 'customer_reply', 'sla_at_risk'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];
export const DELIVERIES = ['mail', 'inbox', 'off'] as const;
export type Delivery = (typeof DELIVERIES)[number];
export const DIGESTS = ['off', 'hourly', 'daily'] as const;
export type Digest = (typeof DIGESTS)[number];

export interface NotifySettings {
  kinds: Record<NotificationKind, Delivery>;
  digest: Digest;
}

export function defaultSettings(): NotifySettings {
  return { kinds: { mention: 'mail', assigned: 'mail', customer_reply: 'mail', sla_at_risk: 'mail' }, digest: 'off' };
}

/** The stored JSON (null: defaults); what it does not say (or says wrongly) is the default. */
export function settingsOf(json: string | null): NotifySettings {
  const s = defaultSettings();
  if (!json) return s;
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return s;
  }
  if (!v || typeof v !== 'object') return s;
  const o = v as Record<string, unknown>;
  for (const k of NOTIFICATION_KINDS) if (DELIVERIES.includes(o[k] as Delivery)) s.kinds[k] = o[k] as Delivery;
  if (DIGESTS.includes(o.digest as Digest)) s.digest = o.digest as Digest;
  return s;
}

export function settingsJson(s: NotifySettings): string {
  return JSON.stringify({ ...s.kinds, digest: s.digest });
}

/**
 * Applies `--notify kind=delivery,…` (kind `all` sets every kind) and `--digest period` to
 * `base`; a UsageError names the flag and the bad part.
 */
export function changeSettings(base: NotifySettings, notify: string | undefined, digest: string | undefined): NotifySettings {
  const s: NotifySettings = { kinds: { ...base.kinds }, digest: base.digest };
  if (notify !== undefined) {
    for (const part of notify.split(',').map((p) => p.trim()).filter(Boolean)) {
      const eq = part.indexOf('=');
      const kind = eq < 0 ? part : part.slice(0, eq).trim();
      const how = eq < 0 ? '' : part.slice(eq + 1).trim();
      if (kind !== 'all' && !NOTIFICATION_KINDS.includes(kind as NotificationKind)) {
        throw new UsageError(`invalid value for --notify: unknown kind '${kind}' (one of all, ${NOTIFICATION_KINDS.join(', ')})`);
      }
      if (!DELIVERIES.includes(how as Delivery)) {
        throw new UsageError(`invalid value for --notify: '${part}' (KIND=${DELIVERIES.join('|')}, e.g. mention=mail,customer_reply=inbox)`);
      }
      for (const k of kind === 'all' ? NOTIFICATION_KINDS : [kind as NotificationKind]) s.kinds[k] = how as Delivery;
    }
  }
  if (digest !== undefined) {
    if (!DIGESTS.includes(digest as Digest)) throw new UsageError(`invalid value for --digest: '${digest}' (one of ${DIGESTS.join(', ')})`);
    s.digest = digest as Digest;
  }
  return s;
}

/** "mention=mail assigned=mail customer_reply=inbox sla_at_risk=off digest=hourly" */
export function settingsLine(s: NotifySettings): string {
  return [...NOTIFICATION_KINDS.map((k) => `${k}=${s.kinds[k]}`), `digest=${s.digest}`].join(' ');
}
