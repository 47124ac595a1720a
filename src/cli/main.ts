// The entry of the desk command: runs the program (cli/program.ts) for this process.
import { EXIT } from '../errors.js';
import { run } from './program.js';

// `desk export | head`: a reader that went away is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(EXIT.ok);
  throw err;
});
process.exitCode = await run(process.argv.slice(2));
