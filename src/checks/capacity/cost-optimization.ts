import { CAPACITY, CAPACITY_COMMAND, attestedCheck } from '../../reviews/controls.js';

/** Cost optimization analysis: a person analyses the month's costs for savings, and attests it (the capacity.costs budgets are capacity.costs). */
export default attestedCheck('capacity.cost-optimization', CAPACITY.costOptimizationAnalysis, CAPACITY_COMMAND);
