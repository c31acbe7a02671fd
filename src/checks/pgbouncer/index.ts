import clientsWaiting from './clients-waiting.js';
import maxWait from './max-wait.js';
import poolSaturation from './pool-saturation.js';

export const pgbouncerChecks = [clientsWaiting, maxWait, poolSaturation];
