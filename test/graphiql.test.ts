// GraphiQL from our own files: served by the real gateway over HTTP, and working offline in headless Chromium.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS_DIR } from '../gateway/config.ts';
import { readExampleOperations, type ExampleOperation } from '../gateway/graphiql.ts';
import { subgraphs } from '../subgraphs/index.ts';
import { startStack } from './harness.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const BROWSER_TIMEOUT = 30_000;
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

/** What the tests run against, and what they should find there. */
interface Target {
  /** e.g. http://127.0.0.1:4000, no trailing slash. */
  origin: string;
  /** The example operations /graphiql/operations.json must list, in order. */
  operations: ExampleOperation[];
  /** Text the response pane must contain after running the first example tab. */
  firstResponseContains: string;
  /** A field of the Query type, which the Explorer plugin must list. */
  queryField: string;
  close(): Promise<void>;
}

/** The real gateway over both subgraphs, with the project's example operations. */
async function startServer(): Promise<Target> {
  const stack = await startStack(subgraphs);
  const operations = await readExampleOperations(OPERATIONS_DIR);
  return {
    origin: stack.origin,
    operations,
    // The first example by name is AreasAtPoint, which finds the DeSO of Göteborg Central Station.
    firstResponseContains: 'deso2025:1480C2650',
    queryField: 'areasAt',
    close: () => stack.close(),
  };
}

let target: Target;
beforeAll(async () => {
  target = await startServer();
});
afterAll(async () => {
  await target?.close();
});

const get = (pathname: string, init: RequestInit = {}) =>
  fetch(`${target.origin}${pathname}`, { redirect: 'manual', ...init });

