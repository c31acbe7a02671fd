import costOptimization from './cost-optimization.js';
import costs from './costs.js';
import performanceChange from './performance-change.js';
import performanceForecast from './performance-forecast.js';
import scalingFindings from './scaling-findings.js';
import technologyRoadmap from './technology-roadmap.js';
import weeklyRuns from './weekly-runs.js';

export const capacityChecks = [weeklyRuns, scalingFindings, costs, costOptimization, performanceForecast, performanceChange, technologyRoadmap];
