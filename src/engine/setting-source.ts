/** Where one connection setting came from, as `config check` shows it for every system (secrets shown as `(secret)`). */
export interface SettingSource {
  /** e.g. `postgres.url host`, `postgres.adminUrl password`. */
  setting: string;
  value: string;
  /** e.g. `postgres.url`, `PGHOST`, `service bank (/etc/postgresql-common/pg_service.conf)`, `.pgpass (/root/.pgpass)`, `default`. */
  source: string;
}

/** What `config check` prints in place of a secret's value. */
export const SECRET_SHOWN = '(secret)';
