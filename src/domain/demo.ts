// A demo desk that looks real: customers writing in several languages over the past 60 days,
// mostly in office hours, every status, priority and tier, notes, escalations; answers and
// solutions mostly inside the starter policy's targets and some late, conversations of one to
// three rounds, a few tickets waiting right now (clocks at risk) and customers who wrote twice
// about the same thing (tickets a team would merge).
// Deterministic for a given `now` and seed, so screenshots and tests are reproducible.
import { isoSeconds } from './types.js';

export const DEMO_AGENTS = [
  { name: 'ana', email: 'ana@desk.example', tier: 'L1', display_name: 'Ana Costa' },
  { name: 'ben', email: 'ben@desk.example', tier: 'L1', display_name: 'Ben Walker' },
  { name: 'carla', email: 'carla@desk.example', tier: 'L1', display_name: 'Carla Romero' },
  { name: 'chen', email: 'chen@desk.example', tier: 'L2', display_name: 'Chen Wei' },
  { name: 'dara', email: 'dara@desk.example', tier: 'L3', display_name: 'Dara Okafor' },
];

interface Topic {
  subject: string;
  body: string;
  queue: string;
  tags: string[];
}

const TOPICS: Record<string, Topic[]> = {
  en: [
    { subject: 'Export fails with error 500', body: 'Hello,\n\nevery time I export the monthly report I get "Internal Server Error". It worked last week.\n\nThanks,\n{first}', queue: 'tech', tags: ['export', 'api'] },
    { subject: 'Cannot reset my password', body: 'Hi, the reset link in your e-mail says it has expired, but I clicked it right away. Can you help?\n{first}', queue: 'accounts', tags: ['login'] },
    { subject: 'Invoice shows the wrong VAT number', body: 'Our invoice INV-2291 has our old VAT number. We need a corrected copy for our accountant.\n\nRegards,\n{name}', queue: 'billing', tags: ['invoice'] },
    { subject: 'Feature request: dark mode', body: 'Love the product! Any plans for a dark mode? My eyes would thank you.\n{first}', queue: 'product', tags: ['feature-request'] },
    { subject: 'API rate limit too low for our sync job', body: 'We hit 429 responses after 100 requests/minute. Our nightly sync needs about 300. Is there a higher plan?\n\n{name}\nCTO', queue: 'tech', tags: ['api'] },
    { subject: 'URGENT: checkout page down for our customers', body: 'Our customers see a blank page at checkout since 09:10. We are losing orders. Please call me.\n{name}', queue: 'tech', tags: ['outage'] },
  ],
  de: [
    { subject: 'Rechnung doppelt abgebucht', body: 'Guten Tag,\n\nim März wurde unser Abo zweimal abgebucht. Bitte erstatten Sie den doppelten Betrag.\n\nMit freundlichen Grüßen\n{name}', queue: 'billing', tags: ['refund'] },
    { subject: 'Synchronisierung hängt bei 99 %', body: 'Hallo,\ndie Synchronisierung bleibt seit gestern bei 99 % stehen. Neustart hilft nicht.\nGrüße, {first}', queue: 'tech', tags: ['sync'] },
    { subject: 'Zugang für neue Kollegin', body: 'Hallo, wie kann ich für unsere neue Kollegin einen Zugang anlegen? Danke! {first}', queue: 'accounts', tags: ['onboarding'] },
  ],
  pt: [
    { subject: 'Não consigo acessar minha conta', body: 'Olá,\n\ndesde ontem recebo "senha inválida", mas não mudei nada. Podem verificar?\n\nObrigado,\n{name}', queue: 'accounts', tags: ['login'] },
    { subject: 'Exportação em CSV com acentos quebrados', body: 'Bom dia! Ao exportar em CSV, "João" aparece como "JoÃ£o". Como resolvo?\n{first}', queue: 'tech', tags: ['export', 'encoding'] },
  ],
  es: [
    { subject: 'Factura con importe incorrecto', body: 'Hola,\nla factura de este mes cobra 12 licencias, pero solo tenemos 10. ¿Pueden corregirla?\nSaludos, {name}', queue: 'billing', tags: ['invoice'] },
    { subject: 'La aplicación se cierra al adjuntar archivos', body: 'Buenas, cada vez que adjunto un PDF la aplicación se cierra. Uso la versión 4.2 en Windows.\n{first}', queue: 'tech', tags: ['bug', 'attachments'] },
  ],
  fr: [
    { subject: 'Problème de connexion depuis la mise à jour', body: 'Bonjour,\n\ndepuis la mise à jour d’hier, impossible de me connecter : « session expirée ». Merci de votre aide.\n\nCordialement,\n{name}', queue: 'accounts', tags: ['login', 'regression'] },
    { subject: 'Demande de remboursement', body: 'Bonjour, nous avons résilié le 2 du mois mais avons été prélevés. Pouvez-vous rembourser ?\n{first}', queue: 'billing', tags: ['refund'] },
  ],
  ja: [
    { subject: 'ログインできません', body: 'お世話になっております。\n昨日からログインできなくなりました。パスワードは変更していません。\nご確認をお願いいたします。\n{name}', queue: 'accounts', tags: ['login'] },
    { subject: '請求書の宛名変更について', body: '請求書の宛名を「株式会社サンプル」に変更していただけますか。\n{name}', queue: 'billing', tags: ['invoice'] },
  ],
};

