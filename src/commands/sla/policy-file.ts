// Which SLA policy a command measures with: --policy FILE, else the config's `sla`.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Ctx } from '../../cli/context.js';
import { UsageError } from '../../errors.js';
import { parsePolicyFile, type SlaPolicySet } from '../../domain/sla/index.js';

export interface LoadedPolicy {
  set: SlaPolicySet;
  /** the file's text and the name messages use, for a worker thread to parse it again */
  text: string;
  source: string;
}

export async function loadPolicy(ctx: Ctx, flagPath: string | undefined): Promise<SlaPolicySet> {
  return (await loadPolicyFile(ctx, flagPath)).set;
}

export async function loadPolicyFile(ctx: Ctx, flagPath: string | undefined): Promise<LoadedPolicy> {
  const path = flagPath ? resolve(flagPath) : (await ctx.config()).sla;
  if (!path) {
    throw new UsageError('no SLA policy: give --policy FILE, or name one in the config (sla: ./sla.yaml)',
      '`desk config set sla ./sla.yaml` names the policy file for every SLA command');
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const what = flagPath ? '--policy' : "config 'sla'";
    throw new UsageError(`cannot read the SLA policy file ${path} (${what}): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const source = flagPath ?? path;
  return { set: parsePolicyFile(text, source), text, source };
}

/** The config's policy for commands where SLA is optional (triage order, escalation): null when none is named. */
export async function optionalPolicy(ctx: Ctx): Promise<SlaPolicySet | null> {
  return (await ctx.config()).sla ? loadPolicy(ctx, undefined) : null;
}

export { agentTimeZone } from '../time-zone.js';
