import { controlCheck } from '../../controls/check.js';

/** Cost optimization analysis: a person analyses the month's costs for savings, and attests it (the capacity.costs budgets are capacity.costs). */
export default controlCheck('cost-optimization-analysis');
