import type { Reporter, TestCase, TestModule } from 'vitest/node';

/** A test that did not run because its suite failed around it (a beforeAll that threw) counts as failed. */
const suiteFailed = (t: TestCase): boolean => t.parent.state() === 'failed';

/** Ends the run with the plain line CI reads: "N passed, N failed, N skipped". */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const count = { passed: 0, failed: 0, notRun: 0, skipped: 0 };
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') count.passed++;
        else if (state === 'failed') count.failed++;
        else if (suiteFailed(t)) count.notRun++;
        else count.skipped++;
      }
    }
    // Vitest's own summary counts the tests of a failed suite as skipped: say so, so the two lines agree.
    const notRun = count.notRun ? ` (${count.notRun} did not run: their suite's setup failed)` : '';
    process.stdout.write(`\n${count.passed} passed, ${count.failed + count.notRun} failed${notRun}, ${count.skipped} skipped\n`);
  }
}
