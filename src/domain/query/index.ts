// The query language (docs/cli.md: Queries): parsed once here into data, run by the store.
export * from './ast.js';
export { QueryError } from './error.js';
export { FIELDS, FIELD_NAMES, type FieldSpec, type ParseContext } from './fields.js';
export { parseQuery, MAX_DEPTH } from './parse.js';
