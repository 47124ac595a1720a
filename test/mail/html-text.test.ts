// HTML bodies as an agent reads them in a terminal.
import { htmlToReadableText } from '../../src/mail/html-text.js';

describe('htmlToReadableText', () => {
  test('keeps the words, paragraphs and link targets', () => {
    const text = htmlToReadableText('<p>Hello <b>Ana</b>,</p><p>see <a href="https://example.com/x">the guide</a>.</p>');
    expect(text).toBe('Hello Ana,\n\nsee the guide [https://example.com/x].');
  });

  test('a link whose text is its target is shown once', () => {
    expect(htmlToReadableText('<a href="https://example.com">https://example.com</a>')).toBe('https://example.com');
  });

  test('drops scripts, styles, the head, hidden blocks and tracking pixels', () => {
    const html = `<html><head><title>T</title><style>p{}</style></head><body>
      <script>alert(1)</script>
      <span style="display:none !important">preheader</span>
      <div style="DISPLAY: NONE">hidden too</div>
      <div hidden>hidden attribute</div>
      <p>visible</p>
      <img src="https://t.example/p.gif" width="1" height="1">
      <img src="https://t.example/q.gif" style="width:1px;height:1px">
      <img src="https://example.com/chart.png" alt="Sales chart">
      <img src="https://example.com/deco.png">
    </body></html>`;
    expect(htmlToReadableText(html)).toBe('visible\n\n[Sales chart]');
  });

  test('layout tables become one line per row', () => {
    const text = htmlToReadableText('<table><tr><td>Plan</td><td>Business</td></tr><tr><th>Users</th><td>40</td></tr></table>');
    expect(text).toBe('Plan Business\nUsers 40');
  });

  test('no-break spaces become spaces; runs of empty lines collapse', () => {
    expect(htmlToReadableText('<p>error&nbsp;500</p><br><br><br><br><p>end</p>')).toBe('error 500\n\nend');
  });

  test('tag soup and empty input never throw', () => {
    expect(htmlToReadableText('')).toBe('');
    expect(htmlToReadableText('<p><b>unclosed <i>tags <div></p>text')).toContain('unclosed tags');
    expect(htmlToReadableText('<<<>>>&&&;')).toBe('<<<>>>&&&;');
  });
});
