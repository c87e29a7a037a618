/**
 * `npm run token` (scripts/token.ts) as a user runs it: a child process with AUTH_SECRET in its
 * environment, the token read from stdout and checked with core/token.ts's verifyToken.
 */
import { describe, expect, it } from 'vitest';
import { verifyToken } from '../../core/token.ts';
import { runNode } from '../helpers/process.ts';

const SECRET = 'token-cli-test-secret-0123456789abcdef';

/** Run the script to its end with `args` and AUTH_SECRET (unless `secret` is null). */
async function runToken(args: string[], secret: string | null = SECRET) {
  const run = runNode(
    ['scripts/token.ts', ...args],
    secret === null ? { AUTH_SECRET: '' } : { AUTH_SECRET: secret },
  );
  const code = await run.exit;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

describe('npm run token', () => {
  it('prints only a token that verifies for the sub, lifetime and symbols asked for', async () => {
    const before = Math.floor(Date.now() / 1000);

    const { code, stdout, stderr } = await runToken([
      '--sub',
      'alice',
      '--ttl',
      '3600',
      '--symbols',
      'aapl, MSFT',
    ]);
    const check = await verifyToken(stdout.trim(), SECRET);

    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(check).toMatchObject({ ok: true, claims: { sub: 'alice', symbols: ['AAPL', 'MSFT'] } });
    const { exp } = (check as { claims: { exp: number } }).claims;
    expect(exp).toBeGreaterThanOrEqual(before + 3600);
  });

  it('mints a one-hour token for every symbol without --ttl and --symbols', async () => {
    const before = Math.floor(Date.now() / 1000);

    const { code, stdout } = await runToken(['--sub', 'bob']);
    const check = await verifyToken(stdout.trim(), SECRET);

    expect(code).toBe(0);
    expect(check.ok && check.claims.symbols).toBeUndefined();
    expect(check.ok && check.claims.exp).toBeGreaterThanOrEqual(before + 3600);
  });

  it('prints the usage on stdout with --help', async () => {
    const { code, stdout, stderr } = await runToken(['--help'], null);

    expect(code).toBe(0);
    expect(stdout).toContain('Usage: npm run token -- --sub <id>');
    expect(stderr).toBe('');
  });

  it.each([
    ['unset', null, 'AUTH_SECRET is not set'],
    [
      'shorter than 32 characters',
      'too-short-secret',
      'AUTH_SECRET must be at least 32 characters long (it has 16)',
    ],
  ])(
    'refuses an AUTH_SECRET that is %s, printing nothing on stdout and never the secret',
    async (_n, secret, message) => {
      const { code, stdout, stderr } = await runToken(['--sub', 'alice'], secret);

      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toContain(message);
      expect(stderr).not.toContain('too-short-secret');
    },
  );

  it.each([
    ['no --sub', ['--ttl', '60'], '--sub <id> is required'],
    ['a blank --sub', ['--sub', ' '], '--sub <id> is required'],
    ['a zero --ttl', ['--sub', 'a', '--ttl', '0'], '--ttl must be a whole number'],
    ['a --ttl over 7 days', ['--sub', 'a', '--ttl', '604801'], '--ttl must be a whole number'],
    ['a non-numeric --ttl', ['--sub', 'a', '--ttl', '1h'], '--ttl must be a whole number'],
    [
      'an invalid symbol',
      ['--sub', 'a', '--symbols', 'AAPL,BTC-'],
      'symbols must be a non-empty list of valid symbols',
    ],
    ['an empty --symbols', ['--sub', 'a', '--symbols', ' , '], '--symbols needs at least one symbol'],
    ['an unknown option', ['--sub', 'a', '--admin'], "Unknown option '--admin'"],
  ])('refuses %s with exit code 2 and nothing on stdout', async (_name, args, message) => {
    const { code, stdout, stderr } = await runToken(args);

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
    expect(stderr).toContain('--help');
  });
});
