// Entry of the NYKO import worker: loads the TypeScript side through tsx, since a plain Worker (and vitest) would not.
import { parentPort, workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

const { runWorkerImport } = await tsImport('./import-worker.ts', import.meta.url);
runWorkerImport(workerData, (message) => parentPort.postMessage(message));
