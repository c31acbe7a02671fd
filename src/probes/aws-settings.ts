/**
 * Region, profile, credentials and endpoint as the AWS CLI finds them: aws.* in the config, then the
 * AWS_* variables, then the profile in AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE (~/.aws/…).
 * The SDK's own loaders read the files; only AWS_DEFAULT_REGION, which the CLI reads and the JS SDK
 * does not, is added here. Loaded with the SDK (dist/aws.cjs), so only by commands that use AWS.
 */
import type { Config } from '../engine/config/index.js';
import type { SettingSource } from '../engine/setting-source.js';

type AwsConfig = NonNullable<Config['aws']>;
type ConfigSdk = typeof import('@smithy/core/config');

/** The SDK is CommonJS once bundled: its exports arrive as `default` there, as named exports elsewhere. */
export const cjs = <T>(mod: T): T => (mod as { default?: T }).default ?? mod;
const configSdk = async (): Promise<ConfigSdk> => cjs(await import('@smithy/core/config'));

export interface Found {
  value: string;
  source: string;
}

/** The profile the SDK reads (aws.profile, else AWS_PROFILE, else default) and the files it reads it from. */
async function profileOf(config: AwsConfig, environ: NodeJS.ProcessEnv) {
  const sdk = await configSdk();
  const name = sdk.getProfileName({ profile: config.profile });
  const source = config.profile ? 'aws.profile' : environ.AWS_PROFILE ? 'AWS_PROFILE' : 'default';
  const home = (file: string) => file.replace(/^~(?=\/)/, sdk.getHomeDir());
  const files = {
    config: home(environ.AWS_CONFIG_FILE || '~/.aws/config'),
    credentials: home(environ.AWS_SHARED_CREDENTIALS_FILE || '~/.aws/credentials'),
  };
  const { configFile, credentialsFile } = await sdk.loadSharedConfigFiles({ ignoreCache: true });
  return { sdk, name, source, files, inConfig: configFile[name], inCredentials: credentialsFile[name] };
}

/** The region of the AWS CLI's chain, or undefined (the SDK then asks the instance metadata service). */
export async function awsRegion(config: AwsConfig, environ: NodeJS.ProcessEnv = process.env): Promise<Found | undefined> {
  if (config.region) return { value: config.region, source: 'aws.region' };
  for (const variable of ['AWS_REGION', 'AWS_DEFAULT_REGION']) if (environ[variable]) return { value: environ[variable]!, source: variable };
  const profile = await profileOf(config, environ);
  const { NODE_REGION_CONFIG_OPTIONS, NODE_REGION_CONFIG_FILE_OPTIONS } = profile.sdk;
  const region = await profile.sdk.loadConfig(
    { ...NODE_REGION_CONFIG_OPTIONS, environmentVariableSelector: () => undefined, default: () => undefined as unknown as string },
    { ...NODE_REGION_CONFIG_FILE_OPTIONS, profile: profile.name, ignoreCache: true },
  )();
  if (!region) return undefined;
  const file = profile.inCredentials?.region ? profile.files.credentials : profile.files.config;
  return { value: region, source: `profile ${profile.name} in ${file}` };
}

/** The region of the instance metadata service (EC2, ECS): the SDK's last resort, as the CLI's. */
export async function metadataRegion(): Promise<string | undefined> {
  const ask = (await configSdk()).NODE_REGION_CONFIG_OPTIONS.default as () => Promise<string>;
  return ask().catch(() => undefined);
}

/** How the profile supplies credentials, in the words of ~/.aws/config. */
function credentialKind(p: Record<string, string | undefined>): string | undefined {
  if (p.aws_access_key_id) return 'access key';
  if (p.role_arn) return `assumes ${p.role_arn}`;
  if (p.sso_session || p.sso_start_url) return 'IAM Identity Center (SSO)';
  if (p.credential_process) return 'credential_process';
  if (p.web_identity_token_file) return 'web identity token';
  return undefined;
}

/** Every AWS setting and its source for `config check`; no secret is shown (only which key id variable or file holds it). */
export async function awsSources(config: AwsConfig, environ: NodeJS.ProcessEnv = process.env): Promise<SettingSource[]> {
  const profile = await profileOf(config, environ);
  const region = await awsRegion(config, environ);
  const named = Boolean(config.profile || environ.AWS_PROFILE);
  const inCredentials = profile.inCredentials && credentialKind(profile.inCredentials);
  const inConfig = profile.inConfig && credentialKind(profile.inConfig);
  // The SDK's default chain: a named profile goes before the key variables; without one, the variables come first.
  const credentials: Found =
    !named && environ.AWS_ACCESS_KEY_ID && environ.AWS_SECRET_ACCESS_KEY ? { value: `access key ${environ.AWS_ACCESS_KEY_ID}`, source: 'AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY' }
      : inCredentials ? { value: `${inCredentials} (profile ${profile.name})`, source: profile.files.credentials }
        : inConfig ? { value: `${inConfig} (profile ${profile.name})`, source: profile.files.config }
          : environ.AWS_WEB_IDENTITY_TOKEN_FILE ? { value: 'web identity token', source: 'AWS_WEB_IDENTITY_TOKEN_FILE' }
            : { value: named ? `none in profile ${profile.name}` : 'container or instance role, if any', source: named ? `${profile.files.credentials}, ${profile.files.config}` : 'default' };
  const endpoint: Found = config.endpoint ? { value: config.endpoint, source: 'aws.endpoint' }
    : environ.AWS_ENDPOINT_URL ? { value: environ.AWS_ENDPOINT_URL, source: 'AWS_ENDPOINT_URL' }
      : profile.inConfig?.endpoint_url ? { value: profile.inConfig.endpoint_url, source: `profile ${profile.name} in ${profile.files.config}` }
        : { value: "AWS's regional endpoints", source: 'default' };
  return [
    { setting: 'region', value: region?.value ?? '(none: the instance metadata service is asked at run time)', source: region?.source ?? 'default' },
    { setting: 'profile', value: profile.name, source: profile.source },
    { setting: 'credentials', ...credentials },
    { setting: 'endpoint', ...endpoint },
  ];
}
