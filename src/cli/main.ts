// The entry of the desk command: runs the program (cli/program.ts) for this process, or the role of
// a worker thread desk started (cli/workers.ts). No top-level await: the bundle is CommonJS
// (scripts/bundle.js), loaded by the executable's loader (cli/loader.ts).
import { EXIT } from '../errors.js';
import { run } from './program.js';
import { workerRole } from '../paths.js';
import { runWorker } from './workers.js';

function runCommand(): void {
  // `desk export | head`: a reader that went away is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT.ok);
    throw err;
  });
  void run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

const role = workerRole(process.argv.slice(2));
if (role === undefined) runCommand();
else void runWorker(role).then((worker) => worker || runCommand());
