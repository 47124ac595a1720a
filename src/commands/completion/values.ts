// `desk __complete KIND`: the values the shell offers at this moment, one per line as
// "value<TAB>description" (bash keeps the value, zsh and fish show the description). Read straight
// from the store, quickly, and never creating a database that is not there. Everything printed
// came from people or mail, so it is made one safe line: a value with whitespace or control
// characters is left out (a shell would split or mangle it), descriptions lose their controls.
import { existsSync } from 'node:fs';
import type { Ctx } from '../../cli/context.js';
import type { DynamicKind } from './spec.js';

// eslint-disable-next-line no-control-regex
const UNSAFE_VALUE = /[\s\p{C}]/u;
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\p{Cc}\p{Cf}\u2028\u2029]+/gu;

function line(value: string, description?: string | null): string | null {
  if (!value || UNSAFE_VALUE.test(value)) return null;
  const d = (description ?? '').replace(CONTROLS, ' ').replace(/\s+/g, ' ').trim();
  const short = [...d].length > 60 ? [...d].slice(0, 59).join('') + '…' : d;
  return short ? `${value}\t${short}` : value;
}

async function storeIfThere(ctx: Ctx) {
  const location = await ctx.dbLocation();
  if (!/^postgres(ql)?:\/\//.test(location) && !existsSync(location)) return null;
  return ctx.store();
}

export async function completionValues(ctx: Ctx, kind: DynamicKind): Promise<string[]> {
  const out: (string | null)[] = [];
  const db = async () => (await storeIfThere(ctx))?.db ?? null;
  switch (kind) {
    case 'tickets':
    case 'tickets-and-agents': {
      const d = await db();
      if (!d) break;
      if (kind === 'tickets-and-agents') {
        for (const r of await d.selectFrom('agents').selectAll().orderBy('name').execute()) {
          out.push(line(r.name, (r as { display_name?: string | null }).display_name ?? r.email));
        }
      }
      const rows = await d.selectFrom('tickets').select(['id', 'subject']).where('status', 'not in', ['solved', 'closed'])
        .orderBy('updated_at', 'desc').limit(500).execute();
      for (const r of rows) out.push(line(String(r.id), r.subject));
      break;
    }
    case 'agents':
    case 'assignees': {
      if (kind === 'assignees') out.push(line('me', 'yourself'), line('none', 'unassigned'));
      const d = await db();
      if (!d) break;
      const rows = await d.selectFrom('agents').selectAll().orderBy('name').execute();
      for (const r of rows) out.push(line(r.name, (r as { display_name?: string | null }).display_name ?? r.email));
      break;
    }
    case 'queues': {
      const config = await ctx.config();
      const names = new Set((config.accounts ?? []).map((a) => a.queue).filter((q): q is string => typeof q === 'string'));
      const d = await db();
      if (d) for (const r of await d.selectFrom('tickets').select('queue').distinct().where('queue', 'is not', null).execute()) names.add(r.queue!);
      for (const n of [...names].sort()) out.push(line(n));
      break;
    }
    case 'tags': {
      const d = await db();
      if (!d) break;
      for (const r of await d.selectFrom('ticket_tags').select('tag').distinct().orderBy('tag').limit(1000).execute()) out.push(line(r.tag));
      break;
    }
    case 'orgs': {
      const d = await db();
      if (!d) break;
      for (const r of await d.selectFrom('organisations').select(['name', 'notes']).orderBy('name').execute()) out.push(line(r.name, r.notes));
      break;
    }
    case 'tiers':
      for (const t of await ctx.tiers()) out.push(line(t));
      break;
    case 'views':
    case 'query': {
      if (kind === 'query') {
        const { FIELDS } = await import('../../domain/query/index.js');
        for (const f of FIELDS) out.push(line(`${f.name}:`, f.takes));
      }
      const d = await db();
      if (!d) break;
      const { listViews } = await import('../../store/repos/views.js');
      for (const v of await listViews(d, await ctx.actor())) out.push(line(kind === 'query' ? `@${v.name}` : v.name, v.query));
      break;
    }
    case 'canned': {
      const { cannedLibraryOf } = await import('../canned/dirs.js');
      for (const r of (await cannedLibraryOf(ctx)).library.replies) out.push(line(r.name, r.title));
      break;
    }
    case 'articles': {
      const { articleSource } = await import('../kb/source.js');
      for (const a of (await (await articleSource(ctx)).list()).articles) out.push(line(a.slug, a.title));
      break;
    }
  }
  return out.filter((l): l is string => l !== null);
}
