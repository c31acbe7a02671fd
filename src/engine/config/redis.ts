import * as z from 'zod';
import { name, path, timeout } from './fields.js';

export const redis = z
  .strictObject({
    url: z.string().min(1).optional(),
    connectTimeout: timeout.optional(),
    /** Sentinel: the sentinels' URLs and the monitored master's name. */
    sentinels: z.array(z.string().min(1)).min(1).optional(),
    name: name.optional(),
    /** Cluster: seed node URLs; every node is found from them. */
    cluster: z.array(z.string().min(1)).min(1).optional(),
    /** Credentials of the data nodes behind sentinels or in a cluster (a URL carries its own). */
    username: name.optional(),
    password: z.string().min(1).optional(),
    /** The database for a master behind sentinels (a standalone URL names its own: redis://…/3). */
    database: z.int().min(0).max(65535).optional(),
    /** TLS for every connection (server, sentinels, master, cluster nodes): trusted CA and a client certificate for tls-auth-clients. */
    tls: z.strictObject({ ca: path.optional(), cert: path.optional(), key: path.optional() }).optional(),
    /** Replicas each master should have online: a master drops a replica it lost from its list, so only a number to expect shows the loss. */
    replicas: z.int().min(0).max(100).optional(),
  })
  .optional();
