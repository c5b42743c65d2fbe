// Shapes shared by the PxWeb client and its users: API config, table metadata, selections and decoded data.

/** GET /config of a PxWebApi 2.0 installation (the fields regiongraph uses). */
export interface PxWebApiConfig {
  apiVersion: string;
  maxDataCells: number;
  maxCallsPerTimeWindow: number;
  /** Seconds. */
  timeWindow: number;
  license: string;
  defaultLanguage: string;
}

/** One value of a table variable. */
export interface VariableValue {
  code: string;
  label: string;
}

/** A codelist (valueset or aggregation) a variable can be read through. */
export interface CodelistRef {
  id: string;
  label: string;
  type: 'Valueset' | 'Aggregation' | string;
}

/** A variable (dimension) of a table as its metadata describes it. */
export interface TableVariable {
  code: string;
  label: string;
  /** True for the time variable (role.time). */
  time: boolean;
  /** True for the content variable (role.metric): what is measured. */
  content: boolean;
  /** May be left out of a selection (SCB then sums it or uses eliminationValueCode). */
  elimination: boolean;
  eliminationValueCode: string | null;
  values: VariableValue[];
  codelists: CodelistRef[];
}

/** Unit and decimals of one content value (ContentsCode). */
export interface ContentUnit {
  unit: string;
  decimals: number;
  /** SCB's measuringType: Stock, Flow, Average, Other. */
  measuringType: string | null;
  refPeriod: string | null;
}

/** A table's metadata, from GET /tables/{id}/metadata (JSON-stat 2.0 with empty value). */
export interface TableMetadata {
  id: string;
  label: string;
  /** ISO 8601 timestamp of the table's last update: part of every cache key. */
  updated: string;
  source: string;
  notes: string[];
  variables: TableVariable[];
  units: Record<string, ContentUnit>;
  /** True when a note says SCB's Cell Key Method adds noise (reference year 2025 on): totals are not sums of parts. */
  cellKeyNoise: boolean;
}

/** Which codes to read per variable; a variable left out is eliminated (if the table allows it). */
export interface SelectionItem {
  variableCode: string;
  /** Codes or selection expressions (`*`, `top(3)`, `range(a,b)`…). */
  valueCodes: string[];
  codelist?: string;
}
export type Selection = SelectionItem[];

/** One decoded cell of a dataset: a code per dimension (in `dimensions` order), the value, and SCB's status symbol. */
export interface DataRow {
  codes: string[];
  /** Null when SCB sent no value (status then says why); never 0 for a missing cell. */
  value: number | null;
  /** SCB's symbol for a missing, suppressed or uncertain value (e.g. ".."); null for an ordinary value. */
  status: string | null;
}

/** A dimension of a decoded dataset, with its categories in index order. */
export interface DatasetDimension {
  code: string;
  label: string;
  time: boolean;
  content: boolean;
  values: VariableValue[];
}

/** A JSON-stat 2.0 dataset decoded into tidy rows. */
export interface DecodedDataset {
  tableId: string;
  label: string;
  updated: string;
  source: string;
  notes: string[];
  dimensions: DatasetDimension[];
  units: Record<string, ContentUnit>;
  cellKeyNoise: boolean;
  rows: DataRow[];
}

/** Where a response came from: the API just now, or the cache (stale when the API could not be reached). */
export interface Freshness {
  fromCache: boolean;
  /** True when served from the cache because the publisher was unreachable. */
  stale: boolean;
  /** ISO timestamp when the response was fetched from the publisher. */
  fetchedAt: string;
}

/** A value wrapped with where it came from. */
export interface Fetched<T> {
  value: T;
  freshness: Freshness;
}

/** One folder of SCB's subject tree, as a step of a table's `paths`. */
export interface PathStep {
  id: string;
  label: string;
  sortCode: string;
}

/** A table as GET /tables and GET /tables/{id} describe it. */
export interface TableInfo {
  id: string;
  label: string;
  description: string;
  /** ISO 8601 timestamp of the last update: decides whether cached metadata and data are current. */
  updated: string;
  firstPeriod: string;
  lastPeriod: string;
  /** Annual, Quarterly, Monthly, Other… */
  timeUnit: string;
  variableNames: string[];
  source: string;
  subjectCode: string;
  discontinued: boolean;
  /** Every folder chain (root first) the table sits in; the subject tree is rebuilt from these. */
  paths: PathStep[][];
}

/** Arguments of GET /tables. */
export interface TableSearch {
  /** Free text over titles, variables and values. */
  query?: string;
  /** Only tables updated within this many days. */
  pastDays?: number;
  includeDiscontinued?: boolean;
  pageNumber?: number;
  pageSize?: number;
}

/** One page of GET /tables. */
export interface TableSearchResult {
  tables: TableInfo[];
  pageNumber: number;
  pageSize: number;
  totalElements: number;
  totalPages: number;
}

/** A folder of the subject tree rebuilt from the tables' paths. */
export interface SubjectNode {
  id: string;
  label: string;
  sortCode: string;
  children: SubjectNode[];
  /** Ids of the tables directly in this folder. */
  tableIds: string[];
}

/** GET /codelists/{id}: a valueset (a subset of codes) or an aggregation (groups of codes). */
export interface Codelist {
  id: string;
  label: string;
  type: 'Valueset' | 'Aggregation' | string;
  elimination: boolean;
  values: { code: string; label: string; valueMap: string[] }[];
}
