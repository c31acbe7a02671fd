/**
 * Certificates of the configured endpoints (HTTPS, PostgreSQL through its SSLRequest STARTTLS,
 * Redis over TLS) and PEM files: days left, chain and host name, key size, signature algorithm.
 * Read with Node's own TLS and X509Certificate: no openssl binary needed at run time.
 */
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { isIP, Socket, connect as tcpConnect } from 'node:net';
import { connect as tlsConnect, rootCertificates, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import type { Config } from '../engine/config/index.js';

export interface CertificateReport {
  /** The endpoint's name or URL without credentials, or the file path. */
  source: string;
  subject?: string;
  notAfter?: string;
  daysLeft?: number;
  /** Why the chain does not lead to a trusted CA, or undefined when it does. */
  chainProblem?: string;
  /** Why the certificate does not name the host, or undefined when it does (endpoints only). */
  hostProblem?: string;
  key?: string;
  signature?: string;
  /** Weak key or signature, in words. */
  weaknesses: string[];
  /** The certificate could not be read at all (refused, no TLS, unreadable file). */
  error?: string;
}

const DAY_MS = 86_400_000;

// Signature algorithm OIDs (RFC 4055, RFC 5758, RFC 8410); SHA-1 and MD5 ones are weak (CA/Browser Forum BR 7.1.3).
const SIGNATURES: Record<string, string> = {
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'RSASSA-PSS',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
};

/** One DER element: where its content starts and ends. */
function der(buf: Buffer, at: number): { tag: number; start: number; end: number } {
  const tag = buf[at]!;
  let len = buf[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[start + i]!;
    start += n;
  }
  return { tag, start, end: start + len };
}

/** The certificate's signatureAlgorithm OID (Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signature }). */
function signatureOid(raw: Buffer): string {
  const cert = der(raw, 0);
  const tbs = der(raw, cert.start);
  const alg = der(raw, tbs.end);
  const oid = der(raw, alg.start);
  const bytes = raw.subarray(oid.start, oid.end);
  const parts = [Math.floor(bytes[0]! / 40), bytes[0]! % 40];
  let v = 0;
  for (const b of bytes.subarray(1)) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) { parts.push(v); v = 0; }
  }
  return parts.join('.');
}

// NIST SP 800-57 / CA/Browser Forum BR 6.1.5: RSA at least 2048 bits, ECC at least 256 bits.
const MIN_RSA_BITS = 2048;
const MIN_EC_BITS = 256;
/** Curve sizes by the names Node (OpenSSL) reports in asymmetricKeyDetails.namedCurve: NIST P-192 is `prime192v1`, P-256 `prime256v1`. */
const CURVE_BITS: Record<string, number> = {
  prime192v1: 192, prime192v2: 192, prime192v3: 192, prime239v1: 239, prime239v2: 239, prime239v3: 239, prime256v1: 256,
  secp112r1: 112, secp112r2: 112, secp128r1: 128, secp128r2: 128, secp160k1: 160, secp160r1: 160, secp160r2: 160,
  secp192k1: 192, secp224k1: 224, secp224r1: 224, secp256k1: 256, secp384r1: 384, secp521r1: 521,
  brainpoolP160r1: 160, brainpoolP160t1: 160, brainpoolP192r1: 192, brainpoolP192t1: 192, brainpoolP224r1: 224, brainpoolP224t1: 224,
  brainpoolP256r1: 256, brainpoolP256t1: 256, brainpoolP320r1: 320, brainpoolP320t1: 320, brainpoolP384r1: 384, brainpoolP384t1: 384,
  brainpoolP512r1: 512, brainpoolP512t1: 512, SM2: 256,
};

/**
 * Weak key or signature of one certificate, in words; a key whose strength cannot be judged is named as such, never passed.
 * `judgeSignature` false for a root's self-signature: a trust anchor is trusted as it is, its self-signature is never
 * checked (RFC 5280 §6.1.1), and Node's own roots include SHA-1 self-signed ones.
 */
function weaknessesOf(cert: X509Certificate, judgeSignature = true): { key: string; signature: string; weaknesses: string[] } {
  const weaknesses: string[] = [];
  const k = cert.publicKey;
  const details = k.asymmetricKeyDetails ?? {};
  let key = k.asymmetricKeyType ?? 'unknown';
  if (details.modulusLength) {
    key = `${key} ${details.modulusLength} bits`;
    if (details.modulusLength < MIN_RSA_BITS) weaknesses.push(`${details.modulusLength}-bit ${k.asymmetricKeyType} key (< ${MIN_RSA_BITS})`);
  } else if (details.namedCurve) {
    key = `${key} ${details.namedCurve}`;
    const bits = CURVE_BITS[details.namedCurve];
    if (bits === undefined) weaknesses.push(`${details.namedCurve} curve of unknown strength (not a known curve of ${MIN_EC_BITS}+ bits)`);
    else if (bits < MIN_EC_BITS) weaknesses.push(`${details.namedCurve} curve (${bits} bits < ${MIN_EC_BITS})`);
  } else if (k.asymmetricKeyType !== 'ed25519' && k.asymmetricKeyType !== 'ed448') {
    weaknesses.push(`${key} key of unknown strength`);
  }
  const oid = signatureOid(cert.raw);
  const signature = SIGNATURES[oid] ?? oid;
  if (judgeSignature && /md5|sha1/i.test(signature)) weaknesses.push(`${signature} signature (SHA-1 and MD5 are broken)`);
  return { key, signature, weaknesses };
}

