// Local fake of SCB's PxWebApi 2.0 (/api/v2) for tests: recorded SCB fixtures, SCB's call window and cell limit enforced, faults on demand.
//
// Behaviour follows the real server (PxTools/PxWebApi, SCB measurements in docs/research): problem+json errors with
// SCB's titles, selection expressions, `valueCodes[X]` repeated → only the first is used, `+` in a query string
// decodes to a space (send `%2B`). Fake-only simplifications are marked "Fake:" below.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

const FIXTURE_DIR = new URL('../data/scb/pxweb/', import.meta.url);
/** Where SCB's `links` point; rewritten to the fake's own base URL so a client following links stays local. */
const SCB_BASE = 'https://statistikdatabasen.scb.se/api/v2';

function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, FIXTURE_DIR), 'utf8')) as T;
}

// ---------------------------------------------------------------------------------------------------------------
// Shapes

export interface CodelistRef { id: string; label?: string; type?: string; links?: unknown[] }
export interface JsonStatDimension {
  label: string;
  category: { index: Record<string, number>; label?: Record<string, string>; unit?: Record<string, { base: string; decimals: number }> };
  extension?: { elimination?: boolean; eliminationValueCode?: string; codelists?: CodelistRef[]; codeLists?: CodelistRef[]; [key: string]: unknown };
}
/** A JSON-stat 2.0 dataset as SCB sends it (metadata responses have `value: []`). */
export interface JsonStatDataset {
  version: '2.0';
  class: 'dataset';
  label: string;
  source: string;
  updated: string;
  note?: string[];
  role?: { time?: string[]; metric?: string[]; geo?: string[] };
  id: string[];
  size: number[];
  dimension: Record<string, JsonStatDimension>;
  extension?: { px?: Record<string, unknown>; [key: string]: unknown };
  value: (number | null)[];
  /** JSON-stat status symbols by cell index (SCB: ".." for a missing/suppressed value, whose `value` is null). */
  status?: Record<string, string>;
}
/** One entry of GET /tables (SCB also sends description, sortCode, category, subjectCode, timeUnit, paths, links). */
export interface TableEntry { id: string; label: string; updated: string; variableNames: string[]; discontinued?: boolean; [key: string]: unknown }
/** GET /codelists/{id}. */
export interface CodelistJson { id: string; label: string; type: string; values: { code: string; label: string; valueMap?: string[] }[]; [key: string]: unknown }
/** One request as the fake saw it. `status` is 0 until answered and stays 0 when the socket was destroyed. */
export interface RecordedCall {
  method: string;
  /** Percent-decoded path, e.g. `/api/v2/codelists/agg_Ålder10årJ`. */
  path: string;
  /** The request target exactly as sent (still percent-encoded). */
  rawUrl: string;
  /** Decoded query parameters; repeated names keep every value in order. */
  query: Record<string, string[]>;
  /** Parsed JSON body of a POST (the raw string if it was not JSON); undefined without a body. */
  body: unknown;
  /** performance.now() when the request arrived. */
  startedAt: number;
  status: number;
  /** True when the call window was exceeded (a violation the client caused). */
  rateLimited: boolean;
  /** The injected fault applied to this call, if any. */
  fault?: Fault;
}
/** An injected failure: a status (429 with Retry-After seconds), headers delayed by delayMs, or the socket reset. */
export type Fault = { status: 429; retryAfter?: number } | { status: 500 | 502 | 503 } | { delayMs: number } | { destroy: true };

export interface FakePxWebOptions {
  /** Calls allowed per window (SCB live: 30). */
  maxCallsPerTimeWindow?: number;
  /** Window length in seconds (SCB live: 10); fractions allowed for fast tests. */
  timeWindow?: number;
  /** Cells allowed per data call (SCB live: 150 000). */
  maxDataCells?: number;
  /**
   * Which synthetic cells come back missing (value null, status ".."): a rate in [0,1] applied to cells the
   * recorded fixtures do not hold (default 0.03, deterministic per table+codes), or a predicate applied to
   * every cell, recorded ones included.
   */
  suppressed?: number | ((tableId: string, codes: Record<string, string>) => boolean);
  /** Port to listen on (default 0 = any free port). */
  port?: number;
}

