import { SECURITY, SECURITY_COMMAND, attestedCheck } from '../../reviews/controls.js';

/** Penetration testing review: a person reviews the latest penetration test findings and their remediation, and attests it (the report's age is security.penetration-test). */
export default attestedCheck('security.penetration-testing-review', SECURITY.penetrationTestingReview, SECURITY_COMMAND);
