// Helpers for the gateway's limit, fault and operations tests: subgraphs that stop and restart on their port, gateways with their own settings, fake upstreams.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGateway } from '../gateway/server.ts';
import { createLogger } from '../lib/log.ts';
import { startSubgraph, type RunningSubgraph } from '../lib/subgraph.ts';
import { subgraphByName, subgraphs } from '../subgraphs/index.ts';
import { testConfig } from './harness.ts';

export interface Subgraphs {
  /** Each subgraph's URL; a stopped subgraph keeps its URL and comes back on the same port. */
  urls: Record<string, string>;
  stop(name: string): Promise<void>;
  restart(name: string): Promise<void>;
  close(): Promise<void>;
}

/** Every subgraph in this process, each on a free loopback port. */
export async function startSubgraphs(): Promise<Subgraphs> {
  const config = testConfig();
  const running = new Map<string, RunningSubgraph>();
  const start = async (name: string, port: number) => {
    running.set(name, await startSubgraph(subgraphByName(name), config, createLogger(name, 'warn'), port));
  };
  await Promise.all(subgraphs.map((module) => start(module.name, 0)));
  const urls = Object.fromEntries([...running].map(([name, subgraph]) => [name, subgraph.url]));
  const stop = async (name: string) => {
    await running.get(name)?.close();
    running.delete(name);
  };
  return {
    urls,
    stop,
    restart: (name) => start(name, Number(new URL(urls[name]).port)),
    close: async () => {
      await Promise.all([...running.keys()].map(stop));
    },
  };
}

export interface RunningGateway {
  origin: string;
  url: string;
  close(): Promise<void>;
}

/** A gateway over the given subgraph URLs with settings from `env` on top of the test configuration. */
export async function startGateway(subgraphUrls: Record<string, string>, env: Record<string, string> = {}): Promise<RunningGateway> {
  const gateway = await createGateway({ config: testConfig(env), log: createLogger('gateway', 'error'), subgraphUrls });
  await new Promise<void>((resolve) => gateway.server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
  return { origin, url: `${origin}/graphql`, close: () => gateway.dispose() };
}

export interface FakeServer {
  /** `/graphql` on the server, where a subgraph would answer. */
  url: string;
  origin: string;
  /** Path and headers of every request received, in order. */
  requests: { path: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

/** A local HTTP server whose handler gets each request with its body read; it records every request's path and headers. */
export async function startFakeServer(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<FakeServer> {
  const requests: FakeServer['requests'] = [];
  const server = createServer(async (req, res) => {
    requests.push({ path: req.url ?? '/', headers: req.headers });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    handler(req, res, Buffer.concat(chunks).toString('utf8'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/graphql`,
    origin,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// Headers that belong to one connection, not to the request passed on.
const HOP_BY_HOP = new Set(['host', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);

/** Passes a request on to `target` and its answer back (a recording proxy in front of a subgraph). */
export async function forward(target: string, req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
  const headers = Object.entries(req.headers).filter((entry): entry is [string, string] => !HOP_BY_HOP.has(entry[0]) && typeof entry[1] === 'string');
  const answer = await fetch(target, { method: 'POST', headers, body });
  res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(await answer.text());
}
