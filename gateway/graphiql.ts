// GraphiQL for the gateway, served entirely from the project's own files: the
// page in gateway/graphiql/ plus the UMD builds of React, GraphiQL and the
// Explorer plugin straight out of node_modules. No CDN, works offline.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../lib/log.ts';

export interface GraphiqlOptions {
  /** Path of the GraphQL endpoint, e.g. '/graphql'. */
  endpoint: string;
  /** Absolute path of schema/operations: every `*.graphql` file there becomes an example tab. */
  operationsDir: string;
  /** Page title; defaults to "regiongraph — GraphiQL". */
  title?: string;
  /** Where to report unreadable example files; defaults to console. */
  logger?: Pick<Logger, 'warn' | 'error'>;
}

/** One example operation as served at /graphiql/operations.json. */
export interface ExampleOperation {
  /** File name without `.graphql`. */
  name: string;
  /** The file's text. */
  query: string;
  /** Parsed from `<name>.json` next to the `.graphql` file; the raw text if it is not valid JSON. */
  variables?: unknown;
}

export type GraphiqlHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

const BASE = '/graphiql/';
const DEFAULT_TITLE = 'regiongraph — GraphiQL';
const STATIC_DIR = fileURLToPath(new URL('./graphiql/', import.meta.url));
const VENDOR_CACHE_CONTROL = 'public, max-age=86400';

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
  cacheControl: string;
}

/** Files served under /graphiql/vendor/<name>, as [package, file inside the package]. */
const VENDOR_FILES: Record<string, readonly [pkg: string, file: string]> = {
  'react.production.min.js': ['react', 'umd/react.production.min.js'],
  'react-dom.production.min.js': ['react-dom', 'umd/react-dom.production.min.js'],
  'graphiql.min.js': ['graphiql', 'dist/index.umd.js'],
  'graphiql.min.css': ['graphiql', 'dist/style.css'],
  'plugin-explorer.min.js': ['@graphiql/plugin-explorer', 'dist/index.umd.js'],
  'plugin-explorer.min.css': ['@graphiql/plugin-explorer', 'dist/style.css'],
};

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
};

function asset(body: Buffer, fileName: string, cacheControl: string): Asset {
  const type = CONTENT_TYPES[path.extname(fileName)] ?? 'application/octet-stream';
  const etag = `"${createHash('sha1').update(body).digest('base64url').slice(0, 20)}"`;
  return { body, type, etag, cacheControl };
}

let vendorAssets: Map<string, Asset> | undefined;

/** Reads the vendor files once per process (≈4 MB) and keeps them in memory. */
function loadVendorAssets(): Map<string, Asset> {
  if (vendorAssets) return vendorAssets;
  const require = createRequire(import.meta.url);
  const assets = new Map<string, Asset>();
  for (const [name, [pkg, file]] of Object.entries(VENDOR_FILES)) {
    // Every one of these packages lets `<pkg>/package.json` be resolved, whatever its "exports" say.
    const dir = path.dirname(require.resolve(`${pkg}/package.json`));
    assets.set(name, asset(readFileSync(path.join(dir, file)), name, VENDOR_CACHE_CONTROL));
  }
  vendorAssets = assets;
  return assets;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function contentSecurityPolicy(endpoint: string): string {
  // The endpoint is normally a path on this origin; allow its origin if it is an absolute URL.
  const connect = /^https?:\/\//i.test(endpoint) ? `'self' ${new URL(endpoint).origin}` : `'self'`;
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src ${connect}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'self'",
    "object-src 'none'",
  ].join('; ');
}

function ownAssets(options: GraphiqlOptions): Map<string, Asset> {
  const read = (file: string) => readFileSync(path.join(STATIC_DIR, file), 'utf8');
  const html = read('index.html')
    .replaceAll('{{TITLE}}', escapeHtml(options.title ?? DEFAULT_TITLE))
    .replaceAll('{{ENDPOINT}}', escapeHtml(options.endpoint));
  // The page and its script must be revalidated so a new deployment takes effect at once.
  return new Map([
    ['', asset(Buffer.from(html), 'index.html', 'no-cache')],
    ['main.js', asset(Buffer.from(read('main.js')), 'main.js', 'no-cache')],
    ['favicon.svg', asset(Buffer.from(read('favicon.svg')), 'favicon.svg', VENDOR_CACHE_CONTROL)],
  ]);
}

