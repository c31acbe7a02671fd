import { CAPACITY_COMMAND, capacityControls, attestedCheck } from '../../reviews/controls.js';

/** Cost optimization analysis: a person analyses the month's costs for savings, and attests it (the capacity.costs budgets are capacity.costs). */
export default attestedCheck('capacity.cost-optimization', capacityControls[0], CAPACITY_COMMAND);
