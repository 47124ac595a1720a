// Configuration (docs/cli.md, Configuration): JSON or YAML at DESK_CONFIG or
// ~/.config/desk/config.(yaml|json). Paths in it are relative to the file; `~` is the home dir.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { execSync } from 'node:child_process';
import { RemoteError, UsageError } from './errors.js';
import { configProblems, type ConfigProblem } from './config-check.js';
import { parseFlatYaml } from './domain/flat-yaml.js';
import { configPath, defaultDbPath } from './paths.js';

export { configPath, defaultDbPath };

export interface SecretSource {
  passwordCommand?: string;
  passwordEnv?: string;
}

export interface AccountConfig extends SecretSource {
  name: string;
  host: string;
  port?: number;
  secure?: boolean;
  user: string;
  mailbox?: string;
  /** our address: mail from it is ours, replies go out from it */
  address?: string;
  queue?: string;
  /** where sent replies are found, to confirm a delivery before a resend */
  sentMailbox?: string;
  /**
   * believe mail from our address when our receiving server's Authentication-Results (this
   * authserv-id, the topmost such header) shows DKIM or DMARC pass for its domain
   */
  trustAuthResults?: { authservId: string };
  /** give up on each step of an IMAP conversation after this long (connect, greeting, each command) */
  timeoutSeconds?: number;
  /** signs replies to this mailbox's tickets, below the agent's signature (Liquid variables) */
  signature?: string;
}

/** Settings of one queue (config `queues.<name>`). */
export interface QueueConfig {
  /** signs replies to the queue's tickets, below the agent's signature (Liquid variables) */
  signature?: string;
}

export interface SmtpConfig extends SecretSource {
  host: string;
  port?: number;
  secure?: boolean;
  user?: string;
  from?: string;
  /** give up on each step of an SMTP conversation after this long (the reply stays queued) */
  timeoutSeconds?: number;
}

export interface AutoAckConfig {
  /** the canned reply sent to acknowledge a new ticket */
  canned: string;
  /** at most one acknowledgement per sender in this many hours (default 1) */
  perSenderPerHours?: number;
  /** add the links of this many most relevant public knowledge-base articles (needs kb.baseUrl) */
  kbArticles?: number;
}

/** Spam settings (docs/cli.md, Spam): lists, the spam flag header, authentication policies. */
export interface SpamConfig {
  /** addresses (name@example.com) and domains (@example.com, with subdomains) whose mail is spam */
  block?: string[];
  /** …whose mail is never spam by list or flag (allow beats block) */
  allow?: string[];
  /** the spam flag header and its value, "X-Spam-Flag: YES" */
  header?: string;
  /** what a failed check in our receiving server's Authentication-Results means (accounts[].trustAuthResults) */
  authResults?: { spfFail?: 'spam' | 'mark' | 'ignore'; dkimFail?: 'spam' | 'mark' | 'ignore'; dmarcFail?: 'spam' | 'mark' | 'ignore' };
}

/** One entry of `hooks:` (docs/cli.md, Hooks): what it listens to, and where the event goes. */
export interface HookConfig {
  /** how `desk hooks list` names it (default: hooks.N, its place in the list) */
  name?: string;
  /** event names, or '*' for every event */
  on: string[] | '*';
  /** run through the shell with the event JSON on stdin; exit 0 = delivered */
  command?: string;
  /** POST the event JSON here; a 2xx answer = delivered */
  url?: string;
  /** the HMAC key of X-Desk-Signature: the environment variable holding it… */
  secretEnv?: string;
  /** …or a command printing it (its first line), as passwordCommand */
  secretCommand?: string;
  /** give up on one delivery attempt after this long (default 10 s) */
  timeoutSeconds?: number;
}

export interface Config {
  db?: string;
  agent?: string;
  accounts?: AccountConfig[];
  smtp?: SmtpConfig;
  sla?: string;
  rules?: string;
  templates?: string;
  tiers?: string[];
  /** the agents' time zone for showing due times (IANA); default: the system's */
  timezone?: string;
  autoAck?: AutoAckConfig;
  /** per queue: its replies' signature */
  queues?: Record<string, QueueConfig>;
  /** the team's or desk's name: the title of reports */
  team?: string;
  /** the compliance goal, "95%": the target line on the report's chart */
  slaTarget?: string | number;
  spam?: SpamConfig;
  /** bulk changes: more tickets than confirmAbove (default 20) ask on a terminal, need --yes in scripts */
  bulk?: { confirmAbove?: number };
  hooks?: HookConfig[];
  /** the knowledge base: where its published site is (the links replies carry) */
  kb?: { baseUrl?: string };
  /** customer satisfaction surveys (checked by src/domain/csat/settings.ts) */
  csat?: { enabled?: boolean; delay?: string; scale?: string; question?: string; period?: string; template?: string };
  [key: string]: unknown;
}

export interface LoadedConfig {
  path: string;
  exists: boolean;
  data: Config;
}


