// Questions the triage screen asks (which tier, what reason, which canned reply…), asked with
// @inquirer/prompts on a cleared screen under a one-line reminder of the ticket. Esc or Ctrl-C
// cancels a question and returns to the queue; answers come back as undefined then.
import type { Terminal } from './terminal.js';
import { safeLine, safeText } from '../../ui/safe-text.js';

type Inquirer = typeof import('@inquirer/prompts');
type Context = NonNullable<Parameters<Inquirer['input']>[1]>;

let inquirer: Promise<Inquirer> | undefined;

/** Loads the prompt library once; without colour, before its colour support is decided. */
function load(color: boolean): Promise<Inquirer> {
  // The library decides about colour when it is first loaded and reads only the environment.
  if (!color && process.env.NO_COLOR === undefined) process.env.NO_COLOR = '1';
  return (inquirer ??= import('@inquirer/prompts'));
}

function cancelled(err: unknown): boolean {
  const name = (err as Error | undefined)?.name;
  return name === 'AbortPromptError' || name === 'ExitPromptError' || name === 'CancelPromptError';
}

export class Prompter {
  /** True while a question has the keyboard: the screen's keys wait. */
  asking = false;

  /** `onAsk` runs as a question opens (the screen drops keys typed ahead of it). */
  constructor(private readonly term: Terminal, private readonly color: boolean, private readonly onAsk: () => void = () => undefined) {}

  /** Runs one question under `title`; undefined when the agent cancels. */
  async ask<T>(title: string, question: (q: Inquirer, context: Context) => Promise<T>): Promise<T | undefined> {
    this.asking = true;
    this.onAsk();
    const q = guarded(await load(this.color));
    this.term.clear();
    this.term.write(`${title}\n(Esc cancels)\n\n`);
    const abort = new AbortController();
    const stopEsc = this.term.onKey((_s, key) => {
      if (key.name === 'escape') abort.abort();
    });
    try {
      return await question(q, { signal: abort.signal, clearPromptOnDone: true });
    } catch (err) {
      if (cancelled(err)) return undefined;
      throw err;
    } finally {
      stopEsc();
      // The prompt's readline closed: raw keys and input flow back to the screen.
      this.term.reclaim();
      this.asking = false;
    }
  }
}

const QUESTIONS = ['input', 'confirm', 'select', 'search', 'editor', 'number', 'expand', 'rawlist', 'checkbox', 'password'] as const;

/**
 * The prompt library writes to the terminal itself: every question desk asks passes here, so
 * what it shows (the message, the choices, a default an agent may accept) is neutralised first.
 * A default that would change by being made safe is left out, so accepting it cannot store a
 * different value than the one the ticket holds.
 */
function guarded(q: Inquirer): Inquirer {
  const safe: Record<string, unknown> = { ...q };
  for (const name of QUESTIONS) {
    const ask = q[name] as unknown as (config: Record<string, unknown>, context?: Context) => Promise<unknown>;
    if (typeof ask === 'function') safe[name] = (config: Record<string, unknown>, context?: Context) => ask(cleanQuestion(config), context);
  }
  return safe as unknown as Inquirer;
}

function cleanQuestion(config: Record<string, unknown>): Record<string, unknown> {
  const c = { ...config };
  if (typeof c.message === 'string') c.message = safeText(c.message);
  if (typeof c.default === 'string' && safeLine(c.default) !== c.default) delete c.default;
  if (Array.isArray(c.choices)) {
    c.choices = c.choices.map((ch: unknown) => {
      if (typeof ch === 'string') return { value: ch, name: safeLine(ch) };
      if (typeof ch !== 'object' || ch === null || !('value' in ch)) return ch; // separators
      const o = { ...(ch as Record<string, unknown>) };
      if (o.name !== undefined) o.name = safeLine(String(o.name));
      else if (typeof o.value === 'string') o.name = safeLine(o.value);
      if (o.description !== undefined) o.description = safeText(String(o.description));
      if (o.short !== undefined) o.short = safeLine(String(o.short));
      return o;
    });
  }
  return c;
}
