import { controlCheck } from '../../controls/check.js';

/** A manual control of the compliance review (src/controls/catalogue.ts): attested, or waived. */
export default controlCheck('transaction-monitoring');
