import { describe, expect, it } from 'vitest';
import { holdsCardNumber, luhnValid, maskSecretFields, maskSecrets, Redactor } from '../src/engine/redact.js';

describe('maskSecrets: PASSWORD literals in SQL', () => {
  it.each([
    ["ALTER ROLE teller PASSWORD 'it''s-secret' VALID UNTIL 'infinity'", "ALTER ROLE teller PASSWORD '***' VALID UNTIL 'infinity'"],
    ["CREATE USER app WITH ENCRYPTED PASSWORD 'S3cret!'", "CREATE USER app WITH ENCRYPTED PASSWORD '***'"],
    ["alter user app with password 'lower-case'", "alter user app with password '***'"],
    ["ALTER ROLE app PASSWORD E'back\\\\slash\\'quote' LOGIN", "ALTER ROLE app PASSWORD '***' LOGIN"],
    ["ALTER ROLE app PASSWORD U&'d\\0061t''a' LOGIN", "ALTER ROLE app PASSWORD '***' LOGIN"],
    ['ALTER ROLE app PASSWORD $$dollar $ quoted$$ LOGIN', "ALTER ROLE app PASSWORD '***' LOGIN"],
    ['ALTER ROLE app PASSWORD $pw$it$s $$ here$pw$ LOGIN', "ALTER ROLE app PASSWORD '***' LOGIN"],
    ['ALTER ROLE app\n  PASSWORD\n  \'multi-line\'', "ALTER ROLE app\n  PASSWORD\n  '***'"],
    ["CREATE USER MAPPING FOR app SERVER s OPTIONS (user 'x', password 'fdw-pw')", "CREATE USER MAPPING FOR app SERVER s OPTIONS (user 'x', password '***')"],
    // pg_stat_activity keeps the first track_activity_query_size bytes: a literal cut off is masked to the end.
    ["ALTER ROLE app PASSWORD 'cut-of", "ALTER ROLE app PASSWORD '***'"],
    ['ALTER ROLE app PASSWORD $x$cut-of', "ALTER ROLE app PASSWORD '***'"],
  ])('%s', (sql, masked) => {
    expect(maskSecrets(sql)).toBe(masked);
  });

  it('leaves SQL without a password alone, and reads the same when masked twice', () => {
    for (const sql of ["SELECT * FROM accounts WHERE id = 42 AND note = 'password reset'", 'ALTER ROLE app PASSWORD NULL', "SET password_encryption = 'scram-sha-256'"]) {
      expect(maskSecrets(sql)).toBe(sql);
    }
    const once = maskSecrets("ALTER ROLE a PASSWORD 'x' -- postgres://u:pw@h/db?password=q 4111 1111 1111 1111");
    expect(maskSecrets(once)).toBe(once);
  });
});

describe('maskSecrets: password= parameters, conninfo, URLs and JSON', () => {
  it.each([
    ["SELECT 'password=hunter2x', pg_sleep(30)", "SELECT 'password=***', pg_sleep(30)"],
    ["SELECT pg_sleep(30) /* password=hunter2x */", 'SELECT pg_sleep(30) /* password=*** */'],
    ["SELECT dblink_connect('host=db1 port=5432 password=hunter2x dbname=bank')", "SELECT dblink_connect('host=db1 port=5432 password=*** dbname=bank')"],
    ["CREATE SUBSCRIPTION s CONNECTION 'host=db1 password=''s3cret pw'' user=r' PUBLICATION p", "CREATE SUBSCRIPTION s CONNECTION 'host=db1 password=*** user=r' PUBLICATION p"],
    ['conninfo "host=h password=\'a b c\' sslpassword=k3y"', 'conninfo "host=h password=*** sslpassword=***"'],
    ["SELECT dblink('postgres://app:hunter2x@db1/bank', 'SELECT 1')", "SELECT dblink('postgres://app:***@db1/bank', 'SELECT 1')"],
    ['connecting to redis://:hunter2x@cache:6379/0 and rediss://nvcops:pw%40x@cache:6380', 'connecting to redis://:***@cache:6379/0 and rediss://nvcops:***@cache:6380'],
    ['GET /login?user=bob&password=hunter2x&next=/home 200', 'GET /login?user=bob&password=***&next=/home 200'],
    ['env AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY region=eu-west-1', 'env AWS_SECRET_ACCESS_KEY=*** region=eu-west-1'],
    ['{"level":"warn","msg":"login","password":"hunter2x","api_key": "k-1"}', '{"level":"warn","msg":"login","password":"***","api_key": "***"}'],
    ["{'user': 'bob', 'password': 'hunter2x'}", "{'user': 'bob', 'password': '***'}"],
    ['{"token": 42, "api_key": null, "password": ""}', '{"token": 42, "api_key": null, "password": "***"}'],
  ])('%s', (text, masked) => {
    expect(maskSecrets(text)).toBe(masked);
  });

  it('masks secret fields of a parsed log line by key and by content', () => {
    expect(maskSecretFields({ msg: 'retry postgres://u:pw@h/db', password: 'hunter2x', nested: { client_secret: 'abc', n: 3 }, ok: null }))
      .toEqual({ msg: 'retry postgres://u:***@h/db', password: '***', nested: { client_secret: '***', n: 3 }, ok: null });
  });
});