describe('GraphiQL over HTTP', () => {
  it('serves the GraphiQL page at /graphiql/ as HTML naming the endpoint', async () => {
    const res = await get('/graphiql/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<title>regiongraph — GraphiQL</title>');
    expect(html).toContain('<meta name="graphql-endpoint" content="/graphql" />');
    expect(html).toContain('<div id="graphiql">');
  });

  it('loads nothing from other origins in the page or its script', async () => {
    const html = await (await get('/graphiql/')).text();
    const script = await (await get('/graphiql/main.js')).text();
    expect(script).toContain('GraphiQL.createFetcher');
    for (const text of [html, script]) {
      expect(text).not.toMatch(/\b(?:https?|wss?):/i);
      expect(text).not.toMatch(/(?:src|href|url)\s*[=(]\s*["']?\/\//i);
    }
    const csp = (await get('/graphiql/')).headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'self'");
  });

  it('serves every script and stylesheet the page references with a JS or CSS content type and a day of caching', async () => {
    const html = await (await get('/graphiql/')).text();
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    const vendor = refs.filter((ref) => ref.startsWith('vendor/'));
    expect(vendor).toHaveLength(6);
    for (const ref of vendor) {
      const res = await get(`/graphiql/${ref}`);
      expect(res.status, ref).toBe(200);
      expect(res.headers.get('content-type'), ref).toMatch(ref.endsWith('.css') ? /^text\/css/ : /^text\/javascript/);
      expect(res.headers.get('cache-control'), ref).toBe('public, max-age=86400');
      expect((await res.arrayBuffer()).byteLength, ref).toBeGreaterThan(1000);
    }
    for (const ref of refs.filter((r) => !r.startsWith('vendor/'))) {
      expect((await get(`/graphiql/${ref}`)).status, ref).toBe(200);
    }
  });

  it('serves the vendor files byte for byte from node_modules', async () => {
    const root = fileURLToPath(new URL('../node_modules/', import.meta.url));
    const graphiqlJs = await readFile(path.join(root, 'graphiql/dist/index.umd.js'));
    const served = Buffer.from(await (await get('/graphiql/vendor/graphiql.min.js')).arrayBuffer());
    expect(served.equals(graphiqlJs)).toBe(true);
  });

  it('answers HEAD like GET but without a body', async () => {
    const res = await get('/graphiql/vendor/react.production.min.js', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(1000);
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it('answers a matching If-None-Match with 304 Not Modified', async () => {
    const etag = (await get('/graphiql/vendor/graphiql.min.css')).headers.get('etag');
    expect(etag).toBeTruthy();
    const res = await get('/graphiql/vendor/graphiql.min.css', { headers: { 'if-none-match': etag! } });
    expect(res.status).toBe(304);
  });

  it('lists the example operations with their variables, sorted by name, in operations.json', async () => {
    const res = await get('/graphiql/operations.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual(target.operations);
  });

  it('answers unknown paths under /graphiql/ with 404', async () => {
    for (const pathname of ['/graphiql/nope.js', '/graphiql/vendor/nope.js', '/graphiql/vendor/']) {
      expect((await get(pathname)).status, pathname).toBe(404);
    }
  });

  it('redirects / and /graphiql to /graphiql/', async () => {
    for (const pathname of ['/', '/graphiql']) {
      const res = await get(pathname);
      expect(res.status, pathname).toBe(302);
      expect(res.headers.get('location'), pathname).toBe('/graphiql/');
    }
  });

  it('redirects a browser navigating to /graphql to /graphiql/', async () => {
    const res = await get('/graphql', { headers: { accept: BROWSER_ACCEPT } });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/graphiql/');
  });

  it('leaves GraphQL requests to /graphql to the gateway', async () => {
    const query = encodeURIComponent('{ area(id: "lan:14") { name } }');
    const json = await get(`/graphql?query=${query}`, { headers: { accept: 'application/graphql-response+json, application/json' } });
    expect(json.status).toBe(200);
    expect(await json.json()).toEqual({ data: { area: { name: 'Västra Götalands län' } } });
    const any = await get(`/graphql?query=${query}`, { headers: { accept: '*/*' } });
    expect(any.status).not.toBe(302);
    const post = await get('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: '{ area(id: "lan:14") { name } }' }),
    });
    expect(post.status).toBe(200);
    expect(await post.json()).toEqual({ data: { area: { name: 'Västra Götalands län' } } });
  });

  it('leaves paths outside /graphiql/ to the gateway', async () => {
    const res = await get('/healthcheck');
    expect(res.status).toBe(200);
  });
});

describe('GraphiQL in headless Chromium', () => {
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;
  const foreignRequests: string[] = [];
  const failedRequests: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} not found: run \`apt-get install -y chromium\` (or set CHROMIUM_PATH) to run the browser tests`);
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    context = await newContext(browser);
    page = await openGraphiql(context);
  }, BROWSER_TIMEOUT);

  /** A fresh browser context whose requests and errors are recorded for the last two tests. */
  async function newContext(b: Browser): Promise<BrowserContext> {
    const c = await b.newContext({ viewport: { width: 1400, height: 900 } });
    c.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(`${target.origin}/`) && !url.startsWith('data:') && !url.startsWith('blob:')) foreignRequests.push(url);
    });
    c.on('requestfailed', (request) => failedRequests.push(`${request.url()}: ${request.failure()?.errorText}`));
    c.on('response', (response) => {
      if (response.status() >= 400) failedRequests.push(`${response.url()}: HTTP ${response.status()}`);
    });
    c.on('weberror', (error) => errors.push(`pageerror: ${error.error().message}`));
    c.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console.error: ${message.text()}`);
    });
    return c;
  }

  async function openGraphiql(c: BrowserContext): Promise<Page> {
    const p = await c.newPage();
    await p.goto(`${target.origin}/graphiql/`);
    await p.waitForSelector('.graphiql-container', { timeout: BROWSER_TIMEOUT });
    return p;
  }

  const tabTitles = (p: Page) => p.locator('.graphiql-tab').allInnerTexts();
  /** GraphiQL titles a tab by the name of its operation. */
  const expectedTitles = () =>
    target.operations.map((o) => /^(?!#).*(?:query|mutation|subscription)\s+(\w+)/m.exec(o.query)?.[1] ?? '<untitled>');

  afterAll(async () => {
    await browser?.close();
  });

  it('titles the page "regiongraph — GraphiQL"', async () => {
    expect(await page.title()).toBe('regiongraph — GraphiQL');
  });

  it('opens one tab per example operation, first tab active', async () => {
    const tabs = page.locator('.graphiql-tab');
    await expect.poll(() => tabs.count(), { timeout: BROWSER_TIMEOUT }).toBe(target.operations.length);
    expect((await tabTitles(page)).map((t) => t.trim())).toEqual(expectedTitles());
    expect(await tabs.first().getAttribute('class')).toContain('graphiql-tab-active');
    const editor = await page.locator('.graphiql-query-editor').innerText();
    expect(editor).toContain(target.operations[0].query.split('\n').find((line) => line && !line.startsWith('#')));
  }, BROWSER_TIMEOUT);

  it('runs the active tab against the endpoint and shows the answer', async () => {
    await page.click('.graphiql-execute-button');
    await expect
      .poll(() => page.locator('.graphiql-response').innerText(), { timeout: BROWSER_TIMEOUT })
      .toContain(target.firstResponseContains);
  }, BROWSER_TIMEOUT);

  it('offers the GraphiQL Explorer plugin, which lists the schema from introspection', async () => {
    const button = page.locator('.graphiql-sidebar button[aria-label*="GraphiQL Explorer"]');
    await expect.poll(() => button.count(), { timeout: BROWSER_TIMEOUT }).toBe(1);
    await button.click();
    const panel = page.locator('.graphiql-plugin');
    await expect.poll(() => panel.innerText(), { timeout: BROWSER_TIMEOUT }).toContain(target.queryField);
    if (process.env.GRAPHIQL_SCREENSHOT) await page.screenshot({ path: process.env.GRAPHIQL_SCREENSHOT });
  }, BROWSER_TIMEOUT);

  it('shows the examples even when tabs saved from other examples are in localStorage', async () => {
    const stale = await newContext(browser!);
    try {
      await stale.addInitScript(() => {
        if (!location.pathname.startsWith('/graphiql/') || sessionStorage.getItem('seeded')) return;
        sessionStorage.setItem('seeded', '1');
        const tab = { id: 'old', hash: 'old', title: 'Stale', query: 'query Stale { hello }', variables: null, headers: null, operationName: 'Stale', response: null };
        const state = JSON.stringify({ tabs: [tab], activeTabIndex: 0 });
        localStorage.setItem('regiongraph-graphiql:examples', 'from-an-older-deployment');
        localStorage.setItem('regiongraph-graphiql:graphiql:tabState', state);
        localStorage.setItem('graphiql:tabState', state); // a plain GraphiQL elsewhere on this origin
      });
      const p = await openGraphiql(stale);
      await expect.poll(() => tabTitles(p).then((t) => t.map((s) => s.trim())), { timeout: BROWSER_TIMEOUT }).toEqual(expectedTitles());
      // Tabs the user opens next to the examples survive a reload.
      await p.click('.graphiql-tab-add');
      await expect.poll(() => p.locator('.graphiql-tab').count()).toBe(target.operations.length + 1);
      await p.waitForTimeout(600); // GraphiQL saves tab state debounced
      await p.reload();
      await p.waitForSelector('.graphiql-container', { timeout: BROWSER_TIMEOUT });
      await expect.poll(() => p.locator('.graphiql-tab').count(), { timeout: BROWSER_TIMEOUT }).toBe(target.operations.length + 1);
    } finally {
      await stale.close();
    }
  }, BROWSER_TIMEOUT);

  it('made no requests to other origins', () => {
    expect(foreignRequests).toEqual([]);
  });

  it('had no failed requests, page errors or console errors', () => {
    expect(failedRequests).toEqual([]);
    expect(errors).toEqual([]);
  });
});
