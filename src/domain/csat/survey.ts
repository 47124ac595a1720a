// The survey mail's text and HTML: the question and one mailto: link per rating, each to our
// address with the rating subject (subject.ts). Pure: the caller composes and queues it.
import { ratingsOf, type CsatSettings } from './settings.js';
import { ratingSubject } from './subject.js';

const LABELS: Record<string, string> = {
  '1': '1 - very dissatisfied', '2': '2 - dissatisfied', '3': '3 - neutral', '4': '4 - satisfied', '5': '5 - very satisfied',
  good: 'Good, I am satisfied', bad: 'Bad, I am not satisfied',
};

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface SurveyInput {
  ticketId: number;
  subject: string;
  ourAddress: string;
  token: string;
  settings: CsatSettings;
}

export function surveyLink(ourAddress: string, rating: string, ticketId: number, token: string): string {
  return `mailto:${ourAddress}?subject=${encodeURIComponent(ratingSubject(rating, ticketId, token))}`;
}

export function surveySubject(ticketId: number, subject: string): string {
  return `How did we do? [#${ticketId}] ${subject}`;
}

export function surveyBodies(s: SurveyInput): { text: string; html: string } {
  const ratings = [...ratingsOf(s.settings.scale)].reverse();
  const intro = s.settings.template ?? `Your request #${s.ticketId} "${s.subject}" was solved.`;
  const links = ratings.map((r) => ({ label: LABELS[r]!, href: surveyLink(s.ourAddress, r, s.ticketId, s.token) }));
  const text = [
    intro.trim(), '', s.settings.question, '',
    ...links.map((l) => `${l.label}: ${l.href}`), '',
    'Each link opens a mail to us with your rating in its subject: just send it.',
    'Write a comment in it if you like. A later rating replaces an earlier one.', '',
  ].join('\n');
  const html = [
    '<!doctype html><html><body>',
    `<p>${escapeHtml(intro.trim()).replace(/\n/g, '<br>')}</p>`,
    `<p><strong>${escapeHtml(s.settings.question)}</strong></p>`,
    '<ul>',
    ...links.map((l) => `<li><a href="${escapeHtml(l.href)}">${escapeHtml(l.label)}</a></li>`),
    '</ul>',
    '<p>Each link opens a mail to us with your rating in its subject: just send it. Write a comment in it if you like. A later rating replaces an earlier one.</p>',
    '</body></html>',
  ].join('\n');
  return { text, html };
}
