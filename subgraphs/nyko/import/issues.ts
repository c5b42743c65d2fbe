// The registry of NYKO import issue codes, and the collector every import step reports through.
import type { NykoIssue, NykoSeverity } from './types.ts';

/** Every code an import issue can carry, with what it means; clients match on the code, never on the message. */
export const NYKO_ISSUE_CODES = {
  INVALID_OPTION: 'An import option is malformed (the kommun code, a tolerance, a CRS name).',
  UNSUPPORTED_FORMAT: 'The file is not GeoJSON, a zipped shapefile or a CSV code list.',
  INVALID_FILE: 'The file could not be read: broken JSON, zip or shapefile, a missing .dbf, no features.',
  MULTIPLE_LAYERS: 'A zip holds several shapefiles and the `layer` option does not say which one to read.',
  ENCODING: 'Text could not be decoded cleanly, or its encoding had to be assumed.',
  CRS_UNKNOWN: 'The file names a coordinate reference system that is not WGS84, SWEREF 99 TM or a SWEREF 99 local zone.',
  CRS_AMBIGUOUS: 'The coordinates are projected and nothing says in which CRS; local zones cannot be told apart by their numbers.',
  CRS_MISMATCH: 'The declared CRS does not fit the coordinates (degrees declared as metres or the reverse).',
  CRS_OVERRIDDEN: 'The `crs` option replaced the CRS the file declares.',
  CODE_FIELD_MISSING: 'No property holds a code, and the mapping does not name one.',
  FIELD_NOT_FOUND: 'The mapping names a property that no feature has.',
  MISSING_CODE: 'A feature has no code.',
  INVALID_CODE: 'A code is not a whole number where one is expected, or does not fit the declared code lengths.',
  DUPLICATE_CODE: 'A code appears more than once in one import.',
  CODE_AS_NUMBER: 'Codes were stored as numbers and were turned into strings.',
  LEADING_ZEROS_LOST: 'Codes stored as numbers have mixed lengths or are shorter than `codeWidth`: their leading zeros were probably lost.',
  INVALID_GEOMETRY: 'A geometry is not a valid polygon: wrong type, unclosed ring, too few points, no area, non-finite coordinates, overlapping parts.',
  SELF_INTERSECTION: 'A boundary crosses or runs along itself beyond what can be repaired.',
  HOLE_OUTSIDE_SHELL: 'A hole of a polygon lies outside its outer ring.',
  GEOMETRY_REPAIRED: 'A geometry defect left by conversion or rounding (spike, tiny twisted lobe, empty part, hole written as a part) was repaired.',
  MISSING_GEOMETRY: 'An area has no geometry and its code is not a restpost code (all 9s or all 0s).',
  OUTSIDE_SWEDEN: 'An area lies outside Sweden: usually a wrong CRS.',
  OUTSIDE_MUNICIPALITY: 'An area lies partly or wholly outside the kommun boundary.',
  OVERLAP: 'Two areas of one level overlap.',
  GAP: 'Land enclosed by a level, or inside a parent or the kommun, that no area covers.',
  PARENT_MISSING: 'An area names a parent (by field, code prefix or location) that the import does not have.',
  NOT_NESTED: 'An area lies mostly outside its parent, or its code does not start with its parent’s where the scheme nests codes.',
  PARENT_CYCLE: 'Parent codes form a cycle.',
  INVALID_LEVEL: 'A level value matches no level of the scheme.',
} as const;

export type NykoIssueCode = keyof typeof NYKO_ISSUE_CODES;

type IssueDetails = Omit<NykoIssue, 'severity' | 'code' | 'message' | 'hint'>;

/** Collects issues with the context (input, file, level) of the step that reports them. */
export class IssueLog {
  constructor(
    private readonly context: IssueDetails = {},
    readonly issues: NykoIssue[] = [],
  ) {}

  /** A log writing to the same list with more context, e.g. one input file. */
  with(context: IssueDetails): IssueLog {
    return new IssueLog({ ...this.context, ...context }, this.issues);
  }

  add(severity: NykoSeverity, code: NykoIssueCode, message: string, hint: string, details: IssueDetails = {}): void {
    this.issues.push({ severity, code, message, hint, ...this.context, ...details });
  }

  error(code: NykoIssueCode, message: string, hint: string, details?: IssueDetails): void {
    this.add('error', code, message, hint, details);
  }

  warning(code: NykoIssueCode, message: string, hint: string, details?: IssueDetails): void {
    this.add('warning', code, message, hint, details);
  }

  get hasErrors(): boolean {
    return this.issues.some((issue) => issue.severity === 'error');
  }

  /** Errors first, each group in the order reported. */
  sorted(): NykoIssue[] {
    return [...this.issues.filter((i) => i.severity === 'error'), ...this.issues.filter((i) => i.severity === 'warning')];
  }
}
