import responseTime from './response-time.js';
import serviceUp from './service-up.js';
import uptime from './uptime.js';

export const httpChecks = [serviceUp, uptime, responseTime];
