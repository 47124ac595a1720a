// The output boundary's neutraliser, for ui and the commands: the pure functions live in
// domain/safe-text.ts, so that domain and mail (which may not import ui) shape outside text the
// same way. Text for people still leaves through here (the Io's out/err, the triage screen).
export * from '../domain/safe-text.js';
