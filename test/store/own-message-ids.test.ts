// The fingerprints an import keeps of the Message-IDs it wrote: every id added is found again,
// through every growth of the table, and ids never added are not (which only costs a lookup).
import { FingerprintSet } from '../../src/store/own-message-ids.js';

test('a fingerprint set finds every id added, however many, and no other (generated)', () => {
  const set = new FingerprintSet();
  const id = (i: number, host: string) => `<${i.toString(36)}.${(i * 7919) % 1000}@${host}>`;
  for (let i = 0; i < 100_000; i++) set.add(id(i, 'mail.example'));
  for (let i = 0; i < 100_000; i++) expect(set.mayHave(id(i, 'mail.example'))).toBe(true);
  let others = 0;
  for (let i = 0; i < 100_000; i++) if (set.mayHave(id(i, 'other.example'))) others++;
  expect(others).toBe(0);
  expect(set.mayHave('')).toBe(false);
  set.add('');
  expect(set.mayHave('')).toBe(true);
});