export function expandPath(p: string, baseDir: string): string {
  if (p === '~') return homedir();
  if (p.startsWith('~/')) return join(homedir(), p.slice(2));
  if (/^[a-z]+:\/\//i.test(p)) return p; // URLs (postgres://) stay as they are
  return resolve(baseDir, p);
}

const isJson = (path: string) => path.endsWith('.json');

export async function loadConfig(path = configPath()): Promise<LoadedConfig> {
  if (!existsSync(path)) return { path, exists: false, data: {} };
  const text = readFileSync(path, 'utf8');
  let data: unknown;
  try {
    if (isJson(path)) data = JSON.parse(text);
    // A file of plain `key: value` lines needs no YAML library (start-up); any other, the library.
    else data = parseFlatYaml(text) ?? (await import('./domain/yaml.js')).parse(text);
  } catch (err) {
    throw new UsageError(`cannot read the config file ${path}: ${(err as Error).message}`);
  }
  if (data == null) data = {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new UsageError(`the config file ${path} must hold a mapping of settings`);
  const cfg = data as Config;
  const first = configProblems(cfg)[0];
  if (first) throw problemError(path, first);
  const base = dirname(path);
  for (const key of ['db', 'sla', 'rules', 'templates'] as const) {
    const v = cfg[key];
    if (typeof v === 'string') cfg[key] = expandPath(v, base);
  }
  return { path, exists: true, data: cfg };
}

function problemError(path: string, p: ConfigProblem): UsageError {
  return new UsageError(`config ${path}: '${p.key}' ${p.problem}`, `fix it with 'desk config set ${p.key} VALUE' or in the file`);
}

// ---- get / set -----------------------------------------------------------------------------

const SECRET_KEY = /(^|\.)(password|pass|secret|token)$/i;

export function getKey(data: unknown, key: string): unknown {
  let cur: unknown = data;
  for (const part of key.split('.')) {
    if (cur == null || typeof cur !== 'object') return undefined;
    cur = Array.isArray(cur) && /^\d+$/.test(part) ? cur[Number(part)] : (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Writes one setting, keeping the file's format and (for YAML) its comments. */
export async function setKey(path: string, key: string, rawValue: string): Promise<unknown> {
  if (SECRET_KEY.test(key)) {
    throw new UsageError(
      `desk never stores secrets in its config ('${key}')`,
      'use passwordCommand (a command that prints the secret) or passwordEnv (the name of an environment variable)',
    );
  }
  if (!/^[A-Za-z_][\w-]*(\.[\w-]+)*$/.test(key)) throw new UsageError(`invalid config key '${key}' (use dotted names like smtp.host)`);
  const YAML = await import('./domain/yaml.js');
  let value: unknown;
  try {
    value = YAML.parse(rawValue) ?? rawValue; // numbers, booleans and lists as users expect
  } catch {
    value = rawValue; // not YAML: the text as typed
  }
  mkdirSync(dirname(path), { recursive: true });
  const exists = existsSync(path);
  const text = exists ? readFileSync(path, 'utf8') : '';
  const parts = key.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  if (isJson(path)) {
    const data = text.trim() ? JSON.parse(text) : {};
    let cur = data;
    for (const p of parts.slice(0, -1)) cur = cur[p] ??= {};
    cur[parts[parts.length - 1]!] = value;
    refuseBadSetting(path, key, data);
    writeFileSync(path, JSON.stringify(data, null, 2) + '\n');
  } else {
    const doc = YAML.parseDocument(text);
    if (doc.errors.length) throw new UsageError(`cannot read the config file ${path}: ${doc.errors[0]!.message}`);
    if (!doc.contents) doc.contents = doc.createNode({}) as never;
    doc.setIn(parts, value);
    refuseBadSetting(path, key, doc.toJS());
    writeFileSync(path, doc.toString());
  }
  return value;
}

/** The new value is checked like a loaded config; problems of other settings are left to fix next. */
function refuseBadSetting(path: string, key: string, data: unknown): void {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return;
  const related = (k: string) => k === key || k.startsWith(`${key}.`) || key.startsWith(`${k}.`);
  const p = configProblems(data as Record<string, unknown>).find((x) => related(x.key));
  if (p) throw new UsageError(`config ${path}: '${p.key}' ${p.problem}; nothing was changed`);
}

// ---- secrets -----------------------------------------------------------------------------

/** The secret of an account or SMTP server: first line of passwordCommand's output, or $passwordEnv. */
export function resolveSecret(src: SecretSource, what: string): string | undefined {
  if (src.passwordCommand) {
    try {
      const out = execSync(src.passwordCommand, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30000 });
      return out.split(/\r?\n/)[0] ?? '';
    } catch (err) {
      throw new RemoteError(`the passwordCommand for ${what} failed: ${((err as { stderr?: string }).stderr || (err as Error).message).trim()}`);
    }
  }
  if (src.passwordEnv) {
    const v = process.env[src.passwordEnv];
    if (v === undefined) throw new UsageError(`the environment variable ${src.passwordEnv} (passwordEnv for ${what}) is not set`);
    return v;
  }
  return undefined;
}
