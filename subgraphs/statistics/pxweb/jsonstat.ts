// Pure decoders for what PxWeb sends: JSON-stat 2.0 datasets and metadata (v2, v1 json-stat2), v1 metadata and v1 `json` data.
import type {
  CodelistRef,
  ContentUnit,
  DataRow,
  DatasetDimension,
  DecodedDataset,
  TableMetadata,
  TableVariable,
  VariableValue,
} from './types.ts';

type Json = Record<string, unknown>;

/** Code of the content variable in SCB tables, and of the dimension made from v1 `c` columns. */
export const CONTENT_CODE = 'ContentsCode';

const CELL_KEY_PATTERN = /slumpmässig osäkerhet|cell key/i;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function record(value: unknown, what: string): Json {
  if (!isRecord(value)) throw new Error(`Unexpected PxWeb response: ${what} is not an object`);
  return value;
}

function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`Unexpected PxWeb response: ${what} is not an array`);
  return value;
}

function text(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : fallback;
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** SCB's v1 API starts bodies with a UTF-8 byte order mark, which JSON.parse rejects. */
export function stripBom(body: string): string {
  return body.charCodeAt(0) === 0xfeff ? body.slice(1) : body;
}

export function parseJson(body: string): unknown {
  return JSON.parse(stripBom(body));
}

/** True when a note says SCB's Cell Key Method adds noise, so totals are not sums of parts. */
export function mentionsCellKey(notes: string[]): boolean {
  return notes.some((note) => CELL_KEY_PATTERN.test(note));
}

interface RawDimension {
  code: string;
  label: string;
  time: boolean;
  content: boolean;
  values: VariableValue[];
  extension: Json;
  notes: string[];
  units: Json;
}

/** Category codes in index order: index may be an object (code → position) or an array; without it, label order. */
function categoryCodes(category: Json, code: string): string[] {
  const { index, label } = category;
  if (Array.isArray(index)) return index.map((item) => text(item));
  if (isRecord(index)) {
    const codes: string[] = [];
    for (const [key, position] of Object.entries(index)) {
      if (typeof position !== 'number') throw new Error(`Unexpected PxWeb response: dimension ${code} has a non-numeric index`);
      codes[position] = key;
    }
    return codes;
  }
  if (isRecord(label)) return Object.keys(label);
  throw new Error(`Unexpected PxWeb response: dimension ${code} has neither category.index nor category.label`);
}

function roleCodes(role: unknown, name: 'time' | 'metric', fallback: string): (code: string) => boolean {
  // SCB always sets role.time and role.metric; without a role object the conventional codes are the best guess.
  if (!isRecord(role)) return (code) => code === fallback;
  const codes = strings(role[name]);
  return (code) => codes.includes(code);
}

function readDimensions(dataset: Json): RawDimension[] {
  const ids = strings(dataset.id);
  const dimensions = record(dataset.dimension, 'dimension');
  const isTime = roleCodes(dataset.role, 'time', 'Tid');
  const isContent = roleCodes(dataset.role, 'metric', CONTENT_CODE);
  return ids.map((code) => {
    const dimension = record(dimensions[code], `dimension ${code}`);
    const category = record(dimension.category ?? {}, `dimension ${code}.category`);
    const labels = isRecord(category.label) ? category.label : {};
    return {
      code,
      label: text(dimension.label, code),
      time: isTime(code),
      content: isContent(code),
      values: categoryCodes(category, code).map((value) => ({ code: value, label: text(labels[value], value) })),
      extension: isRecord(dimension.extension) ? dimension.extension : {},
      notes: strings(dimension.note),
      units: isRecord(category.unit) ? category.unit : {},
    };
  });
}

function readUnits(dimensions: RawDimension[], defaultDecimals: number): Record<string, ContentUnit> {
  const units: Record<string, ContentUnit> = {};
  for (const dimension of dimensions.filter((d) => d.content)) {
    const measuring = isRecord(dimension.extension.measuringType) ? dimension.extension.measuringType : {};
    const refPeriod = isRecord(dimension.extension.refperiod) ? dimension.extension.refperiod : {};
    for (const { code } of dimension.values) {
      const unit = isRecord(dimension.units[code]) ? dimension.units[code] : {};
      units[code] = {
        unit: text(unit.base),
        decimals: typeof unit.decimals === 'number' ? unit.decimals : defaultDecimals,
        measuringType: text(measuring[code]) || null,
        refPeriod: text(refPeriod[code]) || null,
      };
    }
  }
  return units;
}

interface DatasetHeader {
  tableId: string;
  /** extension.px.tableid, empty when the body has none. */
  pxTableId: string;
  label: string;
  updated: string;
  source: string;
  notes: string[];
  dimensions: RawDimension[];
  units: Record<string, ContentUnit>;
  cellKeyNoise: boolean;
}

function readHeader(json: unknown): { dataset: Json; header: DatasetHeader } {
  const dataset = record(json, 'the dataset');
  if (dataset.class !== undefined && dataset.class !== 'dataset') {
    throw new Error(`Unexpected PxWeb response: JSON-stat class "${text(dataset.class)}", expected "dataset"`);
  }
  const extension = isRecord(dataset.extension) ? dataset.extension : {};
  const px = isRecord(extension.px) ? extension.px : {};
  const label = text(dataset.label);
  const notes = strings(dataset.note);
  const dimensions = readDimensions(dataset);
  const pxTableId = text(px.tableid);
  return {
    dataset,
    header: {
      tableId: pxTableId || label,
      pxTableId,
      label,
      updated: text(dataset.updated),
      source: text(dataset.source),
      notes,
      dimensions,
      units: readUnits(dimensions, typeof px.decimals === 'number' ? px.decimals : 0),
      cellKeyNoise: mentionsCellKey([...notes, ...dimensions.flatMap((d) => d.notes)]),
    },
  };
}

/** Reads cell i of a JSON-stat `value` or `status`, which may be an array, a sparse object keyed by index, or (status) one string for all. */
function cellReader<T>(source: unknown, accept: (item: unknown) => item is T): (index: number) => T | null {
  if (accept(source)) return () => source;
  if (Array.isArray(source)) return (index) => (accept(source[index]) ? source[index] : null);
  if (isRecord(source)) return (index) => (accept(source[index]) ? (source[index] as T) : null);
  return () => null;
}

const isNumber = (item: unknown): item is number => typeof item === 'number' && Number.isFinite(item);
const isString = (item: unknown): item is string => typeof item === 'string';

/** Decodes a JSON-stat 2.0 dataset (v2 data, v1 `json-stat2`) into rows; a missing value stays null with its status. */
export function decodeJsonStat(json: unknown): DecodedDataset {
  const { dataset, header } = readHeader(json);
  const { dimensions } = header;
  const sizes = dimensions.map((d) => d.values.length);
  const declared = Array.isArray(dataset.size) ? dataset.size : sizes;
  sizes.forEach((size, i) => {
    if (declared[i] !== size) {
      throw new Error(`Unexpected PxWeb response: dimension ${dimensions[i].code} has ${size} categories but size says ${String(declared[i])}`);
    }
  });
  const total = sizes.reduce((product, size) => product * size, 1);
  if (Array.isArray(dataset.value) && dataset.value.length !== total) {
    throw new Error(`Unexpected PxWeb response: ${dataset.value.length} values for ${total} cells`);
  }
  const valueAt = cellReader(dataset.value, isNumber);
  const statusAt = cellReader(dataset.status, isString);
  const rows: DataRow[] = new Array(total);
  const positions = new Array<number>(sizes.length).fill(0);
  for (let index = 0; index < total; index++) {
    rows[index] = { codes: positions.map((p, d) => dimensions[d].values[p].code), value: valueAt(index), status: statusAt(index) };
    // Row-major: the last dimension varies fastest.
    for (let d = sizes.length - 1; d >= 0; d--) {
      if (++positions[d] < sizes[d]) break;
      positions[d] = 0;
    }
  }
  const { tableId, label, updated, source, notes, units, cellKeyNoise } = header;
  return { tableId, label, updated, source, notes, dimensions: dimensions.map(toDatasetDimension), units, cellKeyNoise, rows };
}

function toDatasetDimension({ code, label, time, content, values }: RawDimension): DatasetDimension {
  return { code, label, time, content, values };
}

function readCodelists(extension: Json): CodelistRef[] {
  // SCB writes `codelists`; the OpenAPI spec and older examples write `codeLists`.
  const raw = extension.codelists ?? extension.codeLists;
  return (Array.isArray(raw) ? raw : []).filter(isRecord).map((c) => ({ id: text(c.id), label: text(c.label), type: text(c.type) }));
}

/** Decodes v2 metadata (a JSON-stat 2.0 dataset with an empty value); `fallbackId` names the table when extension.px lacks it. */
export function decodeMetadata(json: unknown, fallbackId?: string): TableMetadata {
  const { header } = readHeader(json);
  const variables: TableVariable[] = header.dimensions.map((d) => ({
    code: d.code,
    label: d.label,
    time: d.time,
    content: d.content,
    elimination: d.extension.elimination === true,
    eliminationValueCode: text(d.extension.eliminationValueCode) || null,
    values: d.values,
    codelists: readCodelists(d.extension),
  }));
  return {
    id: header.pxTableId || fallbackId || header.label,
    label: header.label,
    updated: header.updated,
    source: header.source,
    notes: header.notes,
    variables,
    units: header.units,
    cellKeyNoise: header.cellKeyNoise,
  };
}

/** Decodes v1 metadata `{title, variables[{code,text,values,valueTexts,elimination?,time?}]}`; v1 carries no update time. */
export function decodeV1Metadata(json: unknown, tableId: string): TableMetadata {
  const body = record(json, 'v1 metadata');
  const variables = list(body.variables, 'variables').map((raw, i): TableVariable => {
    const variable = record(raw, `variable ${i}`);
    const code = text(variable.code);
    const codes = strings(variable.values);
    const labels = strings(variable.valueTexts);
    return {
      code,
      label: text(variable.text, code),
      time: variable.time === true,
      content: code === CONTENT_CODE,
      elimination: variable.elimination === true,
      eliminationValueCode: null,
      values: codes.map((value, j) => ({ code: value, label: labels[j] ?? value })),
      codelists: [],
    };
  });
  return { id: tableId, label: text(body.title), updated: '', source: '', notes: [], variables, units: {}, cellKeyNoise: false };
}

/** A v1 `json` cell is a string; anything that is not a number (`..`, `.`, `-`) is SCB's symbol for a missing value. */
function v1Cell(raw: unknown): Pick<DataRow, 'value' | 'status'> {
  const cell = text(raw).trim();
  const value = cell === '' ? NaN : Number(cell);
  return Number.isFinite(value) ? { value, status: null } : { value: null, status: cell || '..' };
}

/**
 * Decodes a v1 `"format":"json"` body. Its `c` columns (one per content code) become one content dimension,
 * so every row holds one value; metadata, when given, supplies labels, the table id and the variable order.
 */
export function decodeV1Json(json: unknown, metadata?: TableMetadata): DecodedDataset {
  const body = record(json, 'v1 data');
  const columns = list(body.columns, 'columns').map((raw) => {
    const column = record(raw, 'column');
    return { code: text(column.code), label: text(column.text), type: text(column.type) };
  });
  const keyColumns = columns.filter((c) => c.type !== 'c');
  const contentColumns = columns.filter((c) => c.type === 'c');
  const seen = keyColumns.map(() => new Set<string>());
  const rows: DataRow[] = [];
  for (const raw of list(body.data, 'data')) {
    const entry = record(raw, 'data row');
    const key = strings(entry.key);
    const values = Array.isArray(entry.values) ? entry.values : [];
    if (key.length !== keyColumns.length || values.length !== contentColumns.length) {
      throw new Error(`Unexpected PxWeb response: a v1 data row has ${key.length} keys and ${values.length} values for ${columns.length} columns`);
    }
    key.forEach((code, i) => seen[i].add(code));
    contentColumns.forEach((column, i) => rows.push({ codes: [...key, column.code], ...v1Cell(values[i]) }));
  }
  const variable = (code: string): TableVariable | undefined => metadata?.variables.find((v) => v.code === code);
  const label = (code: string, value: string): string => variable(code)?.values.find((v) => v.code === value)?.label ?? value;
  const dimensions: DatasetDimension[] = [
    ...keyColumns.map((column, i) => ({
      code: column.code,
      label: variable(column.code)?.label ?? column.label,
      time: column.type === 't',
      content: false,
      values: [...seen[i]].map((value) => ({ code: value, label: label(column.code, value) })),
    })),
    {
      code: CONTENT_CODE,
      label: variable(CONTENT_CODE)?.label ?? CONTENT_CODE,
      time: false,
      content: true,
      values: contentColumns.map((c) => ({ code: c.code, label: c.label })),
    },
  ];
  const info = Array.isArray(body.metadata) && isRecord(body.metadata[0]) ? body.metadata[0] : {};
  const notes = metadata?.notes ?? [];
  const decoded: DecodedDataset = {
    tableId: metadata?.id ?? text(info.label),
    label: text(info.label) || (metadata?.label ?? ''),
    updated: text(info.updated) || (metadata?.updated ?? ''),
    source: text(info.source) || (metadata?.source ?? ''),
    notes,
    dimensions,
    units: metadata?.units ?? {},
    cellKeyNoise: mentionsCellKey(notes),
    rows,
  };
  return metadata ? reorderDimensions(decoded, metadata.variables.map((v) => v.code)) : decoded;
}

/** Puts dimensions in the given code order (codes the dataset lacks are skipped, unknown ones go last), permuting every row. */
function reorderDimensions(dataset: DecodedDataset, order: string[]): DecodedDataset {
  const rank = (code: string): number => {
    const position = order.indexOf(code);
    return position < 0 ? order.length : position;
  };
  const permutation = dataset.dimensions.map((_, i) => i).sort((a, b) => rank(dataset.dimensions[a].code) - rank(dataset.dimensions[b].code));
  return {
    ...dataset,
    dimensions: permutation.map((i) => dataset.dimensions[i]),
    rows: dataset.rows.map((row) => ({ ...row, codes: permutation.map((i) => row.codes[i]) })),
  };
}

function sameDimensions(a: DecodedDataset, b: DecodedDataset): boolean {
  return a.dimensions.length === b.dimensions.length && a.dimensions.every((d, i) => d.code === b.dimensions[i].code);
}

/** Orders categories by the metadata's order where known; codes the metadata lacks keep their order after them. */
function orderValues(values: VariableValue[], known: VariableValue[] | undefined): VariableValue[] {
  if (!known) return values;
  const rank = new Map(known.map((v, i) => [v.code, i]));
  return values
    .map((value, i) => ({ value, key: rank.get(value.code) ?? known.length + i }))
    .sort((a, b) => a.key - b.key)
    .map(({ value }) => value);
}

/**
 * Merges datasets split from one selection back into one: categories are united per dimension (metadata order where
 * given), rows are re-keyed and sorted row-major; the same cell with a different value or status is an error.
 */
export function mergeDatasets(parts: DecodedDataset[], metadata?: TableMetadata): DecodedDataset {
  if (parts.length === 0) throw new Error('mergeDatasets needs at least one dataset');
  const [first] = parts;
  if (parts.length === 1 && !metadata) return first;
  for (const part of parts) {
    if (part.tableId !== first.tableId || !sameDimensions(part, first)) {
      throw new Error(`Cannot merge datasets of different tables or dimensions (${first.tableId} and ${part.tableId})`);
    }
  }
  const dimensions = first.dimensions.map((dimension, d) => {
    const values = new Map<string, VariableValue>();
    for (const part of parts) for (const value of part.dimensions[d].values) if (!values.has(value.code)) values.set(value.code, value);
    const known = metadata?.variables.find((v) => v.code === dimension.code)?.values;
    return { ...dimension, values: orderValues([...values.values()], known) };
  });
  const positions = dimensions.map((d) => new Map(d.values.map((v, i) => [v.code, i])));
  // One slot per cell of the merged grid, in row-major order: no map and no sort for a million cells.
  const cells: (DataRow | undefined)[] = new Array(dimensions.reduce((product, d) => product * d.values.length, 1));
  for (const part of parts) {
    for (const row of part.rows) {
      const index = row.codes.reduce((acc, code, d) => acc * dimensions[d].values.length + (positions[d].get(code) ?? 0), 0);
      const existing = cells[index];
      if (existing && (existing.value !== row.value || existing.status !== row.status)) {
        throw new Error(`Conflicting values for cell ${row.codes.join(', ')} of ${first.tableId}: ${String(existing.value)} and ${String(row.value)}`);
      }
      cells[index] = row;
    }
  }
  const notes = [...new Set(parts.flatMap((p) => p.notes))];
  return {
    ...first,
    // Chunks fetched across a publication carry different `updated`; the newest describes the merged whole.
    updated: parts.map((p) => p.updated).reduce((a, b) => (b > a ? b : a)),
    notes,
    units: Object.assign({}, ...parts.map((p) => p.units)),
    cellKeyNoise: parts.some((p) => p.cellKeyNoise),
    dimensions,
    rows: cells.filter((row): row is DataRow => row !== undefined),
  };
}

/**
 * Keeps only the given codes per dimension (dimensions not named keep all), in the order given.
 * Returns null when a requested code is not in the dataset, so the caller knows it cannot answer from it.
 */
export function sliceDataset(dataset: DecodedDataset, pick: Record<string, string[]>): DecodedDataset | null {
  const dimensions: DatasetDimension[] = [];
  for (const dimension of dataset.dimensions) {
    const wanted = pick[dimension.code];
    if (!wanted) {
      dimensions.push(dimension);
      continue;
    }
    const byCode = new Map(dimension.values.map((v) => [v.code, v]));
    const values = wanted.map((code) => byCode.get(code));
    if (values.some((v) => v === undefined)) return null;
    dimensions.push({ ...dimension, values: values as VariableValue[] });
  }
  const positions = dimensions.map((d) => new Map(d.values.map((v, i) => [v.code, i])));
  const rows = dataset.rows
    .map((row) => ({ row, at: row.codes.map((code, d) => positions[d].get(code)) }))
    .filter(({ at }) => at.every((p) => p !== undefined))
    .map(({ row, at }) => ({ row, index: at.reduce<number>((acc, p, d) => acc * dimensions[d].values.length + (p as number), 0) }))
    .sort((a, b) => a.index - b.index)
    .map(({ row }) => row);
  return { ...dataset, dimensions, rows };
}
