// Reading the rules file the config names: the edge of the rules engine (domain/rules parses the
// text). It keeps the parsed rules per file and re-reads a file only when it changed, so a long
// `desk sync --watch` or triage session picks up a lead's edits without a restart.
import { readFileSync, statSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { parseRules } from '../domain/rules/parse.js';
import type { RuleSet } from '../domain/rules/types.js';

export interface RulesFileOptions {
  tiers: readonly string[];
  /** zone for time-of-day conditions that name none and a file without `timezone` */
  defaultTimezone?: string;
}

const cache = new Map<string, { key: string; rules: RuleSet }>();

export function loadRulesFile(path: string, opts: RulesFileOptions): RuleSet {
  let stamp: string;
  try {
    const st = statSync(path);
    stamp = `${st.mtimeMs}:${st.size}:${opts.tiers.join(',')}:${opts.defaultTimezone ?? ''}`;
  } catch {
    throw new UsageError(`the rules file ${path} (config 'rules') does not exist`, "create it, or remove 'rules' from the config");
  }
  const hit = cache.get(path);
  if (hit && hit.key === stamp) return hit.rules;
  const rules = parseRules(readFileSync(path, 'utf8'), { source: path, tiers: opts.tiers, defaultTimezone: opts.defaultTimezone });
  cache.set(path, { key: stamp, rules });
  return rules;
}

/** The desk's rules, or null when the config names no rules file. */
export function rulesOfConfig(config: { rules?: string; tiers?: string[]; timezone?: string }, tiers: readonly string[]): RuleSet | null {
  if (!config.rules) return null;
  return loadRulesFile(config.rules, { tiers, defaultTimezone: config.timezone });
}
