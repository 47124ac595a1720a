// The layers of ARCHITECTURE.md, held by a test: every import in src/ (static, dynamic, re-export,
// type-only) is read with the TypeScript parser and checked against which layer may import which.
// The imports that cross a layer the wrong way today are listed below, each with what removes
// it; the test fails on any crossing not in the list, and on a listed one that no longer exists,
// so the list can only shrink.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import ts from 'typescript';

type Layer = 'cli' | 'commands' | 'mail' | 'store' | 'ui' | 'config' | 'paths' | 'domain' | 'errors';

/** Which layers each layer may import (besides itself). Nothing imports upward. */
const MAY_IMPORT: Record<Layer, readonly Layer[]> = {
  cli: ['commands', 'mail', 'store', 'ui', 'config', 'paths', 'domain', 'errors'],
  commands: ['mail', 'store', 'ui', 'config', 'paths', 'domain', 'errors'],
  mail: ['store', 'paths', 'domain', 'errors'],
  store: ['paths', 'domain', 'errors'],
  ui: ['paths', 'domain', 'errors'],
  config: ['paths', 'domain', 'errors'],
  paths: [],
  domain: ['errors'],
  errors: [],
};

/**
 * The one seam a lower layer may see of a higher one: a command is registered with the `Act`
 * of cli/program.ts and runs with the `Ctx` of cli/context.ts. Types only: no code of cli runs in
 * a command's module.
 */
const TYPE_SEAMS: Record<string, readonly string[]> = {
  commands: ['src/cli/context.ts', 'src/cli/program.ts'],
};

/** Packages that do I/O: the domain is pure and imports none of them. */
const IO_PACKAGES = /^(node:)?(fs|fs\/promises|child_process|net|tls|http|https|dgram|worker_threads|os)$|^(better-sqlite3|kysely|pg|imapflow|nodemailer)(\/|$)/;

/** The layer of a file under src/ (a path like src/domain/sla/clocks.ts). */
export function layerOf(file: string): Layer {
  if (file === 'src/errors.ts') return 'errors';
  if (file === 'src/paths.ts') return 'paths';
  if (file === 'src/config.ts' || file === 'src/config-check.ts') return 'config';
  const top = file.split('/')[1];
  if (['cli', 'commands', 'mail', 'store', 'ui', 'domain'].includes(top)) return top as Layer;
  throw new Error(`${file} is in no layer of ARCHITECTURE.md: place it in one (and in layerOf)`);
}

export interface Import { from: string; to: string; typeOnly: boolean }

