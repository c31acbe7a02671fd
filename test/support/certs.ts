/** Certificates made with the openssl command line for tests: a CA and leaves signed by it, good and bad. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export interface TestCa {
  dir: string;
  /** The CA certificate (PEM file path). */
  ca: string;
  /** Makes a key and a certificate signed by the CA; returns their paths. */
  leaf(name: string, opts?: LeafOptions): Promise<{ cert: string; key: string }>;
  /** An intermediate CA signed by this CA (dates and key as for a leaf); its leaves are signed by it. */
  intermediate(name: string, opts?: LeafOptions): Promise<TestCa>;
}

export interface LeafOptions {
  hosts?: string[];
  days?: number;
  bits?: number;
  /** An EC key on this curve (openssl's name: prime192v1, brainpoolP160r1) instead of RSA. */
  curve?: string;
  md?: string;
  expired?: boolean;
  /** Explicit validity dates, openssl's YYYYMMDDHHMMSSZ. */
  startdate?: string;
  enddate?: string;
}

/** openssl's YYYYMMDDHHMMSSZ for now plus some days. */
export function opensslDate(daysFromNow: number): string {
  return new Date(Date.now() + daysFromNow * 86_400_000).toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
}

/** A self-signed CA; `md` signs its own certificate (sha1 for an old root like those Node still trusts). */
export async function makeCa(opts: { md?: string } = {}): Promise<TestCa> {
  const dir = mkdtempSync(join(tmpdir(), 'nvcops-certs-'));
  const ca = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca.key');
  await execa('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', ca, '-days', '3650', `-${opts.md ?? 'sha256'}`, '-subj', '/CN=nvcops test CA']);
  // `openssl ca` can sign with explicit dates (an already-expired certificate); it needs a small database.
  mkdirSync(join(dir, 'newcerts'));
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  const cnf = join(dir, 'ca.cnf');
  writeFileSync(cnf, [
    '[ca]', 'default_ca = local', '[local]', `dir = ${dir}`, `database = ${dir}/index.txt`, `new_certs_dir = ${dir}/newcerts`,
    `serial = ${dir}/serial`, 'default_md = sha256', 'policy = any', 'copy_extensions = copy', 'unique_subject = no', '[any]', 'commonName = supplied', '',
  ].join('\n'));
  return signer(dir, ca, caKey, cnf);
}

function signer(dir: string, ca: string, caKey: string, cnf: string): TestCa {
  const make = async (name: string, opts: LeafOptions = {}, isCa = false) => {
    const key = join(dir, `${name}.key`);
    const csr = join(dir, `${name}.csr`);
    const cert = join(dir, `${name}.pem`);
    const hosts = opts.hosts ?? ['localhost', '127.0.0.1'];
    const san = `subjectAltName=${hosts.map((h) => (/^\d/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(',')}`;
    const newkey = opts.curve ? ['-newkey', 'ec', '-pkeyopt', `ec_paramgen_curve:${opts.curve}`] : ['-newkey', `rsa:${opts.bits ?? 2048}`];
    const ext = isCa ? ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'] : ['-addext', san];
    await execa('openssl', ['req', ...newkey, '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${isCa ? name : hosts[0]}`, ...ext]);
    const dates = opts.expired ? { startdate: '20200101000000Z', enddate: '20200201000000Z' } : opts.startdate || opts.enddate
      ? { startdate: opts.startdate ?? opensslDate(-1), enddate: opts.enddate ?? opensslDate(opts.days ?? 365) } : undefined;
    if (dates) {
      await execa('openssl', ['ca', '-config', cnf, '-batch', '-notext', '-cert', ca, '-keyfile', caKey, '-in', csr, '-out', cert,
        '-md', opts.md ?? 'sha256', '-startdate', dates.startdate, '-enddate', dates.enddate]);
    } else {
      await execa('openssl', ['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-out', cert,
        '-days', String(opts.days ?? 365), `-${opts.md ?? 'sha256'}`, '-copy_extensions', 'copy']);
    }
    return { cert, key };
  };
  return {
    dir,
    ca,
    leaf: (name, opts) => make(name, opts),
    async intermediate(name, opts) {
      const pair = await make(name, opts, true);
      return signer(dir, pair.cert, pair.key, cnf);
    },
  };
}
