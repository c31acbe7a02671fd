import { SECURITY_COMMAND, securityControls, attestedCheck } from '../../reviews/controls.js';

/** Penetration testing review: a person reviews the latest penetration test findings and their remediation, and attests it (the report's age is security.penetration-test). */
export default attestedCheck('security.penetration-testing-review', securityControls[0], SECURITY_COMMAND);