export interface FakePxWeb {
  /** Base URL, e.g. `http://127.0.0.1:PORT/api/v2`. */
  url: string;
  port: number;
  /** Every request in arrival order (cleared by reset()). */
  calls: RecordedCall[];
  /** The calls answered 429 because the call window was exceeded (not injected 429s). */
  violations: RecordedCall[];
  /** The body GET /config serves. Live: change maxDataCells / maxCallsPerTimeWindow / timeWindow mid-test. */
  config: Record<string, unknown> & { maxDataCells: number; maxCallsPerTimeWindow: number; timeWindow: number };
  /** Serves a table (replacing one with the same id); the list entry is derived from the metadata unless given. */
  addTable(metadata: JsonStatDataset, entry?: Partial<TableEntry>): void;
  /** Serves a codelist at /codelists/{id}; it may then be applied with codelist[VAR]=id. */
  addCodelist(codelist: CodelistJson): void;
  /** Sets a table's `updated` (metadata, data and list entry), e.g. to test cache invalidation. */
  setUpdated(tableId: string, updated: string): void;
  /** The next `count` requests (whose decoded path contains `pathIncludes`, if given) get `fault`. */
  failNext(count: number, fault: Fault, pathIncludes?: string): void;
  /** The value and status the fake serves for one cell: codes per dimension as in the data response. */
  cell(tableId: string, codes: Record<string, string>): { value: number | null; status: string | null };
  /** Forgets calls, violations, the call window and pending faults. */
  reset(): void;
  /** Stops listening and drops open connections (clients then see ECONNREFUSED); state is kept. */
  stop(): Promise<void>;
  /** Listens again on the same port after stop(). */
  restart(): Promise<void>;
  /** Stops for good. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------------
// Problems (titles as PxWebApi's ProblemUtility and SCB send them)

interface Problem { type?: string; title: string; status: number; detail?: string }
class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.title);
  }
}
const parameterError = (status: number, title: string, detail?: string): ProblemError =>
  new ProblemError({ type: 'Parameter error', title, status, ...(detail ? { detail } : {}) });
const nonExistentTable = () => parameterError(404, 'Non-existent table');
const nonExistentVariable = () => parameterError(400, 'Non-existent variable');
const nonExistentValue = () => parameterError(400, 'Non-existent value');
const nonExistentCodelist = () => parameterError(400, 'Non-existent codelist');
// PxWebApi's source spells it "mandantory"; SCB/SSB answers seen in the wild say "mandatory".
const missingSelection = () => parameterError(400, 'Missing selection for mandatory variable');
const illegalExpression = () => parameterError(400, 'Illegal selection expression');

// ---------------------------------------------------------------------------------------------------------------
// Tables

interface Value { code: string; label: string }
interface ServedTable {
  meta: JsonStatDataset;
  entry: TableEntry;
  /** Real cell values from a recorded data response, keyed by codes in `dims` order. */
  recorded?: { dims: string[]; values: Map<string, number | null> };
}
interface SelectionItem { variableCode: string; valueCodes: string[]; codelist?: string }

const clone = <T>(value: T): T => structuredClone(value);

function valuesOf(dim: JsonStatDimension): Value[] {
  return Object.entries(dim.category.index)
    .sort((a, b) => a[1] - b[1])
    .map(([code]) => ({ code, label: dim.category.label?.[code] ?? code }));
}

/** Every cell of a recorded data response, so requests for those cells answer with SCB's real numbers. */
function recordedCells(data: JsonStatDataset): ServedTable['recorded'] {
  const codes = data.id.map((id) => valuesOf(data.dimension[id]).map((v) => v.code));
  const values = new Map<string, number | null>();
  data.value.forEach((value, flat) => {
    const key: string[] = [];
    for (let i = data.id.length - 1, rest = flat; i >= 0; i--) {
      key[i] = codes[i][rest % data.size[i]];
      rest = Math.floor(rest / data.size[i]);
    }
    values.set(key.join('\u0001'), value);
  });
  return { dims: data.id, values };
}

