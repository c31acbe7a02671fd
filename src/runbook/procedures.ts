import { backupProcedures } from './backup.js';
import { complianceProcedures } from './compliance.js';
import { healthProcedures } from './health.js';
import { maintenanceProcedures } from './maintenance.js';
import { monthlyProcedures } from './monthly.js';
import type { Procedure } from '../engine/procedure.js';
import { weeklyProcedures } from './weekly.js';

export type { Procedure } from '../engine/procedure.js';

/** Every procedure, keyed by the command that runs it; one file per runbook section. */
export const procedures = {
  ...healthProcedures,
  ...backupProcedures,
  ...weeklyProcedures,
  ...maintenanceProcedures,
  ...complianceProcedures,
  ...monthlyProcedures,
} as const satisfies Record<string, Procedure>;

export type ProcedureId = keyof typeof procedures;
