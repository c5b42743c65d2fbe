// Types for the part of autocannon 9's programmatic API the load process uses (the package ships none).
declare module 'autocannon' {
  interface RawRequest {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
  }

  interface Request extends RawRequest {
    /** Builds the request actually sent; `context` lives as long as the connection's pass over `requests`. */
    setupRequest?(request: RawRequest, context: Record<string, unknown>): RawRequest;
    onResponse?(status: number, body: string, context: Record<string, unknown>, headers: Record<string, string | string[]>): void;
  }

  interface Options extends RawRequest {
    url: string;
    connections?: number;
    /** Seconds. */
    duration?: number;
    /** Seconds a response may take before it counts as a timeout. */
    timeout?: number;
    requests?: Request[];
  }

  /** hdr-histogram-percentiles-obj, as autocannon reports requests per second and latency (ms). */
  interface Histogram {
    average: number;
    mean: number;
    stddev: number;
    min: number;
    max: number;
    p50: number;
    p90: number;
    p99: number;
    total: number;
  }

  interface Result {
    duration: number;
    requests: Histogram;
    latency: Histogram;
    errors: number;
    timeouts: number;
    non2xx: number;
  }

  interface Instance {
    stop(): void;
    on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): this;
    once(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): this;
  }

  function autocannon(options: Options, callback: (error: Error | null, result: Result) => void): Instance;
  export default autocannon;
}
