// Imported operator/SCB deliveries of mobile-network aggregates: the import (validation, store) and the source serving them.
export { areaLookup, frameAreas } from './areas.ts';
export { FILE_KINDS, FILE_SPECS, type FileKind } from './format.ts';
export { checkDescription, importDelivery, type ImportOptions, type ImportResult } from './import.ts';
export { openDeliveredSource, type DeliveredSource, type DeliveredSourceConfig } from './reader.ts';
export { MAX_PER_CODE, PROBLEM_CODES, ValidationReport, type Problem, type ProblemCode } from './report.ts';
export { describeDelivery, readDeliveries, type DeliveryDescription, type DeliveryRecord, type WriteHooks } from './store.ts';
export type { CoverageEntry, FileProgress, StagedFile } from './validate.ts';
