// The YAML functions the config reads and writes with, as named exports of one module that the
// config imports when a YAML file is read. (A dynamic import of the yaml package itself, once the
// build bundles it as the CommonJS package it is, would only have a default export.)
export { parse, parseDocument } from 'yaml';
