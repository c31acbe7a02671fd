/**
 * Every example in README.md and docs/*.md is run, so that none stops matching the code unseen.
 *
 * How a fenced block is read (the marker is an HTML comment on the last non-blank line before the fence):
 * - ```yaml and ```json: a configuration file. It is written out and loaded with `nvcops config check`,
 *   which must exit 0; every `${VAR}` in it is set (to `docs-example-VAR`), and the certificate and key files it
 *   names (`.pem`, `.key`, `.crt`) are made in a scratch directory and the path pointed there (a config
 *   naming files is only valid where they exist). `<!-- not-config -->` before the fence: YAML or JSON
 *   that is not a configuration (a manifest, an IAM policy); it must still parse.
 * - ```sh and ```bash: every line that starts with `nvcops ` is a command (the rest of the line after an
 *   unquoted #, >, |, ; or && is left out; `\` continues a line). It runs, as the built CLI, in a
 *   directory whose `nvcops.yaml` is the README's quick-start file pointed at this file's servers
 *   (PostgreSQL, Redis, an HTTP service), all examples sharing one state directory; it must not exit
 *   64 (usage) or 70 (internal error) and must print no stack trace. Markers:
 *     `<!-- needs: aws -->`        the same, with `aws:` added and the AWS SDK pointed at the loopback
 *                                  endpoint (test/support/aws-endpoint.ts), which must be asked something;
 *     `<!-- example: dry-run -->`  an action: run with `--dry-run` added;
 *     `<!-- example: parse-only -->` needs what a test machine has not (a pgBackRest stanza, a real
 *                                  backup id): run with `--help` added, which must exit 0.
 *   Lines not starting with `nvcops ` (npm, git, export, echo) are not run.
 * - Any other language (sql, text, none) is not run.
 */
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import pg from 'pg';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAwsEndpoint, type AwsEndpoint } from './support/aws-endpoint.js';
import { nvcops } from './support/cli.js';
import { commandWords } from './support/shell-words.js';
import { startPostgres, startRedis, type PgServer, type RedisServer } from './support/servers.js';

const ROOT = new URL('..', import.meta.url).pathname;
const PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];

interface Block { page: string; line: number; lang: string; marker: string | undefined; text: string }

function blocksOf(page: string, markdown: string): Block[] {
  const lines = markdown.split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)/.exec(lines[i]!);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith('```'));
    let k = i - 1;
    while (k >= 0 && lines[k]!.trim() === '') k--;
    const marker = k >= 0 ? /^<!--\s*(.*?)\s*-->$/.exec(lines[k]!.trim())?.[1] : undefined;
    out.push({ page, line: i + 1, lang: open[1]!, marker, text: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return out;
}

const BLOCKS = PAGES.flatMap((p) => blocksOf(p, readFileSync(join(ROOT, p), 'utf8')));
const CONFIGS = BLOCKS.filter((b) => (b.lang === 'yaml' || b.lang === 'json') && b.marker !== 'not-config');
const NOT_CONFIGS = BLOCKS.filter((b) => (b.lang === 'yaml' || b.lang === 'json') && b.marker === 'not-config');
const MARKERS = new Set([undefined, 'not-config', 'needs: aws', 'example: dry-run', 'example: parse-only']);

interface Command { block: Block; words: string[] }
const COMMANDS: Command[] = BLOCKS.filter((b) => b.lang === 'sh' || b.lang === 'bash').flatMap((block) =>
  block.text.replace(/\\\n\s*/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l.startsWith('nvcops ')).map((l) => ({ block, words: commandWords(l).slice(1) })));

const where = (b: Block) => `${b.page}:${b.line}`;
const VARS = (text: string) => Object.fromEntries([...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}/g)].map((m) => [m[1]!, `docs-example-${m[1]}`]));

describe('every configuration in README.md and docs/ loads with nvcops config check', () => {
  it('finds the README quick start and the reference configuration, and knows every marker', () => {
    expect(CONFIGS.filter((b) => b.page === 'README.md').length).toBeGreaterThan(0);
    expect(CONFIGS.some((b) => b.page === 'docs/configuration.md' && b.text.includes('environments:'))).toBe(true);
    expect(BLOCKS.filter((b) => !MARKERS.has(b.marker)).map((b) => `${where(b)} <!-- ${b.marker} -->`)).toEqual([]);
  });

  it.each(CONFIGS.map((b) => [where(b), b] as const))('%s', async (_, block) => {
    const scratch = mkdtempSync(join(tmpdir(), 'nvcops-docs-files-'));
    const doc = block.lang === 'json' ? JSON.parse(block.text) : parse(block.text);
    expect(doc, 'a configuration is a map of keys').toBeTypeOf('object');
    // Certificate and key files must exist: make each one named, in the scratch directory.
    const files = (v: unknown): unknown => {
      if (typeof v === 'string' && /^\/\S+\.(pem|key|crt)$/.test(v)) {
        const p = join(scratch, basename(v));
        writeFileSync(p, '');
        return p;
      }
      if (Array.isArray(v)) return v.map(files);
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, files(x)]));
      return v;
    };
    const path = join(scratch, block.lang === 'json' ? 'nvcops.json' : 'nvcops.yaml');
    writeFileSync(path, block.lang === 'json' ? JSON.stringify(files(doc)) : stringify(files(doc)));
    const r = await nvcops(['config', 'check', '--config', path], { env: VARS(block.text) });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });

  it.each(NOT_CONFIGS.map((b) => [where(b), b] as const))('%s (not a configuration) parses', (_, block) => {
    expect(() => (block.lang === 'json' ? JSON.parse(block.text) : parse(block.text))).not.toThrow();
  });
});

