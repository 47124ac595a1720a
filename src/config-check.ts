// The config's settings checked when it is read (and before `config set` writes one): a wrong
// type or an impossible value is refused up front with the setting's name (exit 2), instead of
// a command failing half-way with a JavaScript error. Presence is left to the commands that need
// a setting (sync needs accounts, reply needs smtp).
import { identifierProblem } from './domain/identifiers.js';
import { isValidTimeZone } from './domain/rules/time-of-day.js';
import { normalisePattern, parseSpamHeader, SPAM_POLICIES } from './domain/spam.js';
import { HOOK_EVENTS, isHookEvent } from './domain/hooks.js';
import { signatureProblem } from './domain/canned/signature.js';
import { csatProblems } from './domain/csat/settings.js';

export interface ConfigProblem {
  /** the setting, as `config get` names it: smtp.port, accounts.0.queue */
  key: string;
  problem: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPort = (v: unknown) => Number.isInteger(v) && (v as number) > 0 && (v as number) < 65536;

/** Every problem of the settings, in file order; empty when they are fine. */
export function configProblems(data: Obj): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const bad = (key: string, problem: string) => void problems.push({ key, problem });
  const text = (o: Obj, key: string, at: string) => {
    if (o[key] !== undefined && typeof o[key] !== 'string') bad(at, 'must be text');
  };

