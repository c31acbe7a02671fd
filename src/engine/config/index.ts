/** The configuration: one schema file per system, assembled in schema.ts, found and loaded by load.ts. */
export { configPlaces, configValues, definedEnvironments, environmentNames, findConfigFile, loadConfig, loadConfigs, type LoadOptions } from './load.js';
export { isProtected, type Config, type EnvironmentConfig } from './schema.js';
export type { Replica } from './postgres.js';
