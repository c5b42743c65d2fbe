// Maps PxWeb failures (RFC 7807 problem bodies, HTTP statuses, undici error codes) to regiongraph's coded GraphQL errors.
import type { GraphQLError } from 'graphql';
import { codedError } from '../../../lib/errors.ts';
import { parseJson } from './jsonstat.ts';

/** An RFC 7807 problem as PxWebApi sends it, e.g. {"type":"Parameter error","title":"Non-existent variable","status":400}. */
export interface Problem {
  status: number;
  title: string;
  type: string | null;
  detail: string | null;
}

/** undici and Node error codes of failures worth retrying: the request may succeed a moment later. */
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

export type TransportFailure = { kind: 'timeout' | 'connection'; code: string };

/** Classifies a thrown network error by its code (undici's advice: match codes, not classes); null when it is not one. */
export function transportFailure(error: unknown): TransportFailure | null {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  if (TIMEOUT_CODES.has(code)) return { kind: 'timeout', code };
  if (CONNECTION_CODES.has(code)) return { kind: 'connection', code };
  return null;
}

/** Reads a problem body; a body that is not one still yields the status and a generic title. */
export function readProblem(status: number, body: string): Problem {
  try {
    const json = parseJson(body);
    if (typeof json === 'object' && json !== null) {
      const problem = json as Record<string, unknown>;
      return {
        status,
        title: typeof problem.title === 'string' ? problem.title : `HTTP ${status}`,
        type: typeof problem.type === 'string' ? problem.type : null,
        detail: typeof problem.detail === 'string' ? problem.detail : null,
      };
    }
  } catch {
    // Not JSON (an HTML error page from a proxy, say): the status alone has to do.
  }
  return { status, title: `HTTP ${status}`, type: null, detail: null };
}

/** What the caller should change, from SCB's problem title. */
function advice(problem: Problem): string {
  const title = problem.title.toLowerCase();
  if (title.includes('table')) return 'check the table id (search tables to find current ids)';
  if (title.includes('variable') && title.includes('mandatory')) return "add a selection for every variable the table's metadata marks as not eliminable";
  if (title.includes('variable')) return "use variable codes from the table's metadata";
  if (title.includes('codelist')) return "use a codelist the table's metadata lists for that variable";
  if (title.includes('value')) return "use value codes from the table's metadata";
  if (title.includes('cells') || problem.status === 403) return 'select fewer values';
  if (title.includes('expression')) return 'use *, ?, top(n), bottom(n), range(a,b), from(a) or to(a)';
  return 'check the arguments against the table metadata';
}

/** A 4xx problem (not 429): the request itself is wrong, so retrying cannot help. */
export function rejected(problem: Problem, what: string): GraphQLError {
  return codedError('UPSTREAM_REJECTED', `SCB rejected ${what}: "${problem.title}" (HTTP ${problem.status}); ${advice(problem)}.`, {
    upstream: { status: problem.status, title: problem.title, type: problem.type },
  });
}

export function rateLimited(what: string, retryAfterSeconds: number, attempts: number): GraphQLError {
  return codedError(
    'UPSTREAM_RATE_LIMITED',
    `SCB kept answering 429 Too Many Requests for ${what} after ${attempts} attempts; try again in ${retryAfterSeconds} s.`,
    { retryAfterSeconds },
  );
}

export function unavailable(what: string, reason: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return codedError('UPSTREAM_UNAVAILABLE', `SCB could not answer ${what}: ${reason}.`, extensions);
}

/** The offline snapshot lacks the answer; say how to get it. */
export function notInSnapshot(what: string): GraphQLError {
  return codedError(
    'UPSTREAM_UNAVAILABLE',
    `${what} is not in the offline snapshot. Set PXWEB_MODE=live to fetch it from SCB, or run \`npm run sync\` while online to add it to the snapshot.`,
    { offline: true },
  );
}

/** True for the failures the cache may paper over: SCB unreachable, timing out or failing. */
export function isUnavailable(error: unknown): boolean {
  return error instanceof Error && 'extensions' in error && (error as GraphQLError).extensions.code === 'UPSTREAM_UNAVAILABLE';
}

/** Seconds from a Retry-After header: delta-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterSeconds(header: string | string[] | undefined, nowMs: number): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, (date - nowMs) / 1000);
}