/** A /tables entry for a served table, shaped like SCB's (links are rewritten to the fake on the way out). */
function entryFor(meta: JsonStatDataset): TableEntry {
  const id = String(meta.extension?.px?.tableid ?? '');
  const timeId = meta.role?.time?.[0];
  const periods = timeId ? valuesOf(meta.dimension[timeId]).map((v) => v.code) : [];
  const last = periods.at(-1) ?? '';
  const timeUnit = /M\d\d$/.test(last) ? 'Monthly' : /[KQ]\d$/.test(last) ? 'Quarterly' : /^\d{4}$/.test(last) ? 'Annual' : 'Other';
  const px = meta.extension?.px ?? {};
  const href = `${SCB_BASE}/tables/${id}`;
  return {
    ...{ id, label: meta.label, description: '', sortCode: id, updated: meta.updated, firstPeriod: periods[0] ?? '', lastPeriod: last },
    ...{ category: 'public', variableNames: meta.id.map((d) => meta.dimension[d].label), source: meta.source, timeUnit },
    subjectCode: String(px['subject-code'] ?? ''),
    paths: [[{ id: String(px['subject-code'] ?? ''), label: String(px['subject-area'] ?? ''), sortCode: '01' }]],
    links: [['self', ''], ['metadata', '/metadata'], ['data', '/data']].map(([rel, path]) => ({ rel, hreflang: 'sv', href: `${href}${path}?lang=sv` })),
  };
}

