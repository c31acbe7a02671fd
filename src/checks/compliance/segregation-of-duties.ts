import { manualComplianceCheck } from '../../compliance/checks.js';

/** A manual control of the compliance review (src/compliance/controls.ts): attested, or waived. */
export default manualComplianceCheck('segregation-of-duties');
