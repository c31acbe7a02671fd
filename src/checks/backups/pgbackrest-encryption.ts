import { defineCheck } from '../../engine/check.js';

/** Every pgBackRest repository is encrypted (repo-cipher-type): a backup is a copy of all the stored account data. */
export default defineCheck({
  id: 'backups.pgbackrest-encryption',
  title: 'Backup repositories encrypted (pgBackRest repo-cipher-type)',
  requires: ['pgbackrest'],
  unit: 'count',
  // PCI DSS v4.0 3.5.1: stored account data rendered unreadable wherever it is stored, backups included
  thresholds: { fail: '> 0', source: 'PCI DSS v4.0 3.5.1 (account data unreadable wherever stored, backups included)' },
  async run({ probes }) {
    const { repo } = await probes.pgbackrest.info();
    const plain = repo.filter((r) => r.cipher === 'none');
    const details = repo.map((r) => `repo${r.key}: repo-cipher-type ${r.cipher}`);
    return {
      value: plain.length,
      message: plain.length ? `not encrypted: ${plain.map((r) => `repo${r.key}`).join(', ')} (set repo${plain[0]!.key}-cipher-type=aes-256-cbc and a passphrase)` : `every repository encrypted (${[...new Set(repo.map((r) => r.cipher))].join(', ')})`,
      details,
    };
  },
});