describe('every nvcops command in the sh blocks of README.md and docs/ runs against local servers', () => {
  let pgServer: PgServer;
  let redis: RedisServer;
  let service: Server;
  let aws: AwsEndpoint;
  let local: string;
  let cloud: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    // WAL archived, as on a server whose backups are in order (the checklist's backup line reads pg_stat_archiver).
    [pgServer, redis, aws] = await Promise.all([
      startPostgres({ settings: { archive_mode: 'on', archive_command: 'mkdir -p ../wal-archive && cp %p ../wal-archive/%f' } }),
      startRedis(),
      startAwsEndpoint(),
    ]);
    service = createServer((_, res) => res.end('ok'));
    await new Promise<void>((r) => service.listen(0, '127.0.0.1', r));
    const port = (service.address() as { port: number }).port;
    // The README's quick-start file, with the reader's servers swapped for these.
    const quick = parse(CONFIGS.find((b) => b.page === 'README.md')!.text);
    quick.postgres.url = pgServer.monitorUrl;
    quick.redis.url = redis.url;
    quick.services[0].url = `http://127.0.0.1:${port}/healthz`;
    quick.logs.postgres = pgServer.logFile;
    const work = mkdtempSync(join(tmpdir(), 'nvcops-docs-'));
    local = join(work, 'local');
    cloud = join(work, 'aws');
    mkdirSync(local);
    mkdirSync(cloud);
    writeFileSync(join(local, 'nvcops.yaml'), stringify(quick));
    writeFileSync(join(cloud, 'nvcops.yaml'), stringify({ ...quick, aws: { region: 'us-east-1', loadBalancer: 'app/bank-api/50dc6c495c0c9188', autoScalingGroups: ['bank-api'], rds: { instances: ['bank-db'] } } }));
    env = { XDG_STATE_HOME: join(work, 'state'), ...VARS(CONFIGS.find((b) => b.page === 'README.md')!.text) };
    // A burst of failed logins: the high-severity security event the quick start acknowledges.
    for (let i = 0; i < 6; i++) {
      const c = new pg.Client({ connectionString: pgServer.urlFor('nvcops_monitor', 'postgres', 'wrong-password') });
      await expect(c.connect()).rejects.toThrow(/password authentication failed/);
    }
  });
  afterAll(async () => {
    await new Promise((r) => service?.close(r));
    await Promise.all([pgServer?.stop(), redis?.stop(), aws?.stop()]);
  });

  const run = (args: string[], cwd = local, extra: Record<string, string> = {}) => nvcops(args, { cwd, env: { ...env, ...extra } });

  it('the README quick start: config check, the checklist failing on the unreviewed burst, the review, the checklist again', async () => {
    const quick = COMMANDS.filter((c) => c.block.page === 'README.md').map((c) => c.words.join(' '));
    expect(quick).toEqual(expect.arrayContaining(['config check', 'health daily', 'health security --last-24h', 'health daily --only-problems']));
    expect((await run(['config', 'check'])).exitCode).toBe(0);
    const before = await run(['health', 'daily']);
    for (const line of ['All services running', 'Database connections healthy', 'API response times < 200ms', 'Error rates < 0.1%', 'Backup verification completed']) expect(before.stdout).toContain(line);
    expect(before.stdout).toMatch(/✖ Security alerts reviewed/);
    expect(before.exitCode).toBe(2);
    const ack = COMMANDS.find((c) => c.block.page === 'README.md' && c.words[2] === 'ack')!;
    const acked = await run(ack.words);
    expect(acked.exitCode, acked.stderr).toBe(0);
    const after = await run(['health', 'daily']);
    expect(after.stdout).toMatch(/✔ Security alerts reviewed/);
    expect(after.exitCode, after.stdout).toBeLessThan(2);
  });

  it.each(COMMANDS.map((c) => [`${where(c.block)} nvcops ${c.words.join(' ')}`, c] as const))('%s', async (_, { block, words }) => {
    const marker = block.marker;
    const args = marker === 'example: parse-only' ? [...words, '--help'] : marker === 'example: dry-run' && !words.includes('--dry-run') ? [...words, '--dry-run'] : words;
    const before = marker === 'needs: aws' ? aws.requests.length : 0;
    const r = marker === 'needs: aws' ? await run(args, cloud, aws.env()) : await run(args);
    const said = `exit ${r.exitCode}\n${r.stdout}\n${r.stderr}`;
    if (marker === 'example: parse-only') expect(r.exitCode, said).toBe(0);
    expect([64, 70], said).not.toContain(r.exitCode);
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    if (marker === 'needs: aws') expect(aws.requests.length, 'the example asked the AWS endpoint nothing').toBeGreaterThan(before);
  });
});

/** GitHub's anchor for a heading: lower case, punctuation but - and _ dropped, spaces to -. */
const anchor = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\- _]/gu, '').replace(/ /g, '-');

describe('every link between README.md and docs/ leads somewhere', () => {
  it.each(PAGES)('%s', (page) => {
    const text = readFileSync(join(ROOT, page), 'utf8');
    const broken: string[] = [];
    // Links outside code: fenced blocks and inline code are left out.
    const prose = text.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
    for (const [, target] of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      const [file, hash] = target!.split('#');
      const path = file ? join(ROOT, dirname(page), file) : join(ROOT, page);
      // The runbook itself lives beside the repository, not in it.
      if (!path.startsWith(ROOT)) continue;
      if (!existsSync(path)) {
        broken.push(`${target}: no such file`);
        continue;
      }
      if (hash && path.endsWith('.md')) {
        const headings = readFileSync(path, 'utf8').replace(/^```[\s\S]*?^```/gm, '').split('\n').filter((l) => /^#+ /.test(l)).map((l) => anchor(l.replace(/^#+ /, '')));
        if (!headings.includes(hash)) broken.push(`${target}: no heading #${hash}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
