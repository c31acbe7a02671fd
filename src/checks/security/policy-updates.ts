import { SECURITY, SECURITY_COMMAND, attestedCheck } from '../../reviews/controls.js';

/** Security policy updates: a person reviews and updates the security policies, and attests it. */
export default attestedCheck('security.policy-updates', SECURITY.securityPolicyUpdates, SECURITY_COMMAND);
