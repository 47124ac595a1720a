// `desk init --demo` is a team's first look at desk, so it must look like a real week at a help
// desk, whenever it is made (a weekday morning, a Sunday, a holiday night): clocks at risk right
// now, first-contact resolution and medians in believable ranges, some customers who wrote
// twice (tickets a team would merge), and starter files that point to documentation that exists.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT, tempDesk } from '../helpers/cli.js';

const NOWS = ['2026-03-30T09:00:00Z', '2026-03-29T15:00:00Z', '2026-12-26T03:00:00Z'];

test.each(NOWS)('the demo desk made at %s looks like a real help desk', (now) => {
  const d = tempDesk({ DESK_NOW: now });
  try {
    const ok = (args: string[]) => {
      const r = d.run(args);
      if (r.code !== 0) throw new Error(`desk ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
      return r.stdout;
    };
    ok(['init', '--demo']);
    // Clocks at risk right now (urgent ones run around the clock, also at weekends and at night).
    expect(JSON.parse(ok(['sla', 'at-risk', '--within', '2h', '--json'])).length).toBeGreaterThanOrEqual(3);
    const { total, groups } = JSON.parse(ok(['sla', 'report', '--json']));
    expect(total.compliance).toBeGreaterThan(0.65);
    expect(total.compliance).toBeLessThan(0.92);
    expect(total.fcr_rate).toBeGreaterThan(0.45);
    expect(total.fcr_rate).toBeLessThan(0.8);
    // Customer satisfaction in the same report: surveys, about half answered, mostly happy.
    expect(total.csat_surveys).toBeGreaterThan(50);
    expect(total.csat_response_rate).toBeGreaterThan(0.4);
    expect(total.csat_response_rate).toBeLessThan(0.7);
    expect(total.csat_average).toBeGreaterThan(3.5);
    expect(total.csat_average).toBeLessThan(4.8);
    // Medians a team would recognise: minutes to hours for a first answer, hours to days to solve.
    for (const g of [total, ...groups]) {
      expect([g.key, g.first_response_median_s]).toEqual([g.key, expect.any(Number)]);
      expect(g.first_response_median_s).toBeGreaterThanOrEqual(10 * 60);
      expect(g.first_response_median_s).toBeLessThanOrEqual(6 * 3600);
      expect(g.resolution_median_s).toBeGreaterThanOrEqual(2 * 3600);
      expect(g.resolution_median_s).toBeLessThanOrEqual(40 * 3600);
      expect(g.compliance).toBeGreaterThan(0.5); // no priority looks like a disaster
    }
    // Customers who wrote twice about the same thing within hours, both tickets still there.
    const tickets = ok(['export']).trim().split('\n').map((l) => JSON.parse(l));
    const byCustomerTopic = new Map<string, number[]>();
    for (const t of tickets) {
      const k = `${t.requester.email}|${t.subject}`;
      byCustomerTopic.set(k, [...(byCustomerTopic.get(k) ?? []), Date.parse(t.created_at)]);
    }
    const twice = [...byCustomerTopic.values()].filter((ts) => ts.sort().some((t, i) => i > 0 && t - ts[i - 1]! < 6 * 3600_000));
    expect(twice.length).toBeGreaterThanOrEqual(4);
    // Agents sign with their names.
    expect(JSON.parse(ok(['agent', 'list', '--json'])).every((a: { display_name: string | null }) => a.display_name)).toBe(true);
    // The starter files point to documentation that exists.
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const file of ['sla.yaml', 'rules.yaml']) {
      const text = readFileSync(join(dirname(d.config), file), 'utf8');
      const comments = text.split('\n').filter((l) => l.startsWith('#')).join('\n');
      for (const [, section] of comments.matchAll(/section "([^"]+)"/g)) expect(readme).toMatch(new RegExp(`^#+ ${section}$`, 'm'));
      for (const [path] of comments.matchAll(/\b(?:docs|src)\/[\w./-]+\.md\b/g)) expect([path, existsSync(join(ROOT, path))]).toEqual([path, true]);
      expect(comments).toMatch(/section "|\.md/);
    }
  } finally {
    d.cleanup();
  }
});
