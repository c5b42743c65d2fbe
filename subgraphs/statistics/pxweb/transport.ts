// HTTP to PxWeb through one undici Agent: every call waits for the shared limiter; 429, 5xx, timeouts and lost connections are retried with backoff.
import { Agent, request } from 'undici';
import type { Logger } from '../../../lib/log.ts';
import type { Limiter } from './limiter.ts';
import { parseJson } from './jsonstat.ts';
import { rateLimited, readProblem, rejected, retryAfterSeconds, transportFailure, unavailable } from './problems.ts';
import type { HttpRequest } from './query.ts';

export interface TransportOptions {
  timeoutMs: number;
  /** Retries after the first attempt. */
  maxRetries: number;
  /** First backoff delay; it doubles per retry, with jitter. */
  retryBaseMs: number;
  log?: Logger;
}

export interface CallStats {
  /** HTTP requests started, retries included. */
  calls: number;
  retries: number;
}

export interface Transport {
  /** Sends a request within the limiter and returns the parsed JSON body; `what` names it in error messages. */
  send(req: HttpRequest, limiter: Limiter, what: string): Promise<unknown>;
  stats(): CallStats;
  close(): Promise<void>;
}

const MAX_BACKOFF_MS = 30_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createTransport(options: TransportOptions): Transport {
  const { timeoutMs, maxRetries, retryBaseMs, log } = options;
  const agent = new Agent({ connect: { timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const stats: CallStats = { calls: 0, retries: 0 };

  // Full jitter on half the delay keeps clients that failed together from retrying in lockstep.
  const backoffMs = (attempt: number): number => {
    const delay = Math.min(MAX_BACKOFF_MS, retryBaseMs * 2 ** attempt);
    return delay / 2 + Math.random() * (delay / 2);
  };

  async function send(req: HttpRequest, limiter: Limiter, what: string): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= maxRetries;
      const retry = (reason: string, delayMs: number): void => {
        stats.retries++;
        log?.warn('pxweb retry', { url: req.url, attempt: attempt + 1, reason, delayMs: Math.round(delayMs) });
      };
      await limiter.acquire();
      stats.calls++;
      log?.debug('pxweb call', { method: req.method, url: req.url });
      let status: number;
      let headers: Record<string, string | string[] | undefined>;
      let text: string;
      try {
        const response = await request(req.url, {
          method: req.method,
          dispatcher: agent,
          headers: { accept: 'application/json', ...(req.body ? { 'content-type': 'application/json' } : {}) },
          body: req.body,
        });
        status = response.statusCode;
        headers = response.headers;
        text = await response.body.text();
      } catch (error) {
        const failure = transportFailure(error);
        if (!failure) throw error;
        const reason = failure.kind === 'timeout' ? `timed out after ${timeoutMs} ms (${failure.code})` : `could not be reached (${failure.code})`;
        if (last) throw unavailable(what, `SCB ${reason}, ${attempt + 1} attempts`, { cause: failure.code });
        const delay = backoffMs(attempt);
        retry(failure.code, delay);
        await sleep(delay);
        continue;
      }
      if (status >= 200 && status < 300) {
        try {
          return parseJson(text);
        } catch {
          throw unavailable(what, `SCB answered HTTP ${status} with a body that is not JSON`);
        }
      }
      const problem = readProblem(status, text);
      if (status === 429) {
        const delay = (retryAfterSeconds(headers['retry-after'], Date.now()) ?? backoffMs(attempt) / 1000) * 1000;
        // Everyone calling this installation waits, not just this request: the window is per IP.
        limiter.pauseUntil(Date.now() + delay);
        if (last) throw rateLimited(what, Math.max(1, Math.ceil(delay / 1000)), attempt + 1);
        retry('HTTP 429', delay);
        continue;
      }
      if (status >= 500) {
        if (last) throw unavailable(what, `SCB answered HTTP ${status} "${problem.title}" ${attempt + 1} times`, { upstream: { status, title: problem.title } });
        const delay = backoffMs(attempt);
        retry(`HTTP ${status}`, delay);
        await sleep(delay);
        continue;
      }
      throw rejected(problem, what);
    }
  }

  return {
    send,
    stats: () => ({ ...stats }),
    close: () => agent.close(),
  };
}
