// The config's settings checked when it is read (and before `config set` writes one): a wrong
// type or an impossible value is refused up front with the setting's name (exit 2), instead of
// a command failing half-way with a JavaScript error. Presence is left to the commands that need
// a setting (sync needs accounts, reply needs smtp).
import { identifierProblem } from './domain/identifiers.js';
import { isValidTimeZone } from './domain/rules/time-of-day.js';
import { normalisePattern, parseSpamHeader, SPAM_POLICIES } from './domain/spam.js';
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
      for (const key of ['name', 'host', 'user', 'mailbox', 'address', 'queue', 'sentMailbox', 'passwordCommand', 'passwordEnv']) text(a, key, `${at}.${key}`);
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
  if (data.autoAck !== undefined) {
    const a = data.autoAck;
    if (!isObj(a)) bad('autoAck', "must be a mapping with 'canned: NAME'");
    else {
      text(a, 'canned', 'autoAck.canned');
      const h = a.perSenderPerHours;
      if (h !== undefined && !(typeof h === 'number' && h >= 0 && h <= 8760)) bad('autoAck.perSenderPerHours', 'must be a number of hours (0 to 8760)');
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
  if (data.csat !== undefined) for (const [key, problem] of csatProblems(data.csat)) bad(key, problem);
  return problems;
}
