// The rating subject of a survey's mailto links: "Rating 4 [#42] <token>". A customer's mail
// client sends it back as is (perhaps with "Re:" or a list tag in front); desk recognises it in
// the sync before threading. The token is random (128 bits, 32 hex digits); only its SHA-256 is
// stored, so a leaked database does not let anyone rate.
import { CSAT_SCALES, ratingsOf, type CsatScale } from './settings.js';

export interface RatingSubject {
  rating: string;
  ticketId: number;
  token: string;
}

// Linear: fixed-width token, bounded digit runs, no nested quantifiers; searched, not anchored,
// so prefixes ("Re: ", "AW: ") and suffixes do not matter.
const RATING = /\brating[ \t]{1,3}(good|bad|[1-5])[ \t]{1,3}\[#(\d{1,12})\][ \t]{1,3}([0-9a-f]{32})(?![0-9a-z])/i;

/** The rating, ticket and token a subject carries, or null when it carries none. */
export function parseRatingSubject(subject: string | null | undefined): RatingSubject | null {
  if (!subject) return null;
  const m = RATING.exec(subject.length > 998 ? subject.slice(0, 998) : subject);
  if (!m) return null;
  const ticketId = Number(m[2]);
  if (!Number.isSafeInteger(ticketId) || ticketId < 1) return null;
  return { rating: m[1]!.toLowerCase(), ticketId, token: m[3]!.toLowerCase() };
}

export function ratingSubject(rating: string, ticketId: number, token: string): string {
  return `Rating ${rating} [#${ticketId}] ${token}`;
}

/** Whether the rating belongs to the scale the survey asked on. */
export function inScale(rating: string, scale: string): boolean {
  return (CSAT_SCALES as readonly string[]).includes(scale) && ratingsOf(scale as CsatScale).includes(rating);
}

/** The customer's comment: the body's text above the quoted part, trimmed, at most 2000 characters. */
export function commentOf(text: string | null | undefined): string | null {
  if (!text) return null;
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const kept: string[] = [];
  for (const line of lines) {
    const l = line.trim();
    if (l.startsWith('>')) break;
    if (/^On .{0,300} wrote:$/.test(l) || /^-{2,} ?Original Message ?-{2,}$/i.test(l) || l === '--') break;
    kept.push(line);
  }
  const out = kept.join('\n').trim();
  return out ? out.slice(0, 2000) : null;
}
