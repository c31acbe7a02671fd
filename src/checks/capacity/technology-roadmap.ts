import { CAPACITY, CAPACITY_COMMAND, attestedCheck } from '../../reviews/controls.js';

/** Technology roadmap update: a person updates the technology roadmap with the month's findings, and attests it. */
export default attestedCheck('capacity.technology-roadmap', CAPACITY.technologyRoadmapUpdate, CAPACITY_COMMAND);
