// A demo desk that looks real: customers writing in several languages over the past 60 days,
// every status, priority and tier, notes, replies, escalations, and some tickets overdue.
// Deterministic for a given `now` and seed, so screenshots and tests are reproducible.
import { isoSeconds } from './types.js';

export const DEMO_AGENTS = [
  { name: 'ana', email: 'ana@desk.example', tier: 'L1' },
  { name: 'ben', email: 'ben@desk.example', tier: 'L1' },
  { name: 'carla', email: 'carla@desk.example', tier: 'L1' },
  { name: 'chen', email: 'chen@desk.example', tier: 'L2' },
  { name: 'dara', email: 'dara@desk.example', tier: 'L3' },
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

/** Interchange objects (spec/interchange.md) for a demo desk, newest ids last. */
export function demoTickets(now: Date, count = 240, seed = 42): Record<string, unknown>[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const langs = ['en', 'en', 'en', 'de', 'de', 'pt', 'es', 'fr', 'ja'];
  const H = 3600_000;
  const out: Record<string, unknown>[] = [];
  const starts: number[] = [];
  for (let i = 0; i < count; i++) starts.push(now.getTime() - Math.floor(rnd() * 60 * 24) * H - Math.floor(rnd() * 3600) * 1000);
  starts.sort((a, b) => a - b);
  for (let i = 0; i < count; i++) {
    const lang = pick(langs);
    const topic = pick(TOPICS[lang]!);
    const [name, email] = pick(PEOPLE[lang]!);
    const first = name.split(' ')[0]!;
    const created = starts[i]!;
    const age = (now.getTime() - created) / H;
    const priority = topic.tags.includes('outage') ? 'urgent' : pick(['low', 'normal', 'normal', 'normal', 'high', 'high', 'urgent'] as const);
    const tierRoll = rnd();
    const tier = tierRoll < 0.72 ? 'L1' : tierRoll < 0.92 ? 'L2' : 'L3';
    const agents = DEMO_AGENTS.filter((a) => a.tier === tier);
    const agent = pick(agents);
    // Older tickets are mostly finished; recent ones are still being worked.
    const roll = rnd();
    const status =
      age > 24 * 10
        ? roll < 0.55 ? 'closed' : roll < 0.85 ? 'solved' : roll < 0.93 ? 'pending' : 'open'
        : age > 24 * 2
          ? roll < 0.2 ? 'solved' : roll < 0.4 ? 'pending' : roll < 0.5 ? 'on_hold' : 'open'
          : roll < 0.35 ? 'new' : roll < 0.8 ? 'open' : 'pending';
    // Nothing in the demo happens in the future, nor in the very last minute.
    const t = (ms: number) => isoSeconds(Math.min(created + ms, now.getTime() - 60_000));
    const vars = { first, name, agent: agent.name[0]!.toUpperCase() + agent.name.slice(1) };
    const domain = email.split('@')[1];
    const mid = (k: string) => `<demo.${i + 1}.${k}@${k === 'in0' || k.startsWith('in') ? domain : 'desk.example'}>`;
    const messages: Record<string, unknown>[] = [
      { message_id: mid('in0'), direction: 'in', from: email, from_name: name, to: ['support@desk.example'], date: t(0), subject: topic.subject, text: fill(topic.body, vars) },
    ];
    const events: Record<string, unknown>[] = [];
    // Overdue tickets: new/open and high or urgent, nobody answered yet.
    const answered = status !== 'new' && !(status === 'open' && (priority === 'urgent' || priority === 'high') && rnd() < 0.5);
    let cursor = 0;
    if (status !== 'new') {
      cursor += (0.2 + rnd() * 6) * H;
      events.push({ at: t(cursor), actor: agent.name, type: 'assign', from: null, to: agent.name });
    }
    if (priority !== 'normal' && rnd() < 0.6) events.push({ at: t(cursor + 60_000), actor: 'rules', type: 'priority', from: 'normal', to: priority, reason: 'rule:keywords' });
    if (answered) {
      // Most replies come within the priority's target; some are late, as in real life.
      const typical = { urgent: 0.6, high: 1.5, normal: 5, low: 8 }[priority];
      cursor += typical * (0.2 + rnd() * (rnd() < 0.8 ? 1 : 3)) * H;
      messages.push({ message_id: mid('out1'), in_reply_to: mid('in0'), references: [mid('in0')], direction: 'out', from: 'support@desk.example', to: [email], date: t(cursor), subject: `Re: ${topic.subject} [#${i + 1}]`, text: fill(REPLIES[lang]!, vars), author: agent.name });
      if (rnd() < 0.45) {
        cursor += (1 + rnd() * 30) * H;
        messages.push({ message_id: mid('in2'), in_reply_to: mid('out1'), references: [mid('in0'), mid('out1')], direction: 'in', from: email, from_name: name, to: ['support@desk.example'], date: t(cursor), subject: `Re: ${topic.subject} [#${i + 1}]`, text: pick(FOLLOW_UPS) });
      }
    }
    if (rnd() < 0.3) events.push({ at: t(cursor + 120_000), actor: agent.name, type: 'note', text: pick(NOTES) });
    if (tier !== 'L1') events.push({ at: t(cursor + 180_000), actor: 'ana', type: 'escalate', from: 'L1', to: tier, reason: tier === 'L3' ? 'needs a code change' : 'needs database access' });
    if (status !== 'new' && status !== 'open') events.push({ at: t(cursor + 240_000), actor: agent.name, type: 'status', from: 'open', to: status });
    out.push({
      id: i + 1,
      subject: topic.subject,
      status,
      priority,
      tier,
      queue: topic.queue,
      assignee: status === 'new' ? null : agent.name,
      tags: topic.tags,
      requester: { email, name },
      created_at: isoSeconds(created),
      messages,
      events: events.sort((a, b) => String(a.at).localeCompare(String(b.at))),
    });
  }
  return out;
}