  for (const key of ['db', 'sla', 'rules', 'templates']) if (data[key] !== undefined && typeof data[key] !== 'string') bad(key, 'must be a text path');
  if (data.agent !== undefined) {
    if (typeof data.agent !== 'string' || !data.agent.trim()) bad('agent', 'must be an agent name');
    else { const p = identifierProblem('agent name', data.agent); if (p) bad('agent', p); }
  }
  if (data.tiers !== undefined) {
    const tiers = data.tiers;
    if (!Array.isArray(tiers) || !tiers.length || tiers.some((t) => typeof t !== 'string' || !t.trim())) {
      bad('tiers', 'must be a list of tier names, lowest first, like [L1, L2, L3]');
    } else {
      for (const t of tiers as string[]) { const p = identifierProblem('tier', t); if (p) bad('tiers', p); }
      const dup = (tiers as string[]).find((t, i) => tiers.indexOf(t) !== i);
      if (dup !== undefined) bad('tiers', `names '${dup}' twice`);
    }
  }
  if (data.timezone !== undefined && (typeof data.timezone !== 'string' || !isValidTimeZone(data.timezone))) {
    bad('timezone', 'must be an IANA time zone name such as Europe/Berlin');
  }
  if (data.accounts !== undefined) {
    if (!Array.isArray(data.accounts)) bad('accounts', 'must be a list');
    else data.accounts.forEach((a: unknown, i) => {
      const at = `accounts.${i}`;
      if (!isObj(a)) return bad(at, 'must be a mapping (name, host, user, …)');
      for (const key of ['name', 'host', 'user', 'mailbox', 'address', 'queue', 'sentMailbox', 'passwordCommand', 'passwordEnv', 'signature']) text(a, key, `${at}.${key}`);
      if (typeof a.signature === 'string') { const p = signatureProblem(a.signature); if (p) bad(`${at}.signature`, p); }
      if (typeof a.name === 'string') { const p = identifierProblem('account name', a.name); if (p) bad(`${at}.name`, p); }
      if (typeof a.queue === 'string') { const p = identifierProblem('queue', a.queue); if (p) bad(`${at}.queue`, p); }
      if (a.port !== undefined && !isPort(a.port)) bad(`${at}.port`, 'must be a port number (1-65535)');
      if (a.secure !== undefined && typeof a.secure !== 'boolean') bad(`${at}.secure`, 'must be true or false');
    });
  }
  if (data.smtp !== undefined) {
    const s = data.smtp;
    if (!isObj(s)) bad('smtp', 'must be a mapping (host, port, …)');
    else {
      for (const key of ['host', 'user', 'from', 'passwordCommand', 'passwordEnv']) text(s, key, `smtp.${key}`);
      if (s.port !== undefined && !isPort(s.port)) bad('smtp.port', 'must be a port number (1-65535)');
      if (s.secure !== undefined && typeof s.secure !== 'boolean') bad('smtp.secure', 'must be true or false');
      if (s.timeoutSeconds !== undefined && !(typeof s.timeoutSeconds === 'number' && s.timeoutSeconds > 0 && s.timeoutSeconds <= 86400)) {
        bad('smtp.timeoutSeconds', 'must be a number of seconds (more than 0, at most a day)');
      }
    }
  }
  if (data.queues !== undefined) {
    if (!isObj(data.queues)) bad('queues', 'must be a mapping of queue names to their settings (signature)');
    else for (const [name, q] of Object.entries(data.queues)) {
      const at = `queues.${name}`;
      const p = identifierProblem('queue', name);
      if (p) bad(at, p);
      if (!isObj(q)) { bad(at, 'must be a mapping (signature)'); continue; }
      text(q, 'signature', `${at}.signature`);
      if (typeof q.signature === 'string') { const sp = signatureProblem(q.signature); if (sp) bad(`${at}.signature`, sp); }
    }
  }
  if (data.autoAck !== undefined) {
    const a = data.autoAck;
    if (!isObj(a)) bad('autoAck', "must be a mapping with 'canned: NAME'");
    else {
      text(a, 'canned', 'autoAck.canned');
      const h = a.perSenderPerHours;
      if (h !== undefined && !(typeof h === 'number' && h >= 0 && h <= 8760)) bad('autoAck.perSenderPerHours', 'must be a number of hours (0 to 8760)');
      const k = a.kbArticles;
      if (k !== undefined && !(Number.isInteger(k) && (k as number) >= 0 && (k as number) <= 10)) bad('autoAck.kbArticles', 'must be a whole number of articles (0 to 10)');
    }
  }
  if (data.kb !== undefined) {
    const kb = data.kb;
    if (!isObj(kb)) bad('kb', 'must be a mapping (baseUrl)');
    else {
      const u = kb.baseUrl;
      if (u !== undefined && !(typeof u === 'string' && /^https?:\/\/[^\s/]+/i.test(u) && !/[\s<>"]/.test(u))) bad('kb.baseUrl', 'must be the http(s) address the site is published at, like https://help.example.com');
      for (const key of Object.keys(kb)) if (key !== 'baseUrl') bad(`kb.${key}`, 'is not a setting (baseUrl)');
    }
  }
  if (data.bulk !== undefined) {
    const b = data.bulk;
    if (!isObj(b)) bad('bulk', "must be a mapping with 'confirmAbove: N'");
    else {
      const c = b.confirmAbove;
      if (c !== undefined && !(typeof c === 'number' && Number.isInteger(c) && c >= 0)) bad('bulk.confirmAbove', 'must be a whole number of tickets (0 or more)');
      for (const k of Object.keys(b)) if (k !== 'confirmAbove') bad(`bulk.${k}`, 'is not a setting (confirmAbove)');
    }
  }
  if (data.spam !== undefined) {
    const sp = data.spam;
    if (!isObj(sp)) bad('spam', 'must be a mapping (block, allow, header, authResults)');
    else {
      for (const list of ['block', 'allow']) {
        const v = sp[list];
        if (v === undefined) continue;
        if (!Array.isArray(v)) { bad(`spam.${list}`, 'must be a list of addresses (name@example.com) and domains (@example.com)'); continue; }
        v.forEach((p: unknown, i) => {
          if (typeof p !== 'string') return bad(`spam.${list}.${i}`, 'must be an address (name@example.com) or a domain (@example.com)');
          const n = normalisePattern(p);
          if ('problem' in n) bad(`spam.${list}.${i}`, n.problem);
        });
      }
      if (sp.header !== undefined && (typeof sp.header !== 'string' || !parseSpamHeader(sp.header))) {
        bad('spam.header', "must be a header and the value that means spam, like 'X-Spam-Flag: YES'");
      }
      if (sp.authResults !== undefined) {
        const a = sp.authResults;
        if (!isObj(a)) bad('spam.authResults', 'must be a mapping (spfFail, dkimFail, dmarcFail)');
        else for (const [k, v] of Object.entries(a)) {
          if (!['spfFail', 'dkimFail', 'dmarcFail'].includes(k)) bad(`spam.authResults.${k}`, 'is not a setting (spfFail, dkimFail, dmarcFail)');
          else if (!(SPAM_POLICIES as readonly unknown[]).includes(v)) bad(`spam.authResults.${k}`, `must be one of ${SPAM_POLICIES.join(', ')}`);
        }
      }
      for (const k of Object.keys(sp)) if (!['block', 'allow', 'header', 'authResults'].includes(k)) bad(`spam.${k}`, 'is not a setting (block, allow, header, authResults)');
    }
  }
  if (data.hooks !== undefined) hookProblems(data.hooks, bad);
  if (data.csat !== undefined) for (const [key, problem] of csatProblems(data.csat)) bad(key, problem);
  return problems;
}

const isSeconds = (v: unknown) => typeof v === 'number' && v > 0 && v <= 3600;

/** `hooks:` — a list of { on, command and/or url, secret or secretEnv, timeoutSeconds, name }. */
function hookProblems(hooks: unknown, bad: (key: string, problem: string) => void): void {
  if (!Array.isArray(hooks)) return bad('hooks', 'must be a list of hooks (on: [events], command: … and/or url: …)');
  const names = new Set<string>();
  hooks.forEach((h: unknown, i) => {
    const at = `hooks.${i}`;
    if (!isObj(h)) return bad(at, 'must be a mapping (on, command and/or url)');
    for (const key of Object.keys(h)) {
      if (!['name', 'on', 'command', 'url', 'secret', 'secretEnv', 'secretCommand', 'timeoutSeconds'].includes(key)) bad(`${at}.${key}`, 'is not a hook setting (name, on, command, url, secretEnv, secretCommand, timeoutSeconds)');
    }
    if (h.name !== undefined) {
      if (typeof h.name !== 'string' || !h.name.trim()) bad(`${at}.name`, 'must be text');
      else if (names.has(h.name)) bad(`${at}.name`, `names '${h.name}' twice`);
      else names.add(h.name);
    }
    const on = h.on;
    if (on === undefined) bad(`${at}.on`, `is missing: the events it runs on, a list of ${HOOK_EVENTS.join(', ')}, or '*'`);
    else if (on !== '*') {
      if (!Array.isArray(on) || !on.length) bad(`${at}.on`, `must be a list of events (${HOOK_EVENTS.join(', ')}) or '*'`);
      else for (const e of on) if (e !== '*' && !isHookEvent(e)) bad(`${at}.on`, `names an unknown event '${String(e)}' (known: ${HOOK_EVENTS.join(', ')})`);
    }
    for (const key of ['name', 'command', 'url', 'secretEnv', 'secretCommand']) {
      if (typeof h[key] === 'string' && (h[key] as string).includes('\u0000')) bad(`${at}.${key}`, 'must not contain a NUL character');
    }
    if (h.command === undefined && h.url === undefined) bad(at, 'needs a command or a url (or both)');
    if (h.command !== undefined && (typeof h.command !== 'string' || !h.command.trim())) bad(`${at}.command`, 'must be a shell command');
    if (h.url !== undefined && !(typeof h.url === 'string' && isHttpUrl(h.url))) bad(`${at}.url`, 'must be an http:// or https:// URL');
    if (h.secret !== undefined) bad(`${at}.secret`, 'is not kept in the config (desk never stores secrets there): give secretEnv (an environment variable) or secretCommand (a command that prints it)');
    if (h.secretEnv !== undefined && (typeof h.secretEnv !== 'string' || !h.secretEnv)) bad(`${at}.secretEnv`, 'must be the name of an environment variable');
    if (h.secretCommand !== undefined && (typeof h.secretCommand !== 'string' || !h.secretCommand.trim())) bad(`${at}.secretCommand`, 'must be a shell command');
    if (h.secretEnv !== undefined && h.secretCommand !== undefined) bad(`${at}.secretCommand`, 'give secretEnv or secretCommand, not both');
    if ((h.secretEnv !== undefined || h.secretCommand !== undefined) && h.url === undefined) bad(`${at}.${h.secretEnv !== undefined ? 'secretEnv' : 'secretCommand'}`, 'signs POSTs: it needs a url');
    if (h.timeoutSeconds !== undefined && !isSeconds(h.timeoutSeconds)) bad(`${at}.timeoutSeconds`, 'must be a number of seconds (more than 0, at most 3600)');
  });
}

function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return (u.protocol === 'http:' || u.protocol === 'https:') && !!u.hostname;
  } catch {
    return false;
  }
}