const PEOPLE: Record<string, [string, string][]> = {
  en: [['Olivia Bennett', 'olivia@brightlabs.example'], ['Marcus Reed', 'marcus.reed@northwind.example'], ['Priya Natarajan', 'priya@quanta.example'], ['Tom Hughes', 'tom@hughesbikes.example'], ['Grace Kim', 'grace.kim@lumen.example']],
  de: [['Jürgen Müller', 'j.mueller@werkstatt.example'], ['Anna Schäfer', 'anna.schaefer@kanzlei.example'], ['Lukas Weiß', 'lukas@weiss-it.example']],
  pt: [['João Silva', 'joao@padaria.example'], ['Mariana Costa', 'mariana.costa@escola.example']],
  es: [['Lucía Fernández', 'lucia@tallerfdz.example'], ['Diego Ramírez', 'diego.ramirez@clinica.example']],
  fr: [['Élodie Martin', 'elodie.martin@atelier.example'], ['François Dubois', 'f.dubois@cabinet.example']],
  ja: [['田中 花子', 'hanako.tanaka@sample.example'], ['佐藤 健', 'ken.sato@shoten.example']],
};

const REPLIES: Record<string, string> = {
  en: 'Hi {first},\n\nthanks for reaching out. We are looking into this and will get back to you shortly.\n\nBest,\n{agent}',
  de: 'Hallo {first},\n\ndanke für Ihre Nachricht. Wir sehen uns das an und melden uns in Kürze.\n\nViele Grüße\n{agent}',
  pt: 'Olá {first},\n\nobrigado pelo contato. Estamos verificando e retornaremos em breve.\n\nAbraço,\n{agent}',
  es: 'Hola {first},\n\ngracias por escribirnos. Lo estamos revisando y te responderemos pronto.\n\nSaludos,\n{agent}',
  fr: 'Bonjour {first},\n\nmerci pour votre message. Nous regardons cela et revenons vers vous rapidement.\n\nCordialement,\n{agent}',
  ja: '{name} 様\n\nお問い合わせありがとうございます。確認のうえ、改めてご連絡いたします。\n\n{agent}',
};

