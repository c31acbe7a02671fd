import postgresPrivileges from './postgres-privileges.js';
import postgresRoles from './postgres-roles.js';
import redisUsers from './redis-users.js';

export const accessChecks = [postgresRoles, postgresPrivileges, redisUsers];
