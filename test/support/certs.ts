/** Certificates made with the openssl command line for tests: a CA and leaves signed by it, good and bad. */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export interface TestCa {
  dir: string;
  /** The CA certificate (PEM file path). */
  ca: string;
  /** Makes a key and a certificate signed by the CA; returns their paths. */
  leaf(name: string, opts?: { hosts?: string[]; days?: number; bits?: number; md?: string; expired?: boolean }): Promise<{ cert: string; key: string }>;
}

export async function makeCa(): Promise<TestCa> {
  const dir = mkdtempSync(join(tmpdir(), 'nvcops-certs-'));
  const ca = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca.key');
  await execa('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', ca, '-days', '3650', '-subj', '/CN=nvcops test CA']);
  // `openssl ca` can sign with explicit dates (an already-expired certificate); it needs a small database.
  mkdirSync(join(dir, 'newcerts'));
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  const cnf = join(dir, 'ca.cnf');
  writeFileSync(cnf, [
    '[ca]', 'default_ca = local', '[local]', `dir = ${dir}`, `database = ${dir}/index.txt`, `new_certs_dir = ${dir}/newcerts`,
    `serial = ${dir}/serial`, 'default_md = sha256', 'policy = any', 'copy_extensions = copy', 'unique_subject = no', '[any]', 'commonName = supplied', '',
  ].join('\n'));
  return {
    dir,
    ca,
    async leaf(name, opts = {}) {
      const key = join(dir, `${name}.key`);
      const csr = join(dir, `${name}.csr`);
      const cert = join(dir, `${name}.pem`);
      const hosts = opts.hosts ?? ['localhost', '127.0.0.1'];
      const san = `subjectAltName=${hosts.map((h) => (/^\d/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(',')}`;
      await execa('openssl', ['req', '-newkey', `rsa:${opts.bits ?? 2048}`, '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${hosts[0]}`, '-addext', san]);
      if (opts.expired) {
        await execa('openssl', ['ca', '-config', join(dir, 'ca.cnf'), '-batch', '-notext', '-cert', ca, '-keyfile', join(dir, 'ca.key'), '-in', csr, '-out', cert,
          '-startdate', '20200101000000Z', '-enddate', '20200201000000Z']);
      } else {
        await execa('openssl', ['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', join(dir, 'ca.key'), '-CAcreateserial', '-out', cert,
          '-days', String(opts.days ?? 365), `-${opts.md ?? 'sha256'}`, '-copy_extensions', 'copy']);
      }
      return { cert, key };
    },
  };
}

/** Copies a certificate and key where the PostgreSQL server (run as `postgres` under root) can read them; the key private to it. */
export async function forPostgres(pair: { cert: string; key: string }): Promise<{ cert: string; key: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'nvcops-pgtls-'));
  const cert = join(dir, 'server.crt');
  const key = join(dir, 'server.key');
  await execa('cp', [pair.cert, cert]);
  await execa('cp', [pair.key, key]);
  chmodSync(dir, 0o755);
  chmodSync(key, 0o600);
  if (process.getuid?.() === 0) await execa('chown', ['postgres', cert, key]).catch(() => execa('chown', ['nobody', cert, key]));
  return { cert, key };
}
