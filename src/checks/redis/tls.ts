import { defineCheck } from '../../engine/check.js';

/** Traffic to the cache is encrypted: a TLS port, and no plaintext port beside it. */
export default defineCheck({
  id: 'redis.tls',
  title: 'Redis TLS',
  requires: ['redis'],
  unit: 'count',
  async run({ probes }) {
    const [tlsPort, port] = await Promise.all([probes.redis.setting('tls-port'), probes.redis.setting('port')]);
    // PCI DSS 4.0 req. 4.2.1: strong cryptography for data in transit
    if (Number(tlsPort) === 0) return { status: 'fail', message: `no TLS: tls-port 0, plaintext port ${port} — set tls-port, tls-cert-file, tls-key-file, then port 0` };
    if (Number(port) !== 0) return { status: 'warn', message: `TLS on port ${tlsPort}, but plaintext port ${port} is still open — set port 0 once clients use TLS` };
    return { status: 'pass', message: `TLS only: tls-port ${tlsPort}, plaintext port closed` };
  },
});
