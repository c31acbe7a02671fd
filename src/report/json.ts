import type { RunReport } from '../engine/report.js';

/** The versioned report model as it is (schema: src/engine/report.ts, README "JSON report"). */
export const json = (report: RunReport): string => `${JSON.stringify(report, null, 2)}\n`;