/** Every import of one source file: relative ones resolved to src/… paths, packages as named. */
export function importsOf(file: string, text: string): Import[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const found: Import[] = [];
  const add = (spec: string, typeOnly: boolean) => {
    const to = spec.startsWith('.')
      ? normalize(join(dirname(file), spec)).split(sep).join('/').replace(/\.js$/, '.ts')
      : spec;
    found.push({ from: file, to, typeOnly });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings : undefined;
      const typeOnly = !!clause && (clause.isTypeOnly
        || (!clause.name && !!named && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier.text, typeOnly);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword
      && node.arguments.length > 0 && ts.isStringLiteralLike(node.arguments[0])) {
      add(node.arguments[0].text, false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** `from -> to` for each import that crosses a layer the wrong way, or brings I/O into domain. */
export function violations(imports: Import[]): string[] {
  const out = new Set<string>();
  for (const i of imports) {
    const from = layerOf(i.from);
    if (!i.to.startsWith('src/')) {
      if (from === 'domain' && IO_PACKAGES.test(i.to)) out.add(`${i.from} -> ${i.to}`);
      continue;
    }
    const to = layerOf(i.to);
    if (to === from || MAY_IMPORT[from].includes(to)) continue;
    if (i.typeOnly && TYPE_SEAMS[from]?.includes(i.to)) continue;
    out.add(`${i.from} -> ${i.to}`);
  }
  return [...out].sort();
}

/**
 * Crossings that exist today. The next step of issue #16 removes them; remove an entry when
 * its import goes (the test says which).
 */
const KNOWN: Array<{ why: string; to: string; from: string[] }> = [];

// ---------------------------------------------------------------------------------------------

function sourceFiles(dir = 'src'): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = `${dir}/${e.name}`;
    return e.isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const files = sourceFiles();
const all = files.flatMap((f) => importsOf(f, readFileSync(f, 'utf8')));
const known = KNOWN.flatMap((k) => k.from.map((f) => `${f} -> ${k.to}`)).sort();

test('the parser sees every kind of import', () => {
  const src = [
    "import a from '../store/a.js';",
    "import { type B } from '../store/b.js';",
    "import type { C } from '../cli/c.js';",
    "export { d } from '../ui/d.js';",
    "const e = await import('../mail/e.js');",
    "let f: import('../config.js').F;",
    "// import g from '../cli/g.js';",
    "const h = 'import h from \"../cli/h.js\"';",
    "import { readFileSync } from 'node:fs';",
  ].join('\n');
  expect(importsOf('src/domain/x.ts', src)).toEqual([
    { from: 'src/domain/x.ts', to: 'src/store/a.ts', typeOnly: false },
    { from: 'src/domain/x.ts', to: 'src/store/b.ts', typeOnly: true },
    { from: 'src/domain/x.ts', to: 'src/cli/c.ts', typeOnly: true },
    { from: 'src/domain/x.ts', to: 'src/ui/d.ts', typeOnly: false },
    { from: 'src/domain/x.ts', to: 'src/mail/e.ts', typeOnly: false },
    { from: 'src/domain/x.ts', to: 'src/config.ts', typeOnly: true },
    { from: 'src/domain/x.ts', to: 'node:fs', typeOnly: false },
  ]);
  expect(all.length).toBeGreaterThan(500);
});

test('the rules catch upward imports, I/O in domain, and allow only the type seam of commands', () => {
  const v = (from: string, to: string, typeOnly = false) => violations([{ from, to, typeOnly }]);
  expect(v('src/domain/a.ts', 'src/store/b.ts')).toEqual(['src/domain/a.ts -> src/store/b.ts']);
  expect(v('src/domain/a.ts', 'src/cli/errors.ts', true)).toHaveLength(1);
  expect(v('src/domain/a.ts', 'node:fs')).toHaveLength(1);
  expect(v('src/domain/a.ts', 'kysely')).toHaveLength(1);
  expect(v('src/domain/a.ts', 'node:path')).toEqual([]);
  expect(v('src/domain/a.ts', 'src/errors.ts')).toEqual([]);
  expect(v('src/store/a.ts', 'src/mail/b.ts')).toHaveLength(1);
  expect(v('src/store/a.ts', 'src/config.ts')).toHaveLength(1);
  expect(v('src/ui/a.ts', 'src/store/b.ts')).toHaveLength(1);
  expect(v('src/mail/a.ts', 'src/commands/b.ts')).toHaveLength(1);
  expect(v('src/commands/a/b.ts', 'src/cli/context.ts', true)).toEqual([]);
  expect(v('src/commands/a/b.ts', 'src/cli/context.ts', false)).toHaveLength(1);
  expect(v('src/commands/a/b.ts', 'src/cli/errors.ts', true)).toHaveLength(1);
  expect(v('src/commands/a/b.ts', 'src/store/b.ts')).toEqual([]);
  expect(v('src/cli/main.ts', 'src/commands/b.ts')).toEqual([]);
  expect(() => layerOf('src/helpers.ts')).toThrow(/no layer/);
});

test('no import crosses a layer the wrong way, except the known ones (which only go away)', () => {
  const found = violations(all);
  const added = found.filter((x) => !known.includes(x));
  const gone = known.filter((x) => !found.includes(x));
  // A new crossing: import from a layer below instead (ARCHITECTURE.md says which).
  expect({ new: added }).toEqual({ new: [] });
  // A crossing that went away: delete its entry from KNOWN above.
  expect({ noLongerThere: gone }).toEqual({ noLongerThere: [] });
});
