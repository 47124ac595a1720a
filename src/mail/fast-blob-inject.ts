// Build-time injection (scripts/build.js): bundled code that names the global `Blob` gets the
// parser's in-memory stand-in instead. Only libraries bundled for this reason are affected.
export { FastBlob as Blob } from './fast-blob.js';
