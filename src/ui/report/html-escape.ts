import { safeLine } from '../safe-text.js';

/** Text for HTML element content or attribute values: controls neutralised, specials escaped. */
export function escapeHtml(text: string | number | null | undefined): string {
  return safeLine(text == null ? '' : String(text))
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
