import connectTime from './connect-time.js';
import connectionSaturation from './connection-saturation.js';

export const postgresChecks = [connectTime, connectionSaturation];