const selfSigned = (cert: X509Certificate): boolean => cert.checkIssued(cert) && cert.verify(cert.publicKey);

/**
 * A chain (leaf first) described by its leaf, with the weak keys and signatures of every certificate in it: a weak link
 * anywhere breaks the chain. One rule for a file's chain and the one an endpoint sends.
 */
function describe(chain: X509Certificate[], now: Date): Pick<CertificateReport, 'subject' | 'notAfter' | 'daysLeft' | 'key' | 'signature' | 'weaknesses'> {
  const leaf = chain[0]!;
  const notAfter = new Date(leaf.validTo);
  const { key, signature, weaknesses } = weaknessesOf(leaf);
  const above = chain.slice(1).flatMap((c, i) =>
    weaknessesOf(c, !selfSigned(c)).weaknesses.map((w) => `certificate ${i + 2} (${c.subject.replace(/\n/g, ', ')}): ${w}`));
  return {
    subject: leaf.subject.replace(/\n/g, ', '),
    notAfter: notAfter.toISOString(),
    daysLeft: Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS),
    key,
    signature,
    weaknesses: [...weaknesses, ...above],
  };
}

/** The CAs to trust: Node's roots plus `certificates.ca` (an internal CA bundle). */
function trustedCas(config: Config): string[] | undefined {
  const ca = config.certificates?.ca;
  return ca ? [...rootCertificates, readFileSync(ca, 'utf8')] : undefined;
}

const PEM = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * One run's trust, read on first need and then kept: the CAs for the TLS handshake (certificates.ca, when set), and the
 * certificates a chain must lead to. A `certificates.ca` that cannot be read fails where it is needed, as before.
 */
interface Trust {
  cas(): string[] | undefined;
  roots(): X509Certificate[];
}

function trustOf(config: Config): Trust {
  let cas: { value: string[] | undefined } | undefined;
  let roots: X509Certificate[] | undefined;
  const trust: Trust = {
    cas: () => (cas ??= { value: trustedCas(config) }).value,
    roots: () => (roots ??= (trust.cas() ?? rootCertificates).flatMap((pem) => pem.match(PEM) ?? []).map((pem) => new X509Certificate(pem))),
  };
  return trust;
}

/** A chain (leaf first) leads, certificate by certificate, to one of the trusted CAs. */
function chainProblem(chain: X509Certificate[], roots: X509Certificate[]): string | undefined {
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!chain[i]!.checkIssued(chain[i + 1]!) || !chain[i]!.verify(chain[i + 1]!.publicKey)) {
      return `certificate ${i + 1} is not signed by certificate ${i + 2} in the file`;
    }
  }
  const last = chain[chain.length - 1]!;
  if (roots.some((r) => r.fingerprint256 === last.fingerprint256)) return undefined;
  if (roots.some((r) => last.checkIssued(r) && last.verify(r.publicKey))) return undefined;
  return last.checkIssued(last) ? 'self-signed and not a trusted CA' : `issuer "${last.issuer.replace(/\n/g, ', ')}" is not a trusted CA (set certificates.ca for an internal CA)`;
}

/** Each certificate of a chain (leaf and intermediates) is within its validity dates at the run's clock. */
function datesProblems(chain: X509Certificate[], now: Date): string[] {
  return chain.flatMap((c, i) => {
    const name = `certificate ${i + 1} (${c.subject.replace(/\n/g, ', ')})`;
    const from = new Date(c.validFrom);
    const to = new Date(c.validTo);
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) return [`${name}: validity dates cannot be read (${c.validFrom} – ${c.validTo})`];
    if (now < from) return [`${name} is not valid until ${from.toISOString()}`];
    if (now > to) return [`${name} expired on ${to.toISOString()}`];
    return [];
  });
}

/** A chain's verdict: its trust problem and each certificate's dates on the run clock, joined; undefined when it has none. */
function chainVerdict(trust: string | undefined, chain: X509Certificate[], now: Date): string | undefined {
  const problems = [trust, ...datesProblems(chain, now)].filter((p): p is string => !!p);
  return problems.length ? problems.join('; ') : undefined;
}

