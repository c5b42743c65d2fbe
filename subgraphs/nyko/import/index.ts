// Public surface of the NYKO import library: the two entry points, their types and the issue code registry.
export { importNyko, importNykoLayers } from './import.ts';
export { NYKO_ISSUE_CODES, type NykoIssueCode } from './issues.ts';
export { DEFAULT_TOLERANCES } from './model.ts';
export type {
  NykoArea,
  NykoCommonOptions,
  NykoFieldMapping,
  NykoFileOptions,
  NykoImportOptions,
  NykoInput,
  NykoIssue,
  NykoLayerInput,
  NykoLevel,
  NykoLevelSpec,
  NykoParentLink,
  NykoParseResult,
  NykoPhase,
  NykoSeverity,
  NykoSourceInfo,
  NykoStats,
  NykoTolerances,
} from './types.ts';
