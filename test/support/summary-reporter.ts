import type { Reporter, TestCase, TestModule } from 'vitest/node';

/** A test that did not run because its suite failed around it (a beforeAll that threw) counts as failed. */
const suiteFailed = (t: TestCase): boolean => t.parent.state() === 'failed';

/** Ends the run with the plain line CI reads: "N passed, N failed, N skipped". */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const count = { passed: 0, failed: 0, skipped: 0 };
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') count.passed++;
        else if (state === 'failed' || suiteFailed(t)) count.failed++;
        else count.skipped++;
      }
    }
    process.stdout.write(`\n${count.passed} passed, ${count.failed} failed, ${count.skipped} skipped\n`);
  }
}
