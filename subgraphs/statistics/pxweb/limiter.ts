// Process-wide call limiter per PxWeb installation: a sliding window over call start times, paused by 429 Retry-After.

export interface CallWindow {
  maxCalls: number;
  windowMs: number;
}

export interface Limiter {
  /** Waits until a call may start without exceeding the window (or an active pause), then records its start. */
  acquire(): Promise<number>;
  /** Holds every call back until `untilMs` (epoch ms), e.g. when the server answered 429 with Retry-After. */
  pauseUntil(untilMs: number): void;
  /** Applies the limits the installation's /config announced. */
  configure(window: CallWindow): void;
}

/** SCB's published limits (30 calls per 10 s), used until /config has been read. */
export const SCB_CALL_WINDOW: CallWindow = { maxCalls: 30, windowMs: 10_000 };

/**
 * Requests reach the server a little after they start, so two starts exactly one window apart can land inside one
 * window on the server's clock; waiting this much longer keeps the server's count within the limit.
 */
function safetyMarginMs(windowMs: number): number {
  return Math.min(250, Math.ceil(windowMs * 0.05));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function createLimiter(initial: CallWindow): Limiter {
  let window = initial;
  const starts: number[] = [];
  let pausedUntil = 0;
  // Callers queue on one promise chain, so two concurrent acquires never both take the last slot.
  let queue: Promise<number> = Promise.resolve(0);

  async function waitForSlot(): Promise<number> {
    for (;;) {
      const now = Date.now();
      const horizon = now - window.windowMs - safetyMarginMs(window.windowMs);
      while (starts.length > 0 && starts[0] <= horizon) starts.shift();
      const waitForPause = pausedUntil - now;
      const waitForWindow = starts.length >= window.maxCalls ? starts[starts.length - window.maxCalls] - horizon + 1 : 0;
      const wait = Math.max(waitForPause, waitForWindow);
      if (wait <= 0) {
        starts.push(now);
        return now;
      }
      await sleep(wait);
    }
  }

  return {
    acquire() {
      queue = queue.then(waitForSlot);
      return queue;
    },
    pauseUntil(untilMs) {
      pausedUntil = Math.max(pausedUntil, untilMs);
    },
    configure(next) {
      window = next;
    },
  };
}

const limiters = new Map<string, Limiter>();

/** The one limiter of an installation in this process, shared by every client that calls it. */
export function limiterFor(baseUrl: string, initial: CallWindow = SCB_CALL_WINDOW): Limiter {
  let limiter = limiters.get(baseUrl);
  if (!limiter) {
    limiter = createLimiter(initial);
    limiters.set(baseUrl, limiter);
  }
  return limiter;
}
