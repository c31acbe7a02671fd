import { SECURITY_COMMAND, securityControls, attestedCheck } from '../../reviews/controls.js';

/** Security policy updates: a person reviews and updates the security policies, and attests it. */
export default attestedCheck('security.policy-updates', securityControls[1], SECURITY_COMMAND);
