/**
 * A loopback npm registry that speaks the two calls `npm audit` makes: POST
 * /-/npm/v1/security/advisories/bulk (the advisories for the lockfile's packages) and GET /<name>
 * (the packument, to work out the fix). The real npm client produces its real audit JSON from it.
 */
import { createServer, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';

export interface Advisory {
  id: number;
  title: string;
  severity: 'critical' | 'high' | 'moderate' | 'low' | 'info';
  vulnerable_versions: string;
}

export async function startNpmRegistry(advisories: Record<string, Advisory[]>, versions: Record<string, string[]>): Promise<{ url: string; stop(): void }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST' && req.url?.endsWith('/-/npm/v1/security/advisories/bulk')) {
        const asked = JSON.parse(body.toString()) as Record<string, string[]>;
        const answer = Object.fromEntries(Object.keys(asked).filter((n) => advisories[n]).map((n) => [n, advisories[n]!.map((a) => ({
          ...a, url: `https://advisories.invalid/${a.id}`, cwe: [], cvss: { score: 0, vectorString: null },
        }))]));
        res.end(JSON.stringify(answer));
        return;
      }
      const name = decodeURIComponent(req.url!.slice(1));
      const list = versions[name];
      if (req.method === 'GET' && list) {
        res.end(JSON.stringify({
          name, 'dist-tags': { latest: list[list.length - 1] },
          versions: Object.fromEntries(list.map((v) => [v, { name, version: v, dist: { tarball: `http://127.0.0.1/${name}-${v}.tgz` } }])),
        }));
        return;
      }
      res.statusCode = 404;
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, stop: () => server.close() };
}
