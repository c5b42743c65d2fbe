// The worker side of an import through the API: its own connection to the store, importVersion, the result posted back.
import { openNykoStore } from './store.ts';
import { importVersion, type ImportProgress, type ImportVersionRequest, type ImportVersionResult } from './versions.ts';

/** What crosses into the worker: the store's path and an import request without its callbacks and signal. */
export interface WorkerImport {
  file: string;
  dataDir: string;
  readonly: boolean;
  request: Omit<ImportVersionRequest, 'onProgress' | 'signal'>;
}

/** What the worker posts back; every field survives structured cloning. */
export type WorkerMessage =
  | { kind: 'progress'; progress: ImportProgress }
  | { kind: 'done'; result: ImportVersionResult }
  | { kind: 'failed'; error: { name: string; message: string; stack?: string } };

/** Progress is posted when the phase changes or a percent more is done, not on every feature. */
const PROGRESS_STEP = 0.01;

/** Runs one import and posts its messages; never throws (a failure is posted as `failed`). */
export function runWorkerImport(job: WorkerImport, post: (message: WorkerMessage) => void): void {
  let last: ImportProgress | null = null;
  const onProgress = (progress: ImportProgress) => {
    if (last && last.phase === progress.phase && progress.fraction - last.fraction < PROGRESS_STEP && progress.fraction < 1) return;
    last = progress;
    post({ kind: 'progress', progress });
  };
  try {
    // No seeding: the subgraph seeded on its own open, and a seed here would race it. Migrating is idempotent.
    const store = openNykoStore(job.file, { dataDir: job.dataDir, seed: false, readonly: job.readonly });
    try {
      const result = importVersion(store, { ...job.request, onProgress });
      // The areas are in the store now; cloning Göteborg's 1000 geometries back would block the main thread for ~250 ms.
      post({ kind: 'done', result: { ...result, report: result.report && { ...result.report, areas: [] } } });
    } finally {
      store.close();
    }
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    post({ kind: 'failed', error: { name: failure.name, message: failure.message, stack: failure.stack } });
  }
}
