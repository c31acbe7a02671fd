import { defineCheck } from '../../engine/check.js';

/** A second pgBackRest repository holding valid backups: one copy off the primary site survives the loss of the first. */
export default defineCheck({
  id: 'backups.pgbackrest-offsite',
  title: 'A second, off-site backup repository (pgBackRest repo2)',
  requires: ['pgbackrest'],
  unit: 'count',
  // 3-2-1 rule; FFIEC IT Handbook, Business Continuity Management: backups kept at an off-site location
  thresholds: { warn: '< 2', source: 'FFIEC BCM (off-site backup copies); 3-2-1 rule' },
  async run({ probes }) {
    const { repo } = await probes.pgbackrest.info();
    const usable = repo.filter((r) => r.status.code === 0);
    const details = repo.map((r) => `repo${r.key}: ${r.status.message}`);
    return {
      value: usable.length,
      message: usable.length >= 2
        ? `${usable.length} repositories with valid backups: ${usable.map((r) => `repo${r.key}`).join(', ')}`
        : `${usable.length} repositor${usable.length === 1 ? 'y' : 'ies'} with valid backups${repo.length > usable.length ? ` (${repo.filter((r) => r.status.code !== 0).map((r) => `repo${r.key}: ${r.status.message}`).join('; ')})` : ''}: configure repo2 off-site (S3, Azure, GCS or a remote host) and back up to it`,
      details,
    };
  },
});
