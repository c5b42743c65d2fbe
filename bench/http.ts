// A bounded closed-loop HTTP load generator over Node's fetch: N workers, each sending its next request when the last returns.
import { percentile } from './util.ts';

export interface GraphqlRequest {
  query: string;
  variables?: Record<string, unknown>;
}

/** POSTs one operation; throws unless the status is 200 and the body has data and no errors. */
export async function postGraphql(url: string, request: GraphqlRequest): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
    body: JSON.stringify(request),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`HTTP ${response.status} from ${url}: ${text.slice(0, 200)}`);
  const body = JSON.parse(text) as { data?: unknown; errors?: { message: string }[] };
  if (body.errors?.length || body.data == null) throw new Error(`GraphQL errors from ${url}: ${text.slice(0, 200)}`);
  return body.data;
}

export interface LoadOptions {
  url: string;
  /** The i-th request (i counts from 0 across warm-up and measurement). */
  request(i: number): GraphqlRequest;
  /** Sends the i-th request some other way than one POST of `request(i)` to `url` (several calls, say); throws on failure. */
  send?(i: number): Promise<unknown>;
  concurrency: number;
  warmupRequests: number;
  /** The measurement stops after this many requests ... */
  maxRequests: number;
  /** ... or once this much time has passed, whichever comes first. */
  maxMs: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  firstError?: string;
  seconds: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
}

async function drive(options: LoadOptions, offset: number, total: number, maxMs: number, latencies: number[] | null) {
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const worker = async () => {
    while (next < total && performance.now() - started < maxMs) {
      const i = next++;
      const t0 = performance.now();
      try {
        await (options.send ? options.send(offset + i) : postGraphql(options.url, options.request(offset + i)));
        latencies?.push(performance.now() - t0);
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { sent: next, errors, firstError, seconds: (performance.now() - started) / 1000 };
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const warm = await drive(options, 0, options.warmupRequests, options.maxMs, null);
  if (warm.errors > 0) throw new Error(`Warm-up against ${options.url} failed: ${warm.firstError}`);
  const latencies: number[] = [];
  const run = await drive(options, options.warmupRequests, options.maxRequests, options.maxMs, latencies);
  return {
    requests: latencies.length,
    errors: run.errors,
    firstError: run.firstError,
    seconds: run.seconds,
    perSecond: latencies.length / run.seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    mean: latencies.reduce((sum, value) => sum + value, 0) / latencies.length,
  };
}
