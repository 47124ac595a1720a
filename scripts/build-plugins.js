// esbuild plugins of the build (scripts/build.js), kept apart so that the tests can bundle the mail
// parser the same way and compare it with the unbundled source (test/mail/bundle-parity.test.ts).
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

// Bundled: libraries that are slow to load module by module (kysely; yaml, which every command
// reads its config with: 40 CommonJS files cost a sixth of `desk show`), and the two whose
// hot spots in a sync are adjusted below (postal-mime, imapflow). Everything else (native
// addons, CommonJS packages, the bundled libraries' own dependencies) stays in node_modules and
// loads as usual.
// postal-mime joins every decoded part through Node's Blob, which is slow for this; see
// src/mail/fast-blob.ts. Nothing else bundled uses Blob.
export const inject = [fileURLToPath(new URL('../src/mail/fast-blob-inject.ts', import.meta.url))];

export const bundled = new Set([
  'kysely', 'postal-mime', 'imapflow', 'yaml',
  // pg and its own dependencies (team mode: every command on PostgreSQL loads them)
  'pg', 'pg-connection-string', 'pg-pool', 'pg-protocol', 'pg-types', 'pgpass', 'pg-int8',
  'postgres-array', 'postgres-bytea', 'postgres-date', 'postgres-interval', 'split2', 'xtend',
]);
const packageOf = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

export const keepExternal = {
  name: 'keep-external',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (bundled.has(packageOf(args.path)) ? undefined : { path: args.path, external: true }));
  },
};

/**
 * Hot spots of the sync's two libraries, changed at build time. Their versions are pinned, and
 * the build fails if the code no longer has the expected shape. Each change gives the same result
 * as the code it replaces (the tests named below compare them) and only skips work.
 */
const source = (rel) => JSON.stringify(fileURLToPath(new URL(`../src/${rel}`, import.meta.url)));
export const libraryPatches = [
  {
    // formatMessageResponse names each attribute of each FETCH response by serializing it back
    // to IMAP text; mail/imap-fetch-key.ts answers the plain cases (test/mail/imap-fetch-key.test.ts).
    file: /[\\/]imapflow[\\/]dist[\\/]esm[\\/]tools\.js$/,
    prelude: `import { fetchAttributeKey as __deskFetchKey } from ${source('mail/imap-fetch-key.ts')};\n`,
    from: 'key = (await compiler({\n                attributes: [attribute]\n            }))',
    to: 'key = __deskFetchKey(attribute) ?? (await compiler({\n                attributes: [attribute]\n            }))',
  },
  {
    // Every server response is serialized again for the log before the level is known; FETCH
    // responses (the message bodies) only ever go to trace, which desk's logger drops.
    file: /[\\/]imapflow[\\/]dist[\\/]esm[\\/]imap-flow\.js$/,
    from: `let logCompiled = await compiler(parsed, {
            isLogging: true
        });
        if (/^\\d+$/.test(parsed.command || '') && parsed.attributes && parsed.attributes[0] && parsed.attributes[0].value === 'FETCH') {`,
    to: `const __deskIsFetch = /^\\d+$/.test(parsed.command || '') && parsed.attributes && parsed.attributes[0] && parsed.attributes[0].value === 'FETCH';
        let logCompiled = __deskIsFetch ? '' : await compiler(parsed, {
            isLogging: true
        });
        if (__deskIsFetch) {`,
  },
  {
    // Every fetched message gets an id, an MD5 of mailbox path, UIDVALIDITY and UID; desk never
    // reads it. Computed when first read instead (a Hash object per message costs more than the
    // rest of naming its attributes).
    file: /[\\/]imapflow[\\/]dist[\\/]esm[\\/]tools\.js$/,
    from: `        map.id =
            map.emailId ||
                createHash('md5')
                    .update([path, mailbox.uidValidity?.toString() || '', map.uid.toString()].join(':'))
                    .digest('hex');`,
    to: `        const __deskIdOf = (uidValidity, uid) => map.emailId ||
                createHash('md5')
                    .update([path, uidValidity?.toString() || '', uid.toString()].join(':'))
                    .digest('hex');
        const __deskUidValidity = mailbox.uidValidity;
        Object.defineProperty(map, 'id', {
            enumerable: true,
            configurable: true,
            get() {
                const id = __deskIdOf(__deskUidValidity, map.uid);
                Object.defineProperty(map, 'id', { value: id, enumerable: true, writable: true, configurable: true });
                return id;
            },
            set(value) {
                Object.defineProperty(map, 'id', { value, enumerable: true, writable: true, configurable: true });
            }
        });`,
  },
  {
    // The parser awaits an async call for every line of a message; only boundary lines and the
    // last line need it. Other lines go straight where processLine would send them.
    file: /[\\/]postal-mime[\\/]src[\\/]postal-mime\.js$/,
    from: `            const line = this.readLine();

            await this.processLine(line.bytes, line.done);`,
    to: `            const line = this.readLine();
            const bytes = line.bytes;
            if (!line.done && !(this.boundaries.length && bytes.length > 2 && bytes[0] === 0x2d && bytes[1] === 0x2d)) {
                this.currentNode.feed(bytes);
                continue;
            }
            await this.processLine(bytes, line.done);`,
  },
  {
    // Folded header lines are merged backwards, testing each accumulated line with a regex (which
    // flattens it) and splicing the array: quadratic in a header's folds, so one folded header of
    // a few megabytes held a sync for minutes. Merged forwards in one pass, to the same lines.
    file: /[\\/]postal-mime[\\/]src[\\/]mime-node\.js$/,
    from: `        for (let i = this.headerLines.length - 1; i >= 0; i--) {
            let line = this.headerLines[i];
            if (i && /^\\s/.test(line)) {
                this.headerLines[i - 1] += '\\n' + line;
                this.headerLines.splice(i, 1);
            }
        }`,
    to: `        const __deskMerged = [];
        for (const line of this.headerLines) {
            if (__deskMerged.length && /^\\s/.test(line)) __deskMerged[__deskMerged.length - 1] += '\\n' + line;
            else __deskMerged.push(line);
        }
        this.headerLines = __deskMerged;`,
  },
  {
    // Base64 bodies decoded once at the end, natively (mail/base64-body.ts, test/mail/base64-body.test.ts).
    file: /[\\/]postal-mime[\\/]src[\\/]base64-decoder\.js$/,
    replace: `export { Base64BodyDecoder as default } from ${source('mail/base64-body.ts')};\n`,
  },
];
export const patchLibraries = {
  name: 'patch-libraries',
  setup(b) {
    // esbuild takes the first onLoad that answers for a file: one callback per file applies all of
    // that file's patches, in order.
    const byFile = new Map();
    for (const patch of libraryPatches) byFile.set(patch.file.source, [...(byFile.get(patch.file.source) ?? []), patch]);
    for (const patches of byFile.values()) {
      b.onLoad({ filter: patches[0].file }, (args) => {
        const contents = patches.reduce((code, patch) => {
          if (patch.replace !== undefined) return patch.replace;
          if (!code.includes(patch.from)) throw new Error(`${args.path} changed: review the library patches in scripts/build-plugins.js`);
          return (patch.prelude ?? '') + code.replace(patch.from, patch.to);
        }, readFileSync(args.path, 'utf8'));
        return { contents, loader: 'js', resolveDir: dirname(args.path) };
      });
    }
  },
};

