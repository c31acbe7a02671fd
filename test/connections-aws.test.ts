import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAwsEndpoint, type AwsEndpoint } from './support/aws-endpoint.js';
import { nvcops, writeConfig } from './support/cli.js';
import { parseReport } from './support/report.js';

const LB = 'app/bank-api/50dc6c495c0c9188';
const TG = 'targetgroup/bank-api/73e2d6bc24d8a067';
const SECRET = 'profile-secret-key-do-not-print';
const aws = { loadBalancer: LB, targetGroup: TG, rds: { instances: ['bank-db'] }, elasticache: { clusters: ['bank-cache-0001-001'] } };
const LINES = ['aws.api-latency-p95', 'aws.rds-cpu', 'aws.elasticache-cpu'];

/** AWS CLI files in a temp directory: [profile ops] with its region in config, its keys in credentials. */
function awsFiles(config: string, credentials = `[ops]\naws_access_key_id = AKIAPROFILEOPS000000\naws_secret_access_key = ${SECRET}\n`) {
  const dir = mkdtempSync(join(tmpdir(), 'nvcops-aws-'));
  writeFileSync(join(dir, 'config'), config);
  writeFileSync(join(dir, 'credentials'), credentials);
  return { AWS_CONFIG_FILE: join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials') };
}

describe('AWS: region, profile and credentials from the same chain as the AWS CLI', () => {
  let cw: AwsEndpoint;
  beforeAll(async () => {
    cw = await startAwsEndpoint();
  });
  afterAll(async () => {
    await cw?.stop();
  });
  /** Forgets the last run's requests; healthy metrics for the three lines. */
  const reset = () => {
    cw.reset();
    cw.metric('AWS/ApplicationELB', 'TargetResponseTime', { LoadBalancer: LB }, () => [0.05, 0.06]);
    cw.metric('AWS/RDS', 'CPUUtilization', { DBInstanceIdentifier: 'bank-db' }, () => 30);
    for (const name of ['CPUUtilization', 'EngineCPUUtilization']) cw.metric('AWS/ElastiCache', name, { CacheClusterId: 'bank-cache-0001-001' }, () => 10);
  };
  beforeEach(reset);

  /** The endpoint's variables without the region and the key pair, so that only the profile can supply them. */
  const env = (extra: Record<string, string>) => ({ ...cw.env(), AWS_REGION: '', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', ...extra });
  const health = async (config: object, extra: Record<string, string>) => {
    const r = await nvcops(['health', 'daily', '--config', writeConfig(config), '--format', 'json'], { env: env(extra) });
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    return parseReport(r.stdout).byId;
  };
  const regions = () => [...new Set(cw.calls().map((c) => c.region))];

  it('aws.profile with its region in [profile ops]: the ALB, RDS and ElastiCache lines work, signed for that region', async () => {
    const files = awsFiles('[profile ops]\nregion = eu-central-1\n');
    const byId = await health({ aws: { ...aws, profile: 'ops' } }, files);
    for (const id of LINES) expect(byId[id], id).toMatchObject({ status: 'pass' });
    expect(regions()).toEqual(['eu-central-1']);
  });

  it('AWS_PROFILE picks the profile when aws.profile is not set; a profile without a region says so', async () => {
    const files = awsFiles('[profile ops]\nregion = ap-southeast-2\n[profile bare]\noutput = json\n', `[ops]\naws_access_key_id = AKIAPROFILEOPS000000\naws_secret_access_key = ${SECRET}\n[bare]\naws_access_key_id = AKIAPROFILEBARE00000\naws_secret_access_key = ${SECRET}\n`);
    const byId = await health({ aws }, { ...files, AWS_PROFILE: 'ops' });
    for (const id of LINES) expect(byId[id], id).toMatchObject({ status: 'pass' });
    expect(regions()).toEqual(['ap-southeast-2']);
    reset();
    const bare = await health({ aws: { ...aws, profile: 'bare' } }, files);
    expect(bare['aws.rds-cpu']).toMatchObject({ status: 'error', message: expect.stringContaining('AWS region missing: set aws.region or AWS_REGION (or AWS_DEFAULT_REGION, or region in the AWS profile') });
    expect(cw.calls()).toHaveLength(0);
  });

  it('AWS_REGION beats AWS_DEFAULT_REGION, which beats the profile, as in the CLI; aws.region beats them all', async () => {
    const files = awsFiles('[profile ops]\nregion = eu-central-1\n');
    const cases: [object, Record<string, string>, string][] = [
      [{ ...aws, profile: 'ops' }, { AWS_DEFAULT_REGION: 'eu-north-1' }, 'eu-north-1'],
      [{ ...aws, profile: 'ops' }, { AWS_DEFAULT_REGION: 'eu-north-1', AWS_REGION: 'eu-west-3' }, 'eu-west-3'],
      [{ ...aws, profile: 'ops', region: 'us-west-2' }, { AWS_DEFAULT_REGION: 'eu-north-1', AWS_REGION: 'eu-west-3' }, 'us-west-2'],
    ];
    for (const [config, vars, region] of cases) {
      reset();
      const byId = await health({ aws: config }, { ...files, ...vars });
      expect(byId['aws.rds-cpu'], region).toMatchObject({ status: 'pass' });
      expect(regions()).toEqual([region]);
    }
  });

  it('config check names where the region, profile, credentials and endpoint come from, and shows no secret', async () => {
    const files = awsFiles('[profile ops]\nregion = eu-central-1\n');
    const check = (config: object, extra: Record<string, string>) =>
      nvcops(['config', 'check', '--config', writeConfig({ aws: config })], { env: env(extra) });
    const r = await check({ profile: 'ops' }, files);
    expect(r.exitCode).toBe(0);
    const section = r.stdout.slice(r.stdout.indexOf('# AWS'));
    expect(section).toMatch(new RegExp(`region\\s+eu-central-1\\s+profile ops in ${files.AWS_CONFIG_FILE}`));
    expect(section).toMatch(/profile\s+ops\s+aws\.profile/);
    expect(section).toMatch(new RegExp(`credentials\\s+access key \\(profile ops\\)\\s+${files.AWS_SHARED_CREDENTIALS_FILE}`));
    expect(section).toMatch(/endpoint\s+http:\/\/127\.0\.0\.1:\d+\S*\s+AWS_ENDPOINT_URL/);
    expect(r.stdout).not.toContain(SECRET);
    const fromEnv = await check({ endpoint: 'https://monitoring.example.internal' }, { ...files, AWS_DEFAULT_REGION: 'eu-north-1', AWS_ACCESS_KEY_ID: 'AKIAENVKEY0000000000', AWS_SECRET_ACCESS_KEY: SECRET });
    const envSection = fromEnv.stdout.slice(fromEnv.stdout.indexOf('# AWS'));
    expect(envSection).toMatch(/region\s+eu-north-1\s+AWS_DEFAULT_REGION/);
    expect(envSection).toMatch(/profile\s+default\s+default/);
    expect(envSection).toMatch(/credentials\s+access key AKIAENVKEY0000000000\s+AWS_ACCESS_KEY_ID \/ AWS_SECRET_ACCESS_KEY/);
    expect(envSection).toMatch(/endpoint\s+https:\/\/monitoring\.example\.internal\s+aws\.endpoint/);
    expect(fromEnv.stdout).not.toContain(SECRET);
  });
});
