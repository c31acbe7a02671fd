import { controlCheck } from '../../controls/check.js';

/** Penetration testing review: a person reviews the latest penetration test findings and their remediation, and attests it (the report's age is security.penetration-test). */
export default controlCheck('penetration-testing-review');
