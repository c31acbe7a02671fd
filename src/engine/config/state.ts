import * as z from 'zod';

/** Audit trail, run history, records: a local directory (default) or a shared PostgreSQL. */
export const state = z
  .strictObject({
    path: z.string().min(1).optional(),
    url: z.string().min(1).optional(),
    /** Where `audit anchor` writes the trail's heads: out of reach of nvcops' own file and database access. */
    anchors: z
      .array(z.union([
        z.strictObject({ file: z.string().min(1) }),
        z.strictObject({ url: z.string().min(1) }),
        z.strictObject({ syslog: z.string().regex(/^(\/\S+|udp:\/\/([^/:\s]+|\[[^\]\s]+\]):\d+)$/, 'a unix socket path (/dev/log) or udp://host:port') }),
      ]))
      .optional(),
  })
  .refine((s) => !(s.path && s.url), 'set state.path (local files) or state.url (PostgreSQL), not both')
  .optional();
