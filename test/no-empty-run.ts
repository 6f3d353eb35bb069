import type { Reporter, TestModule } from 'vitest/node';

/**
 * Fails a run in which no test ran: a filter (`-t`, a file name) that matches nothing must not pass as if
 * everything were fine.
 */
export default class NoEmptyRun implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let ran = 0;
    for (const m of modules) for (const t of m.children.allTests()) if (t.result().state === 'passed' || t.result().state === 'failed') ran++;
    if (ran === 0) {
      process.stderr.write('\nNo test ran: the filter matched nothing. Check the file names and the -t pattern.\n');
      process.exitCode = 1;
    }
  }
}
