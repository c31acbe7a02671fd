import type { RunReport } from '../engine/report.js';

/** The versioned report model as it is (schema: src/engine/report.ts, docs/output-formats.md). */
export const json = (report: RunReport): string => `${JSON.stringify(report, null, 2)}\n`;