function inspectFile(path: string, trust: Trust, now: Date): CertificateReport {
  let chain: X509Certificate[];
  try {
    const pems = readFileSync(path, 'utf8').match(PEM) ?? [];
    if (!pems.length) return { source: path, weaknesses: [], error: 'no PEM certificate in the file' };
    chain = pems.map((p) => new X509Certificate(p));
  } catch (e) {
    return { source: path, weaknesses: [], error: (e as Error).message };
  }
  return { source: path, ...describe(chain, now), chainProblem: chainVerdict(chainProblem(chain, trust.roots()), chain, now) };
}

/** OpenSSL's verdicts that come from its clock (the system's): an endpoint's dates are judged on the run's clock instead. */
const SYSTEM_CLOCK_VERDICTS = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

/** The certificates an endpoint sent, leaf first, in the order Node links them by issuer (with the trusted root it found). */
function peerChain(socket: TLSSocket): X509Certificate[] {
  const chain: X509Certificate[] = [];
  for (let c: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true); c?.raw && !chain.some((x) => x.raw.equals(c!.raw)); c = c.issuerCertificate) {
    chain.push(new X509Certificate(c.raw));
  }
  return chain;
}

/** PostgreSQL's SSLRequest: 8 bytes (length 8, code 80877103); the server answers S (go ahead with TLS) or N. */
function postgresStartTls(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host, port });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    socket.once('error', reject);
    socket.once('connect', () => {
      const req = Buffer.alloc(8);
      req.writeInt32BE(8, 0);
      req.writeInt32BE(80877103, 4);
      socket.write(req);
    });
    socket.once('data', (d) => {
      if (d[0] === 0x53) { socket.setTimeout(0); socket.removeListener('error', reject); resolve(socket); }
      else { socket.destroy(); reject(new Error('the server does not accept SSL (answered N to SSLRequest): ssl = off')); }
    });
  });
}

const DEFAULT_PORTS: Record<string, number> = { 'https:': 443, 'postgres:': 5432, 'postgresql:': 5432, 'rediss:': 6379 };

async function inspectEndpoint(
  endpoint: { name?: string; url: string; serverName?: string },
  trust: Trust,
  now: Date,
  timeoutMs = 5000,
): Promise<CertificateReport> {
  const url = new URL(endpoint.url);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port) || DEFAULT_PORTS[url.protocol]!;
  const source = endpoint.name ?? `${url.protocol}//${url.host}`;
  const name = endpoint.serverName ?? host;
  try {
    const raw = url.protocol.startsWith('postgres') ? await postgresStartTls(host, port, timeoutMs) : undefined;
    const socket = await new Promise<TLSSocket>((resolve, reject) => {
      const s = tlsConnect({
        host, port, socket: raw, ca: trust.cas(), rejectUnauthorized: false,
        ...(isIP(name) ? {} : { servername: name }),
        // Judged separately below, so that "untrusted chain" and "wrong host" are told apart.
        checkServerIdentity: () => undefined,
      });
      s.setTimeout(timeoutMs, () => s.destroy(new Error(`no TLS handshake within ${timeoutMs} ms`)));
      s.once('secureConnect', () => resolve(s));
      s.once('error', reject);
    });
    const chain = peerChain(socket);
    const verdict = socket.authorized ? undefined : `${socket.authorizationError}`;
    socket.destroy();
    const leaf = chain[0];
    if (!leaf) return { source, weaknesses: [], error: 'the server sent no certificate' };
    // OpenSSL judges the trust; where all it objects to is dates on its clock, the chain is walked as a file's is.
    const trusted = verdict && SYSTEM_CLOCK_VERDICTS.has(verdict) ? chainProblem(chain, trust.roots()) : verdict;
    const named = isIP(name) ? leaf.checkIP(name) : leaf.checkHost(name);
    const hostProblem = named ? undefined : `${name} is not among the names it is issued for (${leaf.subjectAltName ?? leaf.subject.replace(/\n/g, ', ')})`;
    return { source, ...describe(chain, now), chainProblem: chainVerdict(trusted, chain, now), hostProblem };
  } catch (e) {
    return { source, weaknesses: [], error: (e as Error).message };
  }
}

/** Every configured certificate, endpoints read concurrently; `Probes.certificates` reads them once per run. */
export async function readCertificates(config: Config, now: Date): Promise<CertificateReport[]> {
  const c = config.certificates ?? {};
  const trust = trustOf(config);
  const files = (c.files ?? []).map((f) => inspectFile(f, trust, now));
  const endpoints = await Promise.all((c.endpoints ?? []).map((e) => inspectEndpoint(e, trust, now)));
  return [...endpoints, ...files];
}