const ANSWERS: ((v: Record<string, string>) => string)[] = [
  (v) => `Hi ${v.first},\n\nthanks for the details. We found the cause and deployed a fix; could you try again?\n\nBest regards,\n${v.agent}`,
  (v) => `Hi ${v.first},\n\nwe changed the setting on our side. It should work now; let us know if not.\n\nBest regards,\n${v.agent}`,
  (v) => `Hi ${v.first},\n\nsorry for the trouble. The corrected document is attached to your account now.\n\nBest regards,\n${v.agent}`,
];
const FOLLOW_UPS = ['Any news on this?', 'Still happening today, I attached a screenshot.', 'Thanks, that worked!', 'Could you give me an update please?'];
const NOTES = ['Customer on legacy plan — check contract before refund.', 'Reproduced on staging, see bug tracker.', 'Called the customer, waiting for logs.', 'VIP account: keep the lead informed.'];

/** Small deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const fill = (s: string, v: Record<string, string>) => s.replace(/\{(\w+)\}/g, (_, k) => v[k] ?? '');

const H = 3_600_000;
const MIN = 60_000;

/** Business hours of the demo team, in UTC (09:00–17:00 in Berlin in winter), Monday to Friday. */
const OPEN_H = 8, CLOSE_H = 16;

function isBusiness(t: number): boolean {
  const d = new Date(t);
  const wd = d.getUTCDay(), h = d.getUTCHours();
  return wd >= 1 && wd <= 5 && h >= OPEN_H && h < CLOSE_H;
}

/** The instant `ms` of business time after `from` (the demo's approximation of the policy calendar). */
function addBusiness(from: number, ms: number): number {
  let t = from;
  let left = ms;
  for (let guard = 0; left > 0 && guard < 1000; guard++) {
    if (!isBusiness(t)) {
      // to the next opening
      const d = new Date(t);
      d.setUTCMinutes(0, 0, 0);
      if (d.getUTCHours() >= CLOSE_H || d.getTime() < t) d.setUTCHours(d.getUTCHours() + 1);
      while (!isBusiness(d.getTime())) d.setUTCHours(d.getUTCHours() + 1);
      t = d.getTime();
      continue;
    }
    const close = new Date(t);
    close.setUTCHours(CLOSE_H, 0, 0, 0);
    const step = Math.min(left, close.getTime() - t);
    t += step;
    left -= step;
  }
  return t;
}

/** The demo policy's targets (templates/sla.example.yaml), in hours; `clock` 24x7 or business. */
function targets(priority: string, queue: string): { first: number; next: number; resolution: number; allDay: boolean } {
  if (priority === 'urgent') return { first: 1, next: 2, resolution: 8, allDay: true };
  if (priority === 'high') return { first: 2, next: 4, resolution: 16, allDay: false };
  if (queue === 'billing') return { first: 4, next: 8, resolution: 24, allDay: false };
  return { first: 8, next: 8, resolution: 40, allDay: false };
}

