/**
 * Serve the built dashboard from a folder: GET only, no directory listing, nothing outside the folder.
 * The API Gateway stand-in hands it the requests outside its route (its `fallback` option); in a
 * deployment the dashboard is hosted elsewhere.
 */
import { readFile, stat } from 'node:fs/promises';
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

/** Serve `pathname` from `root`; resolves false when there is no such file. */
export async function serveStatic(root: string, pathname: string, res: ServerResponse): Promise<boolean> {
  const base = resolve(root);
  let relative: string;
  try {
    relative = decodeURIComponent(pathname);
  } catch {
    return false; // malformed percent-encoding: treat as not found
  }
  const file = resolve(join(base, normalize(relative === '/' ? '/index.html' : relative)));
  if (file !== base && !file.startsWith(base + sep)) return false;
  try {
    const info = await stat(file);
    if (!info.isFile()) return false;
    const body = await readFile(file);
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': body.length,
      // Hashed asset names can be cached; index.html must not be, so a rebuild shows at once.
      'cache-control': file.endsWith('index.html') ? 'no-cache' : 'public, max-age=3600',
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
