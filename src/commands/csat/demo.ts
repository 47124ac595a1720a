// The demo desk's satisfaction surveys (`desk init --demo`): a survey a day after each ticket
// solved more than a day ago, a bit over half of them answered, mostly well, so that the demo's
// `desk sla report` shows CSAT beside first response, resolution and first-contact resolution.
// Deterministic (its own seeded generator: the tickets' history stays as generated).
import type { Kysely } from 'kysely';
import { prng } from '../../domain/demo.js';
import { ratingValue } from '../../domain/csat/settings.js';
import { isoSeconds } from '../../domain/types.js';
import type { DB } from '../../store/schema.js';
import { addSurvey, recordRating, surveyCandidates } from '../../store/repos/csat.js';

const DAY = 86_400_000;
const COMMENTS = ['Quick and friendly, thanks!', 'Solved, but it took a while.', 'Still not really fixed.', null, null, null];

export async function seedDemoSurveys(tx: Kysely<DB>, now: Date): Promise<number> {
  const rnd = prng(21);
  const candidates = await surveyCandidates(tx, isoSeconds(new Date(now.getTime() - DAY)), '1970-01-01T00:00:00Z');
  let n = 0;
  for (const c of candidates) {
    const sent = new Date(Date.parse(c.solvedAt) + DAY);
    const token = Array.from({ length: 32 }, () => Math.floor(rnd() * 16).toString(16)).join('');
    const id = await addSurvey(tx, { ticketId: c.ticketId, token, address: c.requester, scale: '1-5', outboxId: null, at: isoSeconds(sent) });
    n++;
    if (rnd() > 0.55) continue;
    const r = rnd();
    const rating = r < 0.5 ? '5' : r < 0.78 ? '4' : r < 0.88 ? '3' : r < 0.95 ? '2' : '1';
    const answered = new Date(Math.min(sent.getTime() + rnd() * DAY, now.getTime() - 60_000));
    const comment = COMMENTS[Math.floor(rnd() * COMMENTS.length)] ?? null;
    await recordRating(tx, {
      survey: { id, ticketId: c.ticketId, address: c.requester, scale: '1-5', rating: null, comment: null },
      rating, score: ratingValue(rating), comment, at: isoSeconds(answered), messagePk: null, actor: c.requester,
    });
  }
  return n;
}
