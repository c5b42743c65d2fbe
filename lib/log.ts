// Structured JSON log lines on stderr, one per event, filtered by LOG_LEVEL.
import { AsyncLocalStorage } from 'node:async_hooks';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof LEVELS;

/** The header a request id travels in: from the client to the gateway, from the gateway to each subgraph, and back. */
export const REQUEST_ID_HEADER = 'x-request-id';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

// Fields of the request being served (its request id), added to every line logged while it runs, whoever logs it.
const requestFields = new AsyncLocalStorage<Record<string, unknown>>();

/** Runs `fn` so that every line logged inside it, synchronously or later in its promises, carries `fields`. */
export function withLogFields<T>(fields: Record<string, unknown>, fn: () => T): T {
  return requestFields.run({ ...requestFields.getStore(), ...fields }, fn);
}

/** JSON of a log line that never throws: errors keep their name, message, code and stack; bigints and objects met again (cycles) are written as text. */
function serialize(line: Record<string, unknown>): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(line, (_key, value: unknown) => {
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Error) {
      const { code } = value as NodeJS.ErrnoException;
      return { name: value.name, message: value.message, ...(code === undefined ? {} : { code }), stack: value.stack };
    }
    if (typeof value === 'object' && value !== null) {
      if (seen.has(value)) return '[Repeated]';
      seen.add(value);
    }
    return value;
  });
}

/** A logger for one part of the system (`service` is the gateway or a subgraph name). */
export function createLogger(service: string, minimum: LogLevel = 'info'): Logger {
  const write = (level: LogLevel) => (message: string, fields: Record<string, unknown> = {}) => {
    if (LEVELS[level] < LEVELS[minimum]) return;
    process.stderr.write(`${serialize({ time: new Date().toISOString(), level, service, message, ...requestFields.getStore(), ...fields })}\n`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