export interface SyntheticVariable {
  code: string;
  label?: string;
  values: (string | { code: string; label: string })[];
  elimination?: boolean;
  eliminationValueCode?: string;
  /** The time variable (role.time). */
  time?: boolean;
  /** The content variable (role.metric); gets unit "antal", 0 decimals. */
  content?: boolean;
  /** Codelist ids offered for the variable (codelist[VAR]=id is then accepted). */
  codelists?: string[];
}
/** Builds SCB-shaped metadata for a synthetic table (e.g. a large one for splitting tests), for addTable(). */
export function syntheticMetadata(spec: { id: string; label?: string; updated?: string; notes?: string[]; variables: SyntheticVariable[] }): JsonStatDataset {
  const dimension: Record<string, JsonStatDimension> = {};
  for (const v of spec.variables) {
    const values = v.values.map((x) => (typeof x === 'string' ? { code: x, label: x } : x));
    const unit = v.content ? { unit: Object.fromEntries(values.map((x) => [x.code, { base: 'antal', decimals: 0 }])) } : {};
    const codelists = (v.codelists ?? []).map((id) => ({ id, label: id, type: id.startsWith('agg_') ? 'Aggregation' : 'Valueset' }));
    dimension[v.code] = {
      label: v.label ?? v.code.toLowerCase(),
      category: { index: Object.fromEntries(values.map((x, i) => [x.code, i])), label: Object.fromEntries(values.map((x) => [x.code, x.label])), ...unit },
      extension: { elimination: v.elimination ?? false, ...(v.eliminationValueCode ? { eliminationValueCode: v.eliminationValueCode } : {}), show: 'value', codelists },
    };
  }
  const roleOf = (pick: (v: SyntheticVariable) => boolean | undefined) => spec.variables.filter(pick).map((v) => v.code);
  const role = Object.fromEntries(Object.entries({ time: roleOf((v) => v.time), metric: roleOf((v) => v.content) }).filter(([, ids]) => ids.length));
  return {
    ...{ version: '2.0', class: 'dataset', label: spec.label ?? `Synthetic table ${spec.id}`, source: 'SCB' } as const,
    ...{ updated: spec.updated ?? '2026-01-01T06:00:00Z', note: spec.notes ?? [], role },
    id: spec.variables.map((v) => v.code),
    size: spec.variables.map((v) => v.values.length),
    dimension,
    extension: { px: { tableid: spec.id, decimals: 0, matrix: spec.id, 'subject-code': 'XX', 'subject-area': 'Synthetic' } },
    value: [],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Selections

/** SCB's GET split: commas separate codes except inside [brackets], which are then removed: `3,[1,2],4+5`. */
function splitCodes(raw: string): string[] {
  return raw.split(/,(?=[^\]]*(?:\[|$))/).map((item) => {
    const trimmed = item.trim();
    return trimmed.startsWith('[') && trimmed.endsWith(']') ? trimmed.slice(1, -1) : trimmed;
  });
}

function selectionFromQuery(params: URLSearchParams): SelectionItem[] {
  const items = new Map<string, SelectionItem & { seen: boolean }>();
  const item = (variable: string) => {
    const key = variable.toLowerCase();
    if (!items.has(key)) items.set(key, { variableCode: variable, valueCodes: [], seen: false });
    return items.get(key)!;
  };
  for (const [key, value] of params) {
    const values = /^valuecodes\[(.+)\]$/i.exec(key);
    const codelist = /^codelist\[(.+)\]$/i.exec(key);
    if (values) {
      const it = item(values[1]);
      // SCB answers 200 and silently drops all but the first of repeated valueCodes[X].
      if (!it.seen) Object.assign(it, { valueCodes: splitCodes(value), seen: true });
    } else if (codelist) {
      const it = item(codelist[1]);
      it.codelist ??= value;
    }
  }
  return [...items.values()].map(({ seen: _seen, ...rest }) => rest);
}

function selectionFromBody(body: unknown): SelectionItem[] {
  const selection = (body as { selection?: unknown } | null)?.selection;
  const valid =
    Array.isArray(selection) &&
    selection.every(
      (s) =>
        s && typeof s.variableCode === 'string' && Array.isArray(s.valueCodes) && s.valueCodes.every((c: unknown) => typeof c === 'string') &&
        (s.codelist === undefined || s.codelist === null || typeof s.codelist === 'string'),
    );
  if (!valid) throw new ProblemError({ title: 'One or more validation errors occurred.', status: 400 });
  return (selection as SelectionItem[]).map((s) => ({ variableCode: s.variableCode, valueCodes: s.valueCodes, codelist: s.codelist ?? undefined }));
}

/** One value code or selection expression → codes, with PxWebApi's semantics (top/bottom count from the newest on time). */
function expand(expr: string, values: string[], isTime: boolean): string[] {
  const exact = values.find((c) => c.toLowerCase() === expr.toLowerCase());
  if (exact !== undefined) return [exact];
  const lower = expr.toLowerCase();
  if (expr.includes('*')) {
    const stars = expr.split('*').length - 1;
    if (expr === '*') return values;
    const inner = lower.replace(/^\*|\*$/g, '');
    if (stars > 2 || inner.includes('*')) throw illegalExpression();
    if (stars === 2) return values.filter((c) => c.toLowerCase().includes(inner));
    return lower.startsWith('*') ? values.filter((c) => c.toLowerCase().endsWith(inner)) : values.filter((c) => c.toLowerCase().startsWith(inner));
  }
  if (expr.includes('?')) {
    const pattern = new RegExp(`^${lower.replace(/[.+^${}()|[\]\\*]/g, '\\$&').replace(/\?/g, '.')}$`, 'i');
    return values.filter((c) => pattern.test(c));
  }
  const indexOf = (code: string) => {
    const i = values.findIndex((c) => c.toLowerCase() === code.toLowerCase());
    if (i < 0) throw nonExistentValue();
    return i;
  };
  for (const kind of ['top', 'bottom'] as const) {
    if (!lower.startsWith(`${kind}(`)) continue;
    const m = new RegExp(`^${kind}\\(([1-9]\\d*)(?:,(\\d+))?\\)$`).exec(lower);
    if (!m) throw illegalExpression();
    const n = Number(m[1]);
    const offset = Number(m[2] ?? 0);
    const fromStart = (kind === 'top') !== isTime; // time values are ascending, so top = the newest
    return fromStart ? values.slice(offset, offset + n) : values.slice(Math.max(0, values.length - offset - n), Math.max(0, values.length - offset));
  }
  if (lower.startsWith('range(')) {
    const m = /^range\(([^,]+),([^,)]+)\)$/i.exec(expr);
    if (!m) throw illegalExpression();
    const [a, b] = [indexOf(m[1]), indexOf(m[2])].sort((x, y) => x - y);
    return values.slice(a, b + 1);
  }
  if (lower.startsWith('from(') || lower.startsWith('to(')) {
    const m = /^(from|to)\(([^,]+)\)$/i.exec(expr);
    if (!m) throw illegalExpression();
    const i = indexOf(m[2]);
    return m[1].toLowerCase() === 'from' ? values.slice(i) : values.slice(0, i + 1);
  }
  throw nonExistentValue();
}

// ---------------------------------------------------------------------------------------------------------------
// Cells

/** FNV-1a: a stable hash, so synthetic values and suppression are the same on every run. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export async function startFakePxWeb(options: FakePxWebOptions = {}): Promise<FakePxWeb> {
  const config = {
    ...readFixture<Record<string, unknown>>('v2-config.json'),
    // The fixture's 3 calls / 1 s were edited by pxwebpy for its tests; default to SCB's live limits.
    maxDataCells: options.maxDataCells ?? 150_000,
    maxCallsPerTimeWindow: options.maxCallsPerTimeWindow ?? 30,
    timeWindow: options.timeWindow ?? 10,
  };
  const suppressed = options.suppressed ?? 0.03;

  const tables = new Map<string, ServedTable>();
  const listed = new Map<string, TableEntry>(); // /tables entries without metadata (from the recorded lists)
  for (const file of ['v2-tables-list-page.json', 'v2-tables-search-befolkning.json']) {
    for (const entry of readFixture<{ tables: TableEntry[] }>(file).tables) if (!listed.has(entry.id)) listed.set(entry.id, entry);
  }
  const addTable = (metadata: JsonStatDataset, entry?: Partial<TableEntry>, recorded?: JsonStatDataset) => {
    const meta = clone(metadata);
    const built = entryFor(meta);
    const id = built.id;
    if (!id) throw new Error('addTable: metadata needs extension.px.tableid');
    tables.set(id.toUpperCase(), { meta, entry: { ...built, ...entry, id }, recorded: recorded ? recordedCells(recorded) : tables.get(id.toUpperCase())?.recorded });
  };
  const tab6471data = readFixture<JsonStatDataset>('v2-data-TAB6471-jsonstat2.json');
  addTable(readFixture<JsonStatDataset>('v2-metadata-TAB6471-population-month-region-age-sex.json'), undefined, tab6471data);
  const tab5557data = readFixture<JsonStatDataset>('v2-data-TAB5557-ckm-stockholm-2025-all-ages-jsonstat2.json');
  addTable({ ...tab5557data, value: [] }, undefined, tab5557data); // no TAB5557 metadata was recorded: derive it from the data

  const codelists = new Map<string, CodelistJson>();
  const addCodelist = (codelist: CodelistJson) => void codelists.set(codelist.id, clone(codelist));
  addCodelist(readFixture<CodelistJson>('v2-codelist-agg_Alder10arJ.json'));

  const tableOr404 = (id: string): ServedTable => {
    const table = tables.get(id.toUpperCase());
    if (!table) throw nonExistentTable();
    return table;
  };

  /** codelist[VAR]=id: a registered codelist replaces the values; SCB's unrecorded region valuesets are approximated. */
  function applyCodelist(variable: string, dim: JsonStatDimension, id: string): Value[] {
    if (!/^(agg_|vs_)/.test(id)) throw nonExistentCodelist();
    const offered = [...(dim.extension?.codelists ?? []), ...(dim.extension?.codeLists ?? [])].some((c) => c.id === id);
    const registered = codelists.get(id);
    if (!offered && !registered) throw nonExistentCodelist();
    if (registered) return registered.values.map(({ code, label }) => ({ code, label }));
    const all = valuesOf(dim);
    // Fake: vs_CKM03Kommun / vs_RegionLän07 … are not recorded; pick their values by SCB's code shapes.
    if (variable === 'Region' && /kommun/i.test(id)) return all.filter((v) => /^\d{4}$/.test(v.code));
    if (variable === 'Region' && /län/i.test(id)) return all.filter((v) => /^\d\d$/.test(v.code) && v.code !== '00');
    if (variable === 'Region' && /riket/i.test(id)) return all.filter((v) => v.code === '00');
    return all;
  }

  /** The dimension as served: metadata order, codes restricted to `codes`, codelist values applied. */
  function servedDimension(dim: JsonStatDimension, values: Value[], codes?: string[]): JsonStatDimension {
    const kept = codes ? values.filter((v) => codes.includes(v.code)) : values;
    const { codelists: _a, codeLists: _b, ...extension } = dim.extension ?? {};
    const unit = dim.category.unit;
    return {
      label: dim.label,
      category: {
        index: Object.fromEntries(kept.map((v, i) => [v.code, i])),
        label: Object.fromEntries(kept.map((v) => [v.code, v.label])),
        ...(unit ? { unit: Object.fromEntries(kept.filter((v) => unit[v.code]).map((v) => [v.code, unit[v.code]])) } : {}),
      },
      extension: codes ? extension : clone(dim.extension ?? {}),
    };
  }

  function cellOf(table: ServedTable, codes: Record<string, string>): { value: number | null; status: string | null } {
    const id = table.entry.id;
    const missing = { value: null, status: '..' };
    if (typeof suppressed === 'function' && suppressed(id, codes)) return missing;
    const rec = table.recorded;
    if (rec && rec.dims.every((d) => codes[d] !== undefined)) {
      const value = rec.values.get(rec.dims.map((d) => codes[d]).join('\u0001'));
      if (value !== undefined) return value === null ? missing : { value, status: null };
    }
    const key = `${id}|${table.meta.id.filter((d) => codes[d] !== undefined).map((d) => `${d}=${codes[d]}`).join('&')}`;
    if (typeof suppressed === 'number' && (hash(`${key}#suppressed`) % 10_000) / 10_000 < suppressed) return missing;
    return { value: 1 + (hash(key) % 100_000), status: null };
  }

  /** Resolves a selection like PxWebApi's SelectionHandler and builds the JSON-stat 2.0 answer. */
  function dataResponse(table: ServedTable, items: SelectionItem[]): JsonStatDataset {
    const meta = table.meta;
    const chosen = new Map<string, { values: Value[]; item: SelectionItem }>();
    for (const item of items) {
      const timeId = meta.role?.time?.[0];
      const wanted = item.variableCode.toLowerCase() === 'time' && timeId ? timeId : item.variableCode;
      const variable = meta.id.find((d) => d.toLowerCase() === wanted.toLowerCase());
      if (!variable) throw nonExistentVariable();
      const dim = meta.dimension[variable];
      chosen.set(variable, { values: item.codelist ? applyCodelist(variable, dim, item.codelist) : valuesOf(dim), item });
    }
    const eliminable = (d: string) => meta.dimension[d].extension?.elimination === true;
    if (meta.id.some((d) => !eliminable(d) && !chosen.has(d))) throw missingSelection();

    const kept: { id: string; dim: JsonStatDimension; codes: string[] }[] = [];
    for (const d of meta.id) {
      const dim = meta.dimension[d];
      const sel = chosen.get(d);
      let codes: string[] = [];
      if (sel) {
        const all = sel.values.map((v) => v.code);
        const picked = new Set(sel.item.valueCodes.flatMap((expr) => expand(expr, all, meta.role?.time?.includes(d) ?? false)));
        codes = all.filter((c) => picked.has(c));
        if (codes.length === 0 && !eliminable(d)) throw missingSelection();
      }
      if (codes.length > 0) kept.push({ id: d, dim: servedDimension(dim, sel!.values, codes), codes });
      // Fake: an omitted eliminable variable keeps only its eliminationValueCode, or is dropped (SCB would sum it).
      else if (dim.extension?.eliminationValueCode) {
        const code = dim.extension.eliminationValueCode;
        kept.push({ id: d, dim: servedDimension(dim, valuesOf(dim), [code]), codes: [code] });
      }
    }
    const cells = kept.reduce((n, k) => n * k.codes.length, 1);
    if (cells > config.maxDataCells) throw parameterError(400, 'Too many cells selected', 'Too many cells selected');

    const value: (number | null)[] = [];
    const status: Record<string, string> = {};
    const position = kept.map(() => 0);
    for (let flat = 0; flat < cells; flat++) {
      const codes = Object.fromEntries(kept.map((k, i) => [k.id, k.codes[position[i]]]));
      const cell = cellOf(table, codes);
      value.push(cell.value);
      if (cell.status) status[String(flat)] = cell.status;
      for (let i = kept.length - 1; i >= 0 && ++position[i] === kept[i].codes.length; i--) position[i] = 0; // last id varies fastest
    }
    const ids = kept.map((k) => k.id);
    const role = Object.fromEntries(Object.entries(meta.role ?? {}).map(([r, dims]) => [r, dims.filter((d) => ids.includes(d))]).filter(([, dims]) => dims.length));
    return {
      version: '2.0',
      class: 'dataset',
      label: meta.label,
      source: meta.source,
      updated: meta.updated,
      ...(meta.note ? { note: meta.note } : {}),
      role,
      id: ids,
      size: kept.map((k) => k.codes.length),
      dimension: Object.fromEntries(kept.map((k) => [k.id, k.dim])),
      extension: meta.extension,
      value,
      ...(Object.keys(status).length ? { status } : {}),
    };
  }

  function metadataResponse(table: ServedTable, params: URLSearchParams): JsonStatDataset {
    const meta = clone(table.meta);
    for (const item of selectionFromQuery(params).filter((i) => i.codelist)) {
      const variable = meta.id.find((d) => d.toLowerCase() === item.variableCode.toLowerCase());
      if (!variable) throw nonExistentVariable();
      const values = applyCodelist(variable, meta.dimension[variable], item.codelist!);
      meta.dimension[variable] = { ...servedDimension(meta.dimension[variable], values), extension: meta.dimension[variable].extension };
      meta.size[meta.id.indexOf(variable)] = values.length;
    }
    return meta;
  }

  function tablesResponse(params: URLSearchParams, base: string): unknown {
    const get = (name: string) => [...params].find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
    const int = (name: string, fallback: number) => {
      const raw = get(name);
      if (raw === undefined) return fallback;
      if (!/^\d+$/.test(raw) || Number(raw) < 1) throw parameterError(400, `Invalid ${name}`);
      return Number(raw);
    };
    const pageNumber = int('pageNumber', 1);
    const pageSize = int('pageSize', 20);
    const pastDays = get('pastDays') === undefined ? undefined : int('pastDays', 0);
    const includeDiscontinued = get('includeDiscontinued')?.toLowerCase() === 'true';
    const terms = (get('query') ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    const entries = [...listed.values(), ...[...tables.values()].map((t) => t.entry)]
      .filter((e, i, all) => all.findIndex((x) => x.id === e.id) === i)
      .filter((e) => includeDiscontinued || !e.discontinued)
      .filter((e) => pastDays === undefined || Date.parse(e.updated) >= Date.now() - pastDays * 86_400_000)
      .filter((e) => {
        const text = [e.id, e.label, String(e.description ?? ''), ...e.variableNames].join(' ').toLowerCase();
        return terms.every((t) => text.includes(t));
      });
    const totalPages = Math.ceil(entries.length / pageSize);
    if (pageNumber > Math.max(1, totalPages)) throw parameterError(404, 'Non-existent page', 'Non-existent page');
    const pageLink = (rel: string, n: number) => {
      const q = new URLSearchParams(params);
      q.set('pageNumber', String(n));
      return { rel, hreflang: get('lang') ?? 'sv', href: `${base}/tables?${q}` };
    };
    const links = [
      ...(pageNumber > 1 ? [pageLink('previous', pageNumber - 1)] : []),
      ...(pageNumber < totalPages ? [pageLink('next', pageNumber + 1), pageLink('last', totalPages)] : []),
    ];
    return {
      language: get('lang') ?? 'sv',
      tables: entries.slice((pageNumber - 1) * pageSize, pageNumber * pageSize),
      page: { pageNumber, pageSize, totalElements: entries.length, totalPages, links },
      links: [pageLink('self', pageNumber)],
    };
  }

  // ------------------------------------------------------------------------------------------------------------
  // HTTP

  const calls: RecordedCall[] = [];
  const violations: RecordedCall[] = [];
  let window: number[] = []; // start times of counted calls, oldest first
  let faults: { remaining: number; fault: Fault; pathIncludes?: string }[] = [];
  const timers = new Set<NodeJS.Timeout>();

  function send(res: ServerResponse, call: RecordedCall, status: number, body: string, headers: Record<string, string> = {}) {
    if (res.destroyed) return;
    call.status = status;
    const type = status >= 400 ? 'application/problem+json; charset=utf-8' : 'application/json; charset=utf-8';
    res.writeHead(status, { 'content-type': type, ...headers });
    res.end(body);
  }
  const sendJson = (res: ServerResponse, call: RecordedCall, value: unknown, base: string) =>
    send(res, call, 200, JSON.stringify(value).replaceAll(SCB_BASE, base));

  async function readBody(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (chunks.length === 0) return undefined;
    const text = Buffer.concat(chunks).toString('utf8');
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    const target = new URL(req.url ?? '/', 'http://fake');
    const decode = (segment: string) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment; // malformed escapes: leave as sent (the route then 404s)
      }
    };
    const path = target.pathname.split('/').map(decode).join('/').replace(/\/+$/, '');
    const query: Record<string, string[]> = {};
    for (const [k, v] of target.searchParams) (query[k] ??= []).push(v);
    const call: RecordedCall = { method: req.method ?? 'GET', path, rawUrl: req.url ?? '', query, body: undefined, startedAt, status: 0, rateLimited: false };
    calls.push(call);
    call.body = await readBody(req);
    const base = `http://127.0.0.1:${port}/api/v2`;
    const route = path.replace(/^\/api\/v2/i, '');

    // PxWebApi rate-limits every endpoint but GET /config (appsettings.json whitelist) with a sliding window.
    if (!/^\/config$/i.test(route)) {
      const windowMs = config.timeWindow * 1000;
      window = window.filter((t) => t > startedAt - windowMs);
      if (window.length >= config.maxCallsPerTimeWindow) {
        call.rateLimited = true;
        violations.push(call);
        const retryAfter = Math.max(1, Math.ceil((window[0] + windowMs - startedAt) / 1000));
        return send(res, call, 429, JSON.stringify({ title: 'Too many requests', status: 429 }), { 'retry-after': String(retryAfter) });
      }
      window.push(startedAt);
    }

    const queued = faults.find((f) => f.remaining > 0 && (f.pathIncludes === undefined || path.includes(f.pathIncludes)));
    if (queued) {
      queued.remaining--;
      faults = faults.filter((f) => f.remaining > 0);
      call.fault = queued.fault;
      const fault = queued.fault;
      if ('destroy' in fault) return void req.socket.destroy();
      if ('delayMs' in fault) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => (timers.delete(timer), resolve()), fault.delayMs);
          timers.add(timer);
        });
        if (res.destroyed) return;
      } else if (fault.status === 429) {
        return send(res, call, 429, JSON.stringify({ title: 'Too many requests', status: 429 }), { 'retry-after': String(fault.retryAfter ?? 1) });
      } else {
        const titles = { 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' };
        return send(res, call, fault.status, JSON.stringify({ title: titles[fault.status], status: fault.status }));
      }
    }

    try {
      const params = target.searchParams;
      const method = call.method;
      let m: RegExpExecArray | null;
      if (/^\/config$/i.test(route) && method === 'GET') return sendJson(res, call, config, base);
      if (/^\/tables$/i.test(route) && method === 'GET') return sendJson(res, call, tablesResponse(params, base), base);
      if ((m = /^\/tables\/([^/]+)$/i.exec(route)) && method === 'GET') {
        const entry = tables.get(m[1].toUpperCase())?.entry ?? listed.get(m[1].toUpperCase());
        if (!entry) throw nonExistentTable();
        return sendJson(res, call, entry, base);
      }
      if ((m = /^\/tables\/([^/]+)\/metadata$/i.exec(route)) && method === 'GET') {
        return sendJson(res, call, metadataResponse(tableOr404(m[1]), params), base);
      }
      if ((m = /^\/tables\/([^/]+)\/data$/i.exec(route)) && (method === 'GET' || method === 'POST')) {
        const table = tableOr404(m[1]);
        const format = [...params].find(([k]) => k.toLowerCase() === 'outputformat')?.[1] ?? 'json-stat2';
        // Fake: only JSON-stat 2.0 is produced.
        if (format.toLowerCase() !== 'json-stat2') throw parameterError(400, 'Unsupported output format', 'Unsupported output format');
        const items = method === 'POST' ? selectionFromBody(call.body) : selectionFromQuery(params);
        return sendJson(res, call, dataResponse(table, items), base);
      }
      if ((m = /^\/codelists\/([^/]+)$/i.exec(route)) && method === 'GET') {
        const codelist = codelists.get(m[1]);
        if (!codelist) throw parameterError(404, 'Non-existent codelist');
        return sendJson(res, call, codelist, base);
      }
      return send(res, call, 404, JSON.stringify({ type: 'Not found', title: 'Not found', status: 404 }));
    } catch (error) {
      if (error instanceof ProblemError) return send(res, call, error.problem.status, JSON.stringify(error.problem));
      return send(res, call, 500, JSON.stringify({ title: 'Internal Server Error', status: 500, detail: String(error) }));
    }
  }

  let server: Server | undefined;
  let port = options.port ?? 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      // A client aborting mid-body must not become an unhandled rejection in the test run.
      const s = createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as AddressInfo).port;
        server = s;
        resolve();
      });
    });
  const stop = async () => {
    const s = server;
    server = undefined;
    for (const t of timers) clearTimeout(t);
    timers.clear();
    if (!s) return;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    s.closeAllConnections(); // keep-alive sockets would otherwise let requests through to a "down" server
    await closed;
  };
  await listen();

  return {
    url: `http://127.0.0.1:${port}/api/v2`,
    port,
    calls,
    violations,
    config,
    addTable: (metadata, entry) => addTable(metadata, entry),
    addCodelist,
    setUpdated(tableId, updated) {
      const table = tableOr404(tableId);
      table.meta.updated = updated;
      table.entry.updated = updated;
    },
    failNext(count, fault, pathIncludes) {
      faults.push({ remaining: count, fault, pathIncludes });
    },
    cell: (tableId, codes) => cellOf(tableOr404(tableId), codes),
    reset() {
      calls.length = 0;
      violations.length = 0;
      window = [];
      faults = [];
    },
    stop,
    restart: async () => {
      if (!server) await listen();
    },
    close: stop,
  };
}
