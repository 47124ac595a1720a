#!/usr/bin/env node
// CommonJS (bin/package.json), as the loader it runs: an ES module here would cost every command
// the start of Node's ES module loader.
require('../dist/desk.cjs');
