/**
 * Serve the built dashboard from a folder: GET only, no directory listing, nothing outside the folder
 * (not even through a symbolic link), no dotfiles, and `x-content-type-options: nosniff` on every
 * file. The API Gateway stand-in hands it the requests outside its route (its `fallback` option); in a
 * deployment the dashboard is hosted elsewhere.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

/** Whether `path` is `base` or inside it (both absolute, normalised). */
function isInside(base: string, path: string): boolean {
  return path === base || path.startsWith(base.endsWith(sep) ? base : base + sep);
}

/** Answer a dotfile with 404, so a `.env` or `.git` copied into the folder is never served. */
function notFound(res: ServerResponse): true {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
  res.end('Not found\n');
  return true;
}

/**
 * Serve `pathname` from `root`; resolves false when there is no such file (the caller answers like
 * API Gateway), and answers 404 itself for a dotfile.
 */
export async function serveStatic(root: string, pathname: string, res: ServerResponse): Promise<boolean> {
  const base = resolve(root);
  let relative: string;
  try {
    relative = decodeURIComponent(pathname);
  } catch {
    return false; // malformed percent-encoding: treat as not found
  }
  const normalised = normalize(relative === '/' ? '/index.html' : relative);
  // Any segment starting with a dot: `.env`, `.git/config`, `assets/.secret` (review L4).
  if (normalised.split(/[\\/]/).some((segment) => segment.startsWith('.'))) return notFound(res);
  const file = resolve(join(base, normalised));
  if (!isInside(base, file)) return false;
  try {
    // Lexical containment is not enough: a symbolic link inside the folder may point anywhere, so the
    // real path of the file must lie within the real path of the folder (review L4).
    const [realBase, realFile] = await Promise.all([realpath(base), realpath(file)]);
    if (!isInside(realBase, realFile)) return false;
    const info = await stat(realFile);
    if (!info.isFile()) return false;
    const body = await readFile(realFile);
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': body.length,
      // Hashed asset names can be cached; index.html must not be, so a rebuild shows at once.
      'cache-control': file.endsWith('index.html') ? 'no-cache' : 'public, max-age=3600',
      // Browsers must not guess another type than the one sent (a JSON or text file run as script).
      'x-content-type-options': 'nosniff',
    });
    res.end(body);
    return true;
  } catch {
    return false; // missing or unreadable: the caller answers like API Gateway
  }
}

/**
 * A `fallback` for the API Gateway stand-in that serves GET requests from `root`; it resolves false
 * (the stand-in then answers 403 like API Gateway) for other methods and for files it does not have.
 */
export function staticFallback(
  root: string,
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async (req, res) => {
    if (req.method !== 'GET') return false;
    const url = URL.parse(req.url ?? '/', 'http://localhost');
    return url !== null && serveStatic(root, url.pathname, res);
  };
}
