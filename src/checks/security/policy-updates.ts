import { controlCheck } from '../../controls/check.js';

/** Security policy updates: a person reviews and updates the security policies, and attests it. */
export default controlCheck('security-policy-updates');