describe('maskSecrets: card numbers (PAN)', () => {
  it('masks 13-19 digits passing Luhn, grouped by spaces or dashes, keeping the last four', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(maskSecrets('refund to 4111 1111 1111 1111 done')).toBe('refund to ************1111 done');
    expect(maskSecrets('card 5500-0000-0000-0004 declined')).toBe('card ************0004 declined');
    expect(maskSecrets('amex 378282246310005.')).toBe('amex ***********0005.');
    expect(maskSecrets('visa13 4222222222222, mc2 2223003122003222')).toBe('visa13 *********2222, mc2 ************3222');
    expect(maskSecrets('pan=6011111111111117;')).toBe('pan=************1117;');
    // A card followed by another number is still found (the whole run fails Luhn, the card's groups pass).
    expect(maskSecrets('card 4111 1111 1111 1111 12 items')).toBe('card ************1111 12 items');
    expect(holdsCardNumber('a 4111111111111111 b')).toBe(true);
  });

  it('leaves order numbers failing Luhn, epoch timestamps, dates, IPs, phone numbers and hashes alone', () => {
    for (const text of [
      'order 4111111111111112 shipped',
      'at 1733583599000 (ms), 1733583599000000 (µs), 1733583599000000000 (ns)',
      '2026-12-07 14:59:59.123456+00 LOG:  duration: 5004.120 ms',
      'from 192.168.100.200:54321 and [2001:db8::4111:1111:1111:1111]',
      'call +1 415 555 0123 or 4155550123',
      'sha 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      'ratio 0.4111111111111111',
      'id a4111111111111111',
    ]) {
      expect(maskSecrets(text)).toBe(text);
      expect(holdsCardNumber(text)).toBe(false);
    }
  });
});

describe('Redactor: every learnt secret, however many, whatever characters it holds', () => {
  // The redactor first asks one pattern (every secret's alternation) whether a text holds any secret: each of
  // these secrets must be found by it, regular-expression characters and all, among a fleet's many.
  const specials = ['p.a*s+s?w(o)r[d]{1}', 'a|b^c$d\\e/f-g', 'tab\there\u001b[0m', 'dollar$$and$1', '😀emoji😀', '\ud800lone'];
  const fleet = Array.from({ length: 60 }, (_, i) => `env${i}-${(i * 7919).toString(16)}cafe`);
  const redactor = new Redactor();
  for (const s of [...specials, ...fleet]) redactor.add(s);

  it.each([...specials, fleet[0]!, fleet[59]!])('masks %j wherever it appears, and learning another secret later still masks it', (secret) => {
    expect(redactor.apply(`before ${secret} after`)).toBe('before *** after');
    expect(redactor.apply(`${secret}${secret}`)).not.toContain(secret);
    expect(redactor.applyDeep({ a: [{ b: `x${secret}y` }] })).toEqual({ a: [{ b: 'x***y' }] });
  });

  it('masks a secret learnt after the redactor was used, and leaves a text without secrets as it was', () => {
    const r = new Redactor();
    r.add('first-secret');
    expect(r.apply('no secret here: p.a*s+s')).toBe('no secret here: p.a*s+s');
    r.add('later-secret');
    expect(r.apply('first-secret and later-secret')).toBe('*** and ***');
    // A shorter secret inside a longer one does not split it: the longer is masked whole.
    r.add('secret-and-more');
    expect(r.apply('first-secret-and-more')).not.toMatch(/secret|more/);
  });
});
