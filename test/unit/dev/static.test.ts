/**
 * Regression (security review L4): containment was lexical only, so a symbolic link inside the folder
 * served whatever it pointed to; dotfiles were served; no `nosniff`. Each case here fails without the
 * fix: the outside file's bytes come back, `.env` is served, the header is missing.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serveStatic } from '../../../dev/static.ts';

const scratch = mkdtempSync(join(tmpdir(), 'qs-static-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const root = join(scratch, 'dist');
const outside = join(scratch, 'secret.txt');
mkdirSync(join(root, 'assets'), { recursive: true });
writeFileSync(join(root, 'index.html'), '<!doctype html>');
writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
writeFileSync(join(root, '.env'), 'KEY=1');
mkdirSync(join(root, '.git'));
writeFileSync(join(root, '.git', 'config'), '[core]');
writeFileSync(outside, 'outside the folder');
symlinkSync(outside, join(root, 'link.txt'));
symlinkSync(scratch, join(root, 'up'));
symlinkSync(join(root, 'assets', 'app.js'), join(root, 'inside.js'));

/** A ServerResponse stand-in that records what was answered. */
function recorder() {
  const answer = { status: 0, headers: {} as Record<string, unknown>, body: '' };
  const res = {
    writeHead(status: number, headers: Record<string, unknown>) {
      answer.status = status;
      answer.headers = headers;
      return res;
    },
    end(body?: Buffer | string) {
      answer.body = body === undefined ? '' : body.toString();
      return res;
    },
  };
  return { res: res as unknown as ServerResponse, answer };
}

describe('serveStatic', () => {
  it('serves a file inside the folder with its type and x-content-type-options: nosniff', async () => {
    const { res, answer } = recorder();

    const served = await serveStatic(root, '/assets/app.js', res);

    expect(served).toBe(true);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.body).toBe('console.log(1)');
  });

  it('serves a symbolic link whose target is inside the folder', async () => {
    const { res, answer } = recorder();

    expect(await serveStatic(root, '/inside.js', res)).toBe(true);
    expect(answer.body).toBe('console.log(1)');
  });

  it.each(['/link.txt', '/up/secret.txt'])(
    'never follows a symbolic link out of the folder (%s)',
    async (path) => {
      const { res, answer } = recorder();

      const served = await serveStatic(root, path, res);

      expect(served).toBe(false);
      expect(answer.body).not.toContain('outside the folder');
    },
  );

  it.each(['/.env', '/.git/config', '/%2eenv', '/assets/../.env'])(
    'answers a dotfile with 404 (%s)',
    async (path) => {
      const { res, answer } = recorder();

      const served = await serveStatic(root, path, res);

      expect(served).toBe(true);
      expect(answer.status).toBe(404);
      expect(answer.body).not.toContain('KEY=1');
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
    },
  );

  it.each(['/../secret.txt', '/%2e%2e/secret.txt', '/nope.js', '/%zz'])(
    'serves nothing for %s',
    async (path) => {
      const { res, answer } = recorder();

      expect(await serveStatic(root, path, res)).toBe(false);
      expect(answer.status).toBe(0);
    },
  );
});
