import { eligibleAgents, pickLeastLoaded, pickRoundRobin, type AgentInfo } from '../../../src/domain/rules/index.js';

const a = (name: string, tier = 'L1', away = false): AgentInfo => ({ name, tier, away });

describe('eligibleAgents', () => {
  const team = [a('eve'), a('ana'), a('bob', 'L1', true), a('dee', 'L2'), a('cy')];

  it('keeps present agents of the tier, sorted by name', () => {
    expect(eligibleAgents(team, { tier: 'L1', queue: null }, {}).map((x) => x.name)).toEqual(['ana', 'cy', 'eve']);
  });

  it('narrows to the queue\'s members when the rules file lists them', () => {
    expect(eligibleAgents(team, { tier: 'L1', queue: 'billing' }, { billing: ['eve', 'bob', 'dee'] }).map((x) => x.name)).toEqual(['eve']);
    expect(eligibleAgents(team, { tier: 'L1', queue: 'sales' }, { billing: ['eve'] }).map((x) => x.name)).toEqual(['ana', 'cy', 'eve']);
  });

  it('uses the named people instead of tier and queue when given, still skipping anyone away', () => {
    expect(eligibleAgents(team, { tier: 'L1', queue: null }, {}, ['dee', 'bob']).map((x) => x.name)).toEqual(['dee']);
  });
});

describe('pickRoundRobin', () => {
  const pool = [a('ana'), a('ben'), a('cy')];
  it('starts with the first, goes on after the last one picked, and wraps', () => {
    expect(pickRoundRobin(pool, undefined)?.name).toBe('ana');
    expect(pickRoundRobin(pool, 'ana')?.name).toBe('ben');
    expect(pickRoundRobin(pool, 'cy')?.name).toBe('ana');
  });
  it('carries on sensibly when the last one picked has left the pool', () => {
    expect(pickRoundRobin(pool, 'bea')?.name).toBe('ben');
  });
  it('gives nobody from an empty pool', () => {
    expect(pickRoundRobin([], 'ana')).toBeUndefined();
  });
});

describe('pickLeastLoaded', () => {
  it('picks the fewest open tickets, counting unknown agents as free, ties by name', () => {
    expect(pickLeastLoaded([a('ana'), a('ben'), a('cy')], { ana: 3, ben: 1, cy: 1 })?.name).toBe('ben');
    expect(pickLeastLoaded([a('ana'), a('ben')], { ana: 3 })?.name).toBe('ben');
    expect(pickLeastLoaded([], {})).toBeUndefined();
  });
});
