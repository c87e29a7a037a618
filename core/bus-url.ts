/**
 * BUS_URL, the scale-out bus (Valkey/Redis), parsed without a client library so core/config.ts can
 * refuse a bad one at start-up next to every other variable.
 *
 * Forms (docs/decisions/014-scale-out-bus.md):
 * - `redis://[user:password@]host:port[/db]`: one server; `rediss://` for TLS.
 * - `redis+cluster://host:port[,host:port…]`: a Redis Cluster, seeded by one or more nodes;
 *   `rediss+cluster://` for TLS (ElastiCache Serverless is TLS-only and cluster-mode-only, one endpoint).
 * @see docs/CONTRACT.md §2 Configuration (`BUS_URL`)
 */

/** One node to dial. */
export interface BusNode {
  host: string;
  port: number;
}

/** A parsed BUS_URL. Credentials are kept for the client only: never log this object. */
export interface BusTarget {
  cluster: boolean;
  tls: boolean;
  /** One node for a single server; the seeds for a cluster. */
  nodes: readonly BusNode[];
  username?: string;
  password?: string;
  /** The database number (single server only). */
  db?: number;
}

const SCHEMES: Readonly<Record<string, { cluster: boolean; tls: boolean }>> = {
  'redis:': { cluster: false, tls: false },
  'rediss:': { cluster: false, tls: true },
  'redis+cluster:': { cluster: true, tls: false },
  'rediss+cluster:': { cluster: true, tls: true },
};

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/;

function parseNode(text: string): BusNode | undefined {
  const match = HOST_PORT.exec(text);
  if (match === null) return undefined;
  const port = match[2] === undefined ? 6379 : Number(match[2]);
  if (port < 1 || port > 65_535) return undefined;
  return { host: (match[1] as string).replace(/^\[|\]$/g, ''), port };
}

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined; // a malformed %-escape: reported as a bad URL, never echoed
  }
}

/**
 * Parse a BUS_URL, or say what it should look like. A URL with several nodes is split by hand:
 * the WHATWG parser refuses `host:port,host:port` as a host.
 */
export function parseBusUrl(raw: string): { ok: true; target: BusTarget } | { ok: false; expected: string } {
  const expected =
    'redis://host:port or rediss://…, or redis+cluster://host:port[,host:port…] (or rediss+cluster://…) for a cluster';
  const schemeEnd = raw.indexOf('//');
  const scheme = SCHEMES[raw.slice(0, schemeEnd).toLowerCase()];
  if (schemeEnd < 0 || scheme === undefined) return { ok: false, expected };
  const rest = raw.slice(schemeEnd + 2);
  const at = rest.lastIndexOf('@');
  const userinfo = at < 0 ? '' : rest.slice(0, at);
  const [hosts = '', path = ''] = rest.slice(at + 1).split(/\/(.*)/s);
  if (rest.includes('?') || rest.includes('#')) return { ok: false, expected: `${expected}, without ? or #` };
  const nodes = hosts.split(',').map(parseNode);
  if (nodes.length === 0 || nodes.some((node) => node === undefined)) return { ok: false, expected };
  if (!scheme.cluster && nodes.length > 1) {
    return { ok: false, expected: 'one host:port (several nodes need redis+cluster://)' };
  }
  const target: BusTarget = { ...scheme, nodes: nodes as BusNode[] };
  if (path !== '') {
    if (scheme.cluster || !/^\d{1,2}$/.test(path)) {
      return { ok: false, expected: 'a database number 0-99 after the host (single server only)' };
    }
    target.db = Number(path);
  }
  if (userinfo !== '') {
    const colon = userinfo.indexOf(':');
    const user = decode(colon < 0 ? userinfo : userinfo.slice(0, colon));
    const password = colon < 0 ? '' : decode(userinfo.slice(colon + 1));
    if (user === undefined || password === undefined)
      return { ok: false, expected: `${expected}, with valid %-escapes` };
    if (user !== '') target.username = user;
    if (colon >= 0) target.password = password;
  }
  return { ok: true, target };
}

/** The BUS_URL as it may be shown: scheme and nodes, never the credentials. */
export function describeBusTarget(target: BusTarget): string {
  const scheme = `${target.tls ? 'rediss' : 'redis'}${target.cluster ? '+cluster' : ''}`;
  const auth = target.password !== undefined || target.username !== undefined ? '***@' : '';
  const nodes = target.nodes.map(({ host, port }) => (host.includes(':') ? `[${host}]` : host) + `:${port}`);
  return `${scheme}://${auth}${nodes.join(',')}${target.db === undefined ? '' : `/${target.db}`}`;
}
