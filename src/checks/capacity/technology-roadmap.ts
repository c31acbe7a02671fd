import { controlCheck } from '../../controls/check.js';

/** Technology roadmap update: a person updates the technology roadmap with the month's findings, and attests it. */
export default controlCheck('technology-roadmap-update');
