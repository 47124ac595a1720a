// Whether hostile input is handled in linear time, judged against the machine as it is at that
// moment: `work` on a big text is timed beside a plainly linear pass over the same text that
// allocates as parsers do (an object per character), the best of a few runs each, in turn. A busy
// machine or collector slows both alike. Comparing a small input's time with a big one's does
// not work: per character, a parse of 6 KB ran 4.6 times as fast as one of 400 KB on a quiet
// machine (caches, collections), and a loaded CI machine made that ten times more.

/** How many times the linear pass over `text` the `work` takes (the best of `runs` each). */
export function timesALinearPass(text: string, work: () => unknown, runs = 3): number {
  const time = (f: () => unknown) => {
    const t0 = process.hrtime.bigint();
    f();
    return Number(process.hrtime.bigint() - t0);
  };
  const linearPass = () => text.split('').map((c, i) => ({ c, i })).length;
  let worked = Infinity, passed = Infinity;
  for (let k = 0; k < runs; k++) {
    worked = Math.min(worked, time(work));
    passed = Math.min(passed, time(linearPass));
  }
  return worked / passed;
}
