// Threading decides which ticket a message joins; the rule order is the contract
// (our Message-ID, then any known Message-ID, then a subject tag from the requester, else new).
import {
  ourMessageId,
  parseOurMessageId,
  referencedIds,
  subjectTags,
  threadMessage,
  type ThreadableMail,
  type ThreadLookup,
} from '../../src/domain/threading.js';
import { parseMessage } from '../../src/mail/parse.js';
import { readFileSync } from 'node:fs';

/** An in-memory store: what desk sent, what it knows, who requested which ticket. */
function store(options: {
  sent?: Record<string, number>;
  known?: Record<string, number>;
  requesters?: Record<number, string>;
}): ThreadLookup & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    ticketForOurMessageId(id) {
      calls.push(`our ${id}`);
      return options.sent?.[id] ?? null;
    },
    async ticketForKnownMessageId(id) {
      calls.push(`known ${id}`);
      return options.known?.[id] ?? null;
    },
    ticketForTagFromRequester(ticketId, fromEmail) {
      calls.push(`tag ${ticketId} ${fromEmail}`);
      return options.requesters?.[ticketId] === fromEmail ? ticketId : null;
    },
  };
}

function message(overrides: Partial<ThreadableMail> = {}): ThreadableMail {
  return { in_reply_to: null, references: [], subject: 'Help', from: { email: 'ana@example.com' }, report: null, ...overrides };
}

describe('desk Message-IDs', () => {
  test('ourMessageId builds <desk.TICKET.RANDOM@DOMAIN> and parseOurMessageId reads it back', () => {
    const id = ourMessageId(42, 'Desk.Example', 'A1b2C3');
    expect(id).toBe('<desk.42.a1b2c3@desk.example>');
    expect(parseOurMessageId(id)).toEqual({ ticketId: 42, random: 'a1b2c3', domain: 'desk.example' });
  });

  test.each(['<desk.42@desk.example>', '<desk.x.abc@desk.example>', '<desk.42.abc@>', 'desk.42.abc@desk.example', '<other.42.abc@desk.example>', '<desk.42.a.b@desk.example>'])(
    '%s is not one of ours',
    (id) => {
      expect(parseOurMessageId(id)).toBeNull();
    },
  );

  test('bad parts are refused rather than producing an id that would not parse back', () => {
    expect(() => ourMessageId(0, 'desk.example', 'abc')).toThrow(RangeError);
    expect(() => ourMessageId(1.5, 'desk.example', 'abc')).toThrow(RangeError);
    expect(() => ourMessageId(1, 'desk.example', 'a.b')).toThrow(RangeError);
    expect(() => ourMessageId(1, 'desk>example', 'abc')).toThrow(RangeError);
  });
});

describe('subjectTags', () => {
  test('finds [#123] tags in order, once each', () => {
    expect(subjectTags('Re: [#12] Export [#7] fails [#12]')).toEqual([12, 7]);
    expect(subjectTags('Order #12 [12] [#] [#0] [# 5]')).toEqual([]);
  });
});

describe('threadMessage', () => {
  test('rule 1: our own Message-ID in In-Reply-To', async () => {
    const lookup = store({ sent: { '<desk.42.abc@desk.test>': 42 }, known: { '<desk.42.abc@desk.test>': 42 } });
    const decision = await threadMessage(message({ in_reply_to: '<desk.42.abc@desk.test>' }), lookup);
    expect(decision).toEqual({ ticketId: 42, rule: 'our-message-id', detail: "In-Reply-To <desk.42.abc@desk.test> is desk's message on ticket 42" });
  });

  test('rule 1 beats rule 2 even when the known id is the closer one', async () => {
    const lookup = store({ sent: { '<desk.7.abc@desk.test>': 7 }, known: { '<cust@example.com>': 9 } });
    const decision = await threadMessage(message({ in_reply_to: '<cust@example.com>', references: ['<desk.7.abc@desk.test>', '<cust@example.com>'] }), lookup);
    expect(decision.rule).toBe('our-message-id');
    expect(decision.ticketId).toBe(7);
    expect(decision.detail).toBe("References <desk.7.abc@desk.test> is desk's message on ticket 7");
  });

  test('an id that only looks like ours (another desk, a deleted ticket) falls through to the next rules', async () => {
    const lookup = store({ known: { '<root@example.com>': 3 } });
    const decision = await threadMessage(message({ in_reply_to: '<desk.99.abc@elsewhere.test>', references: ['<root@example.com>'] }), lookup);
    expect(decision).toMatchObject({ ticketId: 3, rule: 'known-message-id' });
    expect(lookup.calls[0]).toBe('our <desk.99.abc@elsewhere.test>');
  });

  test('rule 2: the closest known id wins (In-Reply-To, then References newest first)', async () => {
    const lookup = store({ known: { '<old@example.com>': 1, '<newer@example.com>': 2 } });
    const decision = await threadMessage(message({ references: ['<old@example.com>', '<newer@example.com>', '<unknown@example.com>'] }), lookup);
    expect(decision).toEqual({ ticketId: 2, rule: 'known-message-id', detail: 'References <newer@example.com> is a message of ticket 2' });
  });

  test('rule 3: a subject tag counts only from the ticket\'s requester', async () => {
    const lookup = store({ requesters: { 12: 'ana@example.com' } });
    const fromRequester = await threadMessage(message({ subject: 'Re: [#12] Export' }), lookup);
    expect(fromRequester).toEqual({ ticketId: 12, rule: 'subject-tag', detail: "subject tag [#12] from the ticket's requester ana@example.com" });

    const fromStranger = await threadMessage(message({ subject: 'Re: [#12] Export', from: { email: 'mallory@example.net' } }), lookup);
    expect(fromStranger).toEqual({
      ticketId: null,
      rule: 'new',
      detail: 'no In-Reply-To or References; subject tag [#12] names no ticket requested by mallory@example.net',
    });
  });

  test('rule 4: nothing matches → a new ticket, with the reason', async () => {
    const decision = await threadMessage(message({ in_reply_to: '<a@x>', references: ['<b@x>'] }), store({}));
    expect(decision).toEqual({ ticketId: null, rule: 'new', detail: 'none of 2 referenced Message-IDs is known' });
  });

  test('a bounce threads through the message it returns', async () => {
    const lookup = store({ sent: { '<desk.42.a1b2c3d4@desk.test>': 42 } });
    const bounce = await parseMessage(readFileSync(new URL('../fixtures/mail/bounce-dsn.eml', import.meta.url)));
    const decision = await threadMessage(bounce, lookup);
    expect(decision).toEqual({
      ticketId: 42,
      rule: 'our-message-id',
      detail: "the reported message <desk.42.a1b2c3d4@desk.test> is desk's message on ticket 42",
    });
  });

  test('an old-style bounce threads through the id the caller found quoted in it', async () => {
    const lookup = store({ sent: { '<desk.9.0a0b@desk.test>': 9 } });
    const decision = await threadMessage(message({ from: { email: 'mailer-daemon@x' } }), lookup, { reportedMessageId: '<desk.9.0a0b@desk.test>' });
    expect(decision).toMatchObject({ ticketId: 9, rule: 'our-message-id' });
  });

  test('referencedIds lists each id once, closest first', () => {
    const ids = referencedIds(message({ in_reply_to: '<p@x>', references: ['<r1@x>', '<p@x>', '<r2@x>'], report: { original_message_id: '<o@x>' } }));
    expect(ids.map((r) => r.id)).toEqual(['<p@x>', '<r2@x>', '<r1@x>', '<o@x>']);
  });
});
