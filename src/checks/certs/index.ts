import daysLeft from './days-left.js';
import strength from './strength.js';
import validity from './validity.js';

export const certsChecks = [daysLeft, validity, strength];
