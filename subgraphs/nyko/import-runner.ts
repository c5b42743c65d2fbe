// Imports through the API run in a worker thread, one at a time per process, so the subgraph keeps answering while one runs.
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { WorkerImport, WorkerMessage } from './import-worker.ts';
import type { NykoStore } from './store.ts';
import type { ImportProgress, ImportVersionRequest, ImportVersionResult } from './versions.ts';

/** A .mjs entry that loads the TypeScript worker through tsx: works under `tsx`/`node --import tsx` and inside vitest alike. */
const ENTRY = new URL('./import-worker.mjs', import.meta.url);

/** The import a process is running now, as its worker last reported. */
export interface ImportInProgress extends ImportProgress {
  /** `kommun/scheme/label`. */
  version: string;
  /** Imports queued behind it. */
  waiting: number;
}

let queue: Promise<unknown> = Promise.resolve();
let waiting = 0;
let current: ImportInProgress | null = null;

/** What this process is importing now, or null. */
export function importInProgress(): ImportInProgress | null {
  return current ? { ...current, waiting } : null;
}

/**
 * Runs importVersion in a worker thread over its own connection to the store's file and resolves with its result, less
 * `report.areas` (left empty: the areas are in the store, and their geometry is costly to clone).
 * Imports queue: the next starts when the worker before it has exited, so a second import of the same label is refused
 * as VERSION_EXISTS rather than racing to STORE_CHANGED. `onProgress` hears the worker's progress here; `signal` ends
 * the worker (its transaction, if open, is rolled back). A worker that dies rejects with an Error, never hangs.
 */
export function runImportInWorker(store: Pick<NykoStore, 'file' | 'dataDir' | 'readonly'>, request: ImportVersionRequest): Promise<ImportVersionResult> {
  if (store.file === ':memory:') return Promise.reject(new Error('A NYKO store in memory cannot be shared with an import worker: give the store a file.'));
  const { onProgress, signal, ...rest } = request;
  const job: WorkerImport = { file: path.resolve(store.file), dataDir: store.dataDir, readonly: store.readonly, request: rest };
  waiting++;
  const turn = queue.then(() => {
    waiting--;
    return runOne(job, onProgress, signal);
  });
  queue = turn.catch(() => undefined);
  return turn;
}

function runOne(job: WorkerImport, onProgress: ImportVersionRequest['onProgress'], signal: AbortSignal | undefined): Promise<ImportVersionResult> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  const version = `${job.request.kommun}/${job.request.scheme}/${job.request.label}`;
  const worker = new Worker(ENTRY, { workerData: job, name: `nyko-import ${version}` });
  current = { version, phase: 'read', fraction: 0, waiting };
  return answerOf(worker, version, {
    signal,
    onProgress: (progress) => {
      current = { version, ...progress, waiting };
      onProgress?.(progress);
    },
  }).finally(() => (current = null));
}

/**
 * The answer of an import worker, settled when it has exited: its result, its failure as an Error, or an Error naming
 * the crash or exit code when it died without answering. `signal` terminates it and rejects with the signal's reason
 * (unless it had answered already).
 */
export function answerOf(worker: Worker, version: string, hooks: { onProgress?: (progress: ImportProgress) => void; signal?: AbortSignal } = {}): Promise<ImportVersionResult> {
  const { onProgress, signal } = hooks;
  return new Promise<ImportVersionResult>((resolve, reject) => {
    let answer: WorkerMessage | null = null;
    let crash: Error | null = null;
    const abort = () => void worker.terminate();
    signal?.addEventListener('abort', abort, { once: true });
    worker.on('message', (message: WorkerMessage) => {
      if (message.kind === 'progress') onProgress?.(message.progress);
      else answer = message;
    });
    worker.on('error', (error) => (crash = error));
    worker.on('messageerror', (error) => (crash = error));
    // Settled on exit only, so no import's worker outlives its answer and the next one starts on a quiet store.
    worker.once('exit', (code) => {
      signal?.removeEventListener('abort', abort);
      // An import that answered before the abort took effect was written: its result is the truth.
      if (answer?.kind === 'done') resolve(answer.result);
      else if (signal?.aborted) reject(signal.reason);
      else if (answer?.kind === 'failed') reject(new Error(`The NYKO import of ${version} failed in its worker: ${answer.error.message}`, { cause: answer.error }));
      else reject(new Error(`The NYKO import worker for ${version} ${crash ? `crashed (${crash.message})` : `exited with code ${code}`} before answering.`, { cause: crash ?? undefined }));
    });
  });
}