/** Reads every `*.graphql` file in `dir` (not recursive), sorted by name. A missing directory gives []. */
export async function readExampleOperations(
  dir: string,
  logger: Pick<Logger, 'warn'> = console,
): Promise<ExampleOperation[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const names = entries
    .filter((e) => e.isFile() && e.name.endsWith('.graphql'))
    .map((e) => e.name.slice(0, -'.graphql'.length))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return Promise.all(
    names.map(async (name): Promise<ExampleOperation> => {
      const query = await readFile(path.join(dir, `${name}.graphql`), 'utf8');
      let text: string;
      try {
        text = await readFile(path.join(dir, `${name}.json`), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { name, query };
        throw error;
      }
      try {
        return { name, query, variables: JSON.parse(text) };
      } catch (error) {
        logger.warn('example variables are not valid JSON; serving them as text', {
          file: `${name}.json`,
          error: String(error),
        });
        return { name, query, variables: text };
      }
    }),
  );
}

/** Parses an Accept header into media ranges with their q values. */
function parseAccept(header: string): { type: string; q: number }[] {
  return header
    .split(',')
    .map((part) => {
      const [type = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
      const qParam = params.find((p) => p.startsWith('q='));
      const q = qParam ? Number(qParam.slice(2)) : 1;
      return { type, q: Number.isFinite(q) ? q : 0 };
    })
    .filter((r) => r.type !== '');
}

/**
 * True when the client prefers an HTML page over a GraphQL JSON response, i.e. a
 * browser navigating to the endpoint. Only an explicit `text/html` counts for HTML,
 * while wildcards count for JSON, so `*\/*` clients (curl, fetch) are never redirected.
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const ranges = parseAccept(accept);
  const html = Math.max(0, ...ranges.filter((r) => r.type === 'text/html').map((r) => r.q));
  const jsonTypes = ['application/json', 'application/graphql-response+json', 'application/*', '*/*'];
  const json = Math.max(0, ...ranges.filter((r) => jsonTypes.includes(r.type)).map((r) => r.q));
  return html > 0 && html >= json;
}

/**
 * Returns a handler that serves GraphiQL under /graphiql/ (and redirects / and /graphiql
 * to /graphiql/, as well as a browser's GET of the GraphQL endpoint); it returns true when
 * it handled the request, false to let the gateway handle it.
 */
export function createGraphiqlHandler(options: GraphiqlOptions): GraphiqlHandler {
  const logger = options.logger ?? console;
  const vendor = loadVendorAssets();
  const own = ownAssets(options);
  const csp = contentSecurityPolicy(options.endpoint);
  const endpointPath = options.endpoint.startsWith('/') ? new URL(options.endpoint, 'http://x').pathname : undefined;

  return (req, res) => {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') return false;
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;

    if (pathname === '/' || pathname === '/graphiql') {
      redirect(res, BASE);
      return true;
    }
    if (pathname === endpointPath && prefersHtml(req.headers.accept)) {
      res.setHeader('vary', 'Accept');
      redirect(res, BASE);
      return true;
    }
    if (!pathname.startsWith(BASE)) return false;

    const rest = pathname.slice(BASE.length);
    const found = rest.startsWith('vendor/') ? vendor.get(rest.slice('vendor/'.length)) : own.get(rest === 'index.html' ? '' : rest);
    if (found) {
      if (rest === '' || rest === 'index.html') res.setHeader('content-security-policy', csp);
      sendAsset(req, res, found);
      return true;
    }
    if (rest === 'operations.json') {
      readExampleOperations(options.operationsDir, logger).then(
        (operations) => send(req, res, 200, 'application/json; charset=utf-8', JSON.stringify(operations), 'no-cache'),
        (error: unknown) => {
          logger.error('cannot read example operations', { dir: options.operationsDir, error: String(error) });
          send(req, res, 500, 'application/json; charset=utf-8', JSON.stringify({ error: 'cannot read example operations' }), 'no-store');
        },
      );
      return true;
    }
    send(req, res, 404, 'text/plain; charset=utf-8', 'Not found\n', 'no-store');
    return true;
  };
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { location, 'content-length': 0, 'cache-control': 'no-store' });
  res.end();
}

function sendAsset(req: IncomingMessage, res: ServerResponse, asset: Asset): void {
  const headers = {
    'content-type': asset.type,
    'cache-control': asset.cacheControl,
    etag: asset.etag,
    'x-content-type-options': 'nosniff',
  };
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch && ifNoneMatch.split(',').some((tag) => tag.trim() === asset.etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': asset.body.length });
  res.end(req.method === 'HEAD' ? undefined : asset.body);
}

function send(req: IncomingMessage, res: ServerResponse, status: number, type: string, body: string, cacheControl: string): void {
  const buffer = Buffer.from(body);
  res.writeHead(status, {
    'content-type': type,
    'content-length': buffer.length,
    'cache-control': cacheControl,
    'x-content-type-options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : buffer);
}
