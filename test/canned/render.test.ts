import { describe, expect, it } from '@jest/globals';
import { UsageError } from '../../src/errors.js';
import { renderCanned } from '../../src/domain/canned/render.js';
import { firstNameOf, replyVariables, type ReplyVariableInput } from '../../src/domain/canned/variables.js';
import { cannedSources, loadCannedLibrary } from '../../src/commands/canned/dirs.js';

const input: ReplyVariableInput = {
  ticket: {
    id: 42,
    subject: 'Export fails with error 500',
    status: 'open',
    priority: 'high',
    requester: { email: 'joao@example.com', name: 'João Silva' },
  },
  agent: { name: 'Ana', email: 'ana@desk.example' },
  firstResponseDue: '2026-03-30 10:30 CEST',
};
const vars = replyVariables(input);
const nameless = replyVariables({ ...input, ticket: { ...input.ticket, requester: { email: 'x@example.com', name: null } } });

async function refusal(p: Promise<unknown>): Promise<UsageError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UsageError);
  return err as UsageError;
}

describe('renderCanned', () => {
  it('fills in every documented variable', async () => {
    const body =
      '{{customer.first_name}}|{{customer.name}}|{{customer.email}}|{{ticket.id}}|{{ticket.subject}}|' +
      '{{ticket.status}}|{{ticket.priority}}|{{agent.name}}|{{agent.email}}|{{sla.first_response_due}}';
    expect(await renderCanned('t', body, vars)).toBe(
      'João|João Silva|joao@example.com|42|Export fails with error 500|open|high|Ana|ana@desk.example|2026-03-30 10:30 CEST',
    );
  });

  it('uses the fallback of `default` when the customer has no name', async () => {
    expect(await renderCanned('t', 'Hi {{customer.first_name | default: "there"}},', nameless)).toBe('Hi there,');
    expect(await renderCanned('t', 'Hi {{customer.first_name | default: "there"}},', vars)).toBe('Hi João,');
  });

  it('refuses a variable that does not resolve, naming it', async () => {
    const err = await refusal(renderCanned('greeting', 'Hi {{ customer.first_name }},', nameless));
    expect(err.message).toContain("canned reply 'greeting'");
    expect(err.message).toContain('{{customer.first_name}}');
    const typo = await refusal(renderCanned('greeting', 'ticket {{ ticket.idd }}', vars));
    expect(typo.message).toContain('{{ticket.idd}}');
  });

  it('cannot read files through include, render or layout', async () => {
    for (const tag of ['{% include "/etc/passwd" %}', '{% render "../../package.json" %}', '{% layout "x" %}x']) {
      const err = await refusal(renderCanned('evil', tag, vars));
      expect(err.message).toMatch(/tag is not available in canned replies/);
    }
  });

  it('cannot reach JavaScript object internals', async () => {
    await refusal(renderCanned('evil', '{{ customer.constructor }}', vars));
    await refusal(renderCanned('evil', '{{ ticket.id.constructor.constructor }}', vars));
  });

  it('refuses unknown filters and runaway templates instead of hanging', async () => {
    await refusal(renderCanned('t', '{{ customer.name | shell }}', vars));
    await refusal(renderCanned('t', '{% for i in (1..100000000) %}{{ i }}{% endfor %}', vars));
  });
});

describe('firstNameOf', () => {
  it.each([
    ['João Silva', 'João'],
    ['Silva, João', 'João'],
    ['Dr. Jane Doe', 'Jane'],
    ['"Kim"', 'Kim'],
    ['kim@example.com', undefined],
    ['', undefined],
    [null, undefined],
  ])('%s → %s', (name, first) => {
    expect(firstNameOf(name)).toBe(first);
  });
});

describe('the starter set of canned replies', () => {
  const library = loadCannedLibrary(cannedSources(undefined));

  it('ships at least 8 replies that all parse', () => {
    expect(library.problems).toEqual([]);
    expect(library.replies.length).toBeGreaterThanOrEqual(8);
    for (const name of ['password-reset', 'need-more-info', 'known-outage', 'solved-please-confirm', 'escalated-to-l2', 'feature-request-noted', 'refund-processed', 'thanks-closing']) {
      expect(library.replies.map((r) => r.name)).toContain(name);
    }
  });

  it('renders every reply for a customer without a name and an agent without an address', async () => {
    const sparse = replyVariables({ ...input, agent: { name: 'Ana' }, firstResponseDue: null, ticket: { ...input.ticket, requester: { email: 'x@example.com' } } });
    for (const reply of library.replies) {
      const text = await renderCanned(reply.name, reply.body, sparse);
      expect(text).toMatch(/^(Hi|Hello) there,/);
      expect(text).not.toMatch(/\{\{|\{%/);
    }
  });
});
