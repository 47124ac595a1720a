// The config's `hooks:` as the store and the runner need them: the destinations writes record
// deliveries for (HookTarget), and, at delivery, the destination a stored delivery goes to now
// (its time limit and signing key). A delivery is matched to the config by where it goes (the
// command or the URL), so renaming or reordering hooks loses nothing.
import { resolveSecret, type Config, type HookConfig } from '../../config.js';
import { UsageError } from '../../errors.js';
import type { HookEventName, HookKind, HookTarget } from '../../domain/hooks.js';
import type { HookDestination, ResolveDestination } from '../../mail/hook-delivery.js';
import { hookTimeoutMs } from '../../mail/timeouts.js';

const nameOf = (h: HookConfig, i: number) => h.name ?? `hooks.${i}`;

/** Every destination of the config's hooks, each with the events it wants. */
export function hookTargets(config: Config): HookTarget[] {
  const out: HookTarget[] = [];
  (config.hooks ?? []).forEach((h, i) => {
    const on = h.on === '*' || h.on.includes('*') ? '*' : (h.on as HookEventName[]);
    if (h.command) out.push({ hook: nameOf(h, i), kind: 'command', target: h.command, on });
    if (h.url) out.push({ hook: nameOf(h, i), kind: 'url', target: h.url, on });
  });
  return out;
}

/** The signing key: $secretEnv, or the first line secretCommand prints (run once per process). */
const secrets = new Map<string, string | undefined>();
function secretOf(h: HookConfig, i: number): string | undefined {
  if (h.secretEnv) {
    const v = process.env[h.secretEnv];
    if (v === undefined) throw new UsageError(`the environment variable ${h.secretEnv} (hooks.${i}.secretEnv) is not set`);
    return v;
  }
  if (!h.secretCommand) return undefined;
  if (!secrets.has(h.secretCommand)) secrets.set(h.secretCommand, resolveSecret({ passwordCommand: h.secretCommand }, `hooks.${i}.secretCommand`));
  return secrets.get(h.secretCommand);
}

function destinationOf(h: HookConfig, i: number, kind: HookKind): HookDestination {
  const target = kind === 'url' ? h.url! : h.command!;
  const timeoutMs = hookTimeoutMs(h.timeoutSeconds, `hooks.${i}.timeoutSeconds`);
  const secret = kind === 'url' ? secretOf(h, i) : undefined;
  return { hook: nameOf(h, i), kind, target, timeoutMs, ...(secret !== undefined ? { secret } : {}) };
}

/** Finds a delivery's destination in the config (the first hook that goes there). */
export function resolverOf(config: Config): ResolveDestination {
  return (kind, target) => {
    const hooks = config.hooks ?? [];
    const i = hooks.findIndex((h) => (kind === 'url' ? h.url : h.command) === target);
    return i < 0 ? null : destinationOf(hooks[i]!, i, kind);
  };
}

/** The destinations that want this event, ready to send to (for `desk hooks test`). */
export function destinationsFor(config: Config, event: HookEventName): HookDestination[] {
  const out: HookDestination[] = [];
  (config.hooks ?? []).forEach((h, i) => {
    if (h.on !== '*' && !h.on.includes('*') && !h.on.includes(event)) return;
    if (h.command) out.push(destinationOf(h, i, 'command'));
    if (h.url) out.push(destinationOf(h, i, 'url'));
  });
  return out;
}