/** Interchange objects (docs/interchange.md) for a demo desk, newest ids last. */
export function demoTickets(now: Date, count = 240, seed = 42): Record<string, unknown>[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const between = (a: number, b: number) => a + rnd() * (b - a);
  const langs = ['en', 'en', 'en', 'de', 'de', 'pt', 'es', 'fr', 'ja'];
  const nowMs = now.getTime();
  const last = nowMs - MIN; // nothing in the demo happens in the future, nor in the very last minute

  // Mail arrives mostly in office hours on weekdays; some at night and at weekends.
  const starts: number[] = [];
  while (starts.length < count - 12) {
    const t = nowMs - Math.floor(rnd() * 60 * 24 * 60) * MIN;
    if (isBusiness(t) || rnd() < 0.15) starts.push(t);
  }
  // The last hours: a few tickets nobody has answered yet, so some clocks are at risk right now.
  for (const minutes of [25, 40, 55, 70, 95, 130, 170, 230, 300, 420, 600, 780]) starts.push(nowMs - minutes * MIN - Math.floor(rnd() * 5) * MIN);
  starts.sort((a, b) => a - b);

  interface Draft { created: number; lang: string; topic: Topic; person: [string, string]; fresh: boolean }
  const drafts: Draft[] = starts.map((created) => {
    const lang = pick(langs);
    return { created, lang, topic: pick(TOPICS[lang]!), person: pick(PEOPLE[lang]!), fresh: nowMs - created < 14 * H };
  });
  // Customers who wrote twice about the same thing (no answer yet, or from another address of
  // theirs, or forgot the first): tickets a team would merge.
  for (let k = 0; k < 8; k++) {
    const i = 20 + Math.floor(rnd() * (drafts.length - 40));
    const orig = drafts[i]!;
    drafts[i + 1] = { ...orig, created: orig.created + Math.floor(between(20, 180)) * MIN, fresh: false };
  }
  drafts.sort((a, b) => a.created - b.created);
  const seen = new Map<string, number>();

  const out: Record<string, unknown>[] = [];
  drafts.forEach((d, i) => {
    const { topic, lang } = d;
    const [name, email] = d.person;
    const first = name.split(' ')[0]!;
    const created = d.created;
    const key = `${email}|${topic.subject}`;
    const duplicateOf = seen.get(key);
    seen.set(key, i + 1);
    const isDuplicate = duplicateOf !== undefined && created - Date.parse(String(out[duplicateOf - 1]!.created_at)) < 6 * H;
    const priority = topic.tags.includes('outage') || nowMs - created < 100 * MIN ? 'urgent'
      : d.fresh && i % 3 === 0 ? pick(['urgent', 'high'] as const)
      : pick(['low', 'normal', 'normal', 'normal', 'normal', 'high', 'high', 'urgent'] as const);
    const tierRoll = rnd();
    const tier = tierRoll < 0.75 ? 'L1' : tierRoll < 0.93 ? 'L2' : 'L3';
    const agent = pick(DEMO_AGENTS.filter((a) => a.tier === tier));
    const target = targets(priority, topic.queue);
    const later = (from: number, hours: number) => (target.allDay ? from + hours * H : addBusiness(from, hours * H));
    const vars = { first, name, agent: agent.display_name };
    const domain = email.split('@')[1];
    const mid = (k: string) => `<demo.${i + 1}.${k}@${k.startsWith('in') ? domain : 'desk.example'}>`;
    const subjectRe = `Re: ${topic.subject} [#${i + 1}]`;
    const messages: Record<string, unknown>[] = [{
      message_id: mid('in0'), direction: 'in', from: email, from_name: name, to: ['support@desk.example'], date: isoSeconds(created),
      subject: isDuplicate ? pick([topic.subject, `Fwd: ${topic.subject}`, `${topic.subject} (second try)`]) : topic.subject,
      text: isDuplicate ? `Sending this again, I am not sure the first mail arrived.\n\n${fill(topic.body, vars)}` : fill(topic.body, vars),
    }];
    const events: Record<string, unknown>[] = [];
    const at = (t: number) => isoSeconds(t);

    // The first answer: mostly well inside the target, sometimes late; the freshest wait still.
    const fresh = nowMs - created < 2 * H && !target.allDay ? rnd() < 0.8 : nowMs - created < 60 * MIN;
    const assignAt = later(created, between(0.05, 0.4) * target.first);
    const firstReply = later(created, target.first * (rnd() < 0.93 ? between(0.08, 0.7) : between(1.05, 2.2)));
    let status: string = 'new';
    let assignee: string | null = null;
    if (!fresh && assignAt < last) {
      assignee = agent.name;
      status = 'open';
      events.push({ at: at(assignAt), actor: agent.name, type: 'assign', from: null, to: agent.name });
    }
    if (priority !== 'normal' && rnd() < 0.5) events.push({ at: at(created + MIN), actor: 'rules', type: 'priority', from: 'normal', to: priority, reason: 'rule:keywords' });
    if (tier !== 'L1' && assignee) events.push({ at: at(Math.min(assignAt + 2 * MIN, last)), actor: 'ana', type: 'escalate', from: 'L1', to: tier, reason: tier === 'L3' ? 'needs a code change' : 'needs database access' });
    let lastOut: number | null = null;
    let lastIn = created;
    // A duplicate waits: the team will notice it and merge it into the first ticket.
    if (!fresh && assignee && firstReply < last && !isDuplicate) {
      messages.push({ message_id: mid('out1'), in_reply_to: mid('in0'), references: [mid('in0')], direction: 'out', from: 'support@desk.example', to: [email], date: at(firstReply), subject: subjectRe, text: fill(REPLIES[lang]!, vars), author: agent.name });
      lastOut = firstReply;
      // About a third of the conversations take another round or two.
      for (let round = 2; round <= 3 && rnd() < (round === 2 ? 0.38 : 0.3); round++) {
        // Waiting for the customer pauses the clocks (pending); their answer opens the ticket again.
        const asked = lastOut + (target.allDay ? between(0.3, 3) : between(1, 20)) * H;
        if (asked >= last) break;
        events.push({ at: at(lastOut + MIN), actor: agent.name, type: 'status', from: 'open', to: 'pending' });
        events.push({ at: at(asked), actor: 'desk', type: 'status', from: 'pending', to: 'open' });
        messages.push({ message_id: mid(`in${round}`), in_reply_to: mid(`out${round - 1}`), references: [mid('in0'), mid(`out${round - 1}`)], direction: 'in', from: email, from_name: name, to: ['support@desk.example'], date: at(asked), subject: subjectRe, text: pick(FOLLOW_UPS) });
        lastIn = asked;
        const answered = later(asked, target.next * (rnd() < 0.92 ? between(0.1, 0.8) : between(1.05, 1.8)));
        if (answered >= last) break;
        messages.push({ message_id: mid(`out${round}`), in_reply_to: mid(`in${round}`), references: [mid('in0'), mid(`in${round}`)], direction: 'out', from: 'support@desk.example', to: [email], date: at(answered), subject: subjectRe, text: pick(ANSWERS)(vars), author: agent.name });
        lastOut = answered;
      }
      // Solved once the work is done: mostly within the resolution target.
      const solveAt = Math.max(lastOut + 10 * MIN, later(created, target.resolution * (rnd() < 0.9 ? between(0.15, 0.9) : between(1.05, 2))));
      const waitingOnCustomer = lastOut > lastIn;
      if (solveAt < last && lastIn <= lastOut) {
        events.push({ at: at(solveAt), actor: agent.name, type: 'status', from: 'open', to: 'solved' });
        status = 'solved';
        if (last - solveAt > 4 * 24 * H) {
          events.push({ at: at(solveAt + 4 * 24 * H), actor: 'desk', type: 'status', from: 'solved', to: 'closed' });
          status = 'closed';
        }
      } else if (waitingOnCustomer && rnd() < 0.6) {
        const paused = Math.min(lastOut + MIN, last);
        events.push({ at: at(paused), actor: agent.name, type: 'status', from: 'open', to: rnd() < 0.8 ? 'pending' : 'on_hold' });
        status = String(events.at(-1)!.to);
      }
    }
    if (rnd() < 0.25 && assignee) events.push({ at: at(Math.min(assignAt + 5 * MIN, last)), actor: agent.name, type: 'note', text: pick(NOTES) });
    out.push({
      id: i + 1,
      subject: topic.subject,
      status,
      priority,
      tier,
      queue: topic.queue,
      assignee,
      tags: topic.tags,
      requester: { email, name },
      created_at: isoSeconds(created),
      messages: messages.sort((a, b) => String(a.date).localeCompare(String(b.date))),
      events: events.sort((a, b) => String(a.at).localeCompare(String(b.at))),
    });
  });
  return out;
}
