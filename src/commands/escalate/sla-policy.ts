// The SLA policy the config names (spec/sla.md), for commands that need due times and clock
// figures (escalation rules, the triage order). No policy file: no clocks.
import { readFileSync } from 'node:fs';
import { UsageError } from '../../cli/errors.js';
import type { Config } from '../../config.js';
import { parsePolicyFile, type SlaPolicySet } from '../../domain/sla/index.js';

export function loadSlaPolicy(config: Config): SlaPolicySet | null {
  if (!config.sla) return null;
  let text: string;
  try {
    text = readFileSync(config.sla, 'utf8');
  } catch {
    throw new UsageError(`the SLA policy file ${config.sla} (config 'sla') cannot be read`, "create it, or remove 'sla' from the config");
  }
  return parsePolicyFile(text, config.sla);
}
