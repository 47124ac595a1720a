// What the config says about reports: the team's name for their title (`team`, else the display
// name of the smtp `from`) and the compliance goal for the chart's target line (`slaTarget`).
import type { Config } from '../../config.js';
import { UsageError } from '../../errors.js';
import { headerText } from '../../mail/compose.js';

export interface ReportSettings {
  team: string | null;
  /** 0–1 */
  target: number | null;
}

function fromName(from: unknown): string | null {
  if (typeof from !== 'string') return null;
  // `"Example Support" <support@example.com>` → Example Support (read by index, not a regex:
  // the config is outside text too, and every pattern here must be linear).
  const text = from.trim();
  const open = text.indexOf('<');
  if (open < 0 || !text.endsWith('>') || text.indexOf('>') !== text.length - 1) return null;
  const name = text.slice(0, open).trim();
  const unquoted = name.startsWith('"') && name.endsWith('"') && name.length >= 2 ? name.slice(1, -1) : name;
  return unquoted.includes('"') || unquoted.includes('<') ? null : unquoted.trim() || null;
}

/** `slaTarget: 95%` (or 95, or "99.5%") as a fraction; a UsageError names the key otherwise. */
export function parseTarget(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  const m = typeof value === 'number' ? [String(value), String(value)] : typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value) : null;
  const pct = m ? Number(m[1]) : NaN;
  if (!(pct > 0 && pct <= 100)) {
    throw new UsageError(`invalid value for slaTarget in the config: ${JSON.stringify(value)} (a percentage above 0 and up to 100, e.g. 95%)`);
  }
  return pct / 100;
}

export function reportSettings(config: Config): ReportSettings {
  const team = config.team;
  if (team !== undefined && team !== null && typeof team !== 'string') {
    throw new UsageError(`invalid value for team in the config: ${JSON.stringify(team)} (a name, e.g. "Example Support")`);
  }
  const name = headerText(typeof team === 'string' ? team : fromName(config.smtp?.from));
  return { team: name || null, target: parseTarget(config.slaTarget) };
}
