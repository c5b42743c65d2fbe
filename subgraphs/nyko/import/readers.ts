// Reads an uploaded file — GeoJSON, a zipped shapefile or a CSV code list — into one neutral list of features.
import { epsgFromGeoJsonCrsName } from '../../../lib/crs.ts';
import { parseCsvRows } from '../../../lib/csv.ts';
import type { MultiPolygon, Polygon, Position } from '../../../lib/geojson.ts';
import { decodeText, encodingFromDbfLanguageDriver, encodingFromLabel, hasNonAscii, isValidUtf8 } from './encoding.ts';
import type { IssueLog } from './issues.ts';
import { epsgFromPrj } from './prj.ts';
import { readDbf, readShp, ShapefileError } from './shapefile.ts';
import type { NykoSourceInfo } from './types.ts';
import { readZipEntries, readZipEntry, ZipError, type ZipEntry } from './zip.ts';

export interface RawFeature {
  /** Position in the file: GeoJSON feature, shapefile record or CSV data row (0-based). */
  index: number;
  properties: Record<string, unknown>;
  /** In the file's own coordinates, structurally sound (rings of finite [x, y]); null when absent or unusable. */
  geometry: Polygon | MultiPolygon | null;
  /** Why a geometry that was there could not be used. */
  geometryError: string | null;
  /** Shapefile rings turned as holes that lie in no outer ring, read as outer rings. */
  orphanHoles: number;
}

export interface RawField {
  name: string;
  /** Whether values were stored as numbers (JSON numbers, DBF N/F fields), so leading zeros may be gone. */
  numeric: boolean;
}

export interface DeclaredCrs {
  /** The EPSG code named, even if unsupported; null when the name was not understood. */
  epsg: number | null;
  name: string;
  from: 'crs member' | '.prj';
}

export interface RawLayer {
  format: NonNullable<NykoSourceInfo['format']>;
  fileName: string;
  layer: string | null;
  features: RawFeature[];
  fields: RawField[];
  declaredCrs: DeclaredCrs | null;
  encoding: string | null;
  hasGeometry: boolean;
}

const FILE_HINT = 'Export the file again as GeoJSON (RFC 7946), a zipped shapefile (.shp, .shx, .dbf, .prj, .cpg) or a CSV with a header row.';

/** The file's format, from its content first (zip signature, a JSON object) and its extension second. */
function detectFormat(fileName: string, bytes: Uint8Array): RawLayer['format'] | null {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 0x03 || bytes[2] === 0x05)) return 'shapefile';
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  if (bytes[i] === 0x7b) return 'geojson';
  const extension = /\.([^.]+)$/.exec(fileName)?.[1]?.toLowerCase();
  if (extension === 'csv' || extension === 'txt' || extension === 'tsv') return 'csv';
  if (extension === 'geojson' || extension === 'json') return 'geojson';
  return null;
}

/** UTF-8 as the formats require; Windows-1252 (with a warning) for files saved by older Swedish software. */
function decodeUtf8Text(bytes: Uint8Array, log: IssueLog): { text: string; encoding: string } {
  if (isValidUtf8(bytes)) return { text: new TextDecoder().decode(bytes), encoding: 'utf-8' };
  log.warning('ENCODING', 'The file is not valid UTF-8; it was read as Windows-1252.', 'Save the file as UTF-8, and check that å, ä and ö in the names came out right.');
  return { text: decodeText(bytes, 'windows-1252'), encoding: 'windows-1252' };
}

/** Reads a file into features, or returns null after logging why it cannot be read. */
export function readLayer(fileName: string, bytes: Uint8Array, layerOption: string | undefined, log: IssueLog): RawLayer | null {
  const format = detectFormat(fileName, bytes);
  if (format === null) {
    if (/\.(shp|dbf|shx)$/i.test(fileName)) {
      log.error('UNSUPPORTED_FORMAT', `${fileName} is one part of a shapefile.`, 'Zip the .shp together with its .dbf, .shx, .prj and .cpg and upload the zip.');
    } else {
      log.error('UNSUPPORTED_FORMAT', `${fileName} is not GeoJSON, a zip or a CSV file.`, FILE_HINT);
    }
    return null;
  }
  if (format === 'geojson') return readGeoJson(fileName, bytes, log);
  if (format === 'csv') return readCsvCodeList(fileName, bytes, log);
  return readZippedShapefile(fileName, bytes, layerOption, log);
}

// ---- GeoJSON ---------------------------------------------------------------------------------------------

function isPosition(value: unknown): value is Position {
  return Array.isArray(value) && value.length >= 2 && typeof value[0] === 'number' && typeof value[1] === 'number' && Number.isFinite(value[0]) && Number.isFinite(value[1]);
}

function toRings(value: unknown): Position[][] | null {
  if (!Array.isArray(value)) return null;
  const rings: Position[][] = [];
  for (const ring of value) {
    if (!Array.isArray(ring) || !ring.every(isPosition)) return null;
    // A third (z) value is dropped: areas are measured on the map.
    rings.push(ring.map((p: Position) => [p[0], p[1]]));
  }
  return rings;
}

function readGeoJsonGeometry(value: unknown): { geometry: Polygon | MultiPolygon | null; error: string | null } {
  if (value === null || value === undefined) return { geometry: null, error: null };
  const type = (value as { type?: unknown }).type;
  const coordinates = (value as { coordinates?: unknown }).coordinates;
  if (type === 'Polygon') {
    const rings = toRings(coordinates);
    return rings ? { geometry: { type, coordinates: rings }, error: null } : { geometry: null, error: 'its Polygon coordinates are not rings of [x, y] number pairs' };
  }
  if (type === 'MultiPolygon') {
    const polygons = Array.isArray(coordinates) ? coordinates.map(toRings) : null;
    if (!polygons || polygons.some((p) => p === null)) return { geometry: null, error: 'its MultiPolygon coordinates are not polygons of [x, y] number pairs' };
    return { geometry: { type, coordinates: polygons as Position[][][] }, error: null };
  }
  return { geometry: null, error: `it is a ${typeof type === 'string' ? type : 'geometry without a type'}, not a Polygon or MultiPolygon` };
}

/** The legacy `crs` member (GeoJSON 2008): a named CRS (`urn:ogc:def:crs:EPSG::3007`) or an EPSG code object. */
function declaredGeoJsonCrs(crs: unknown): DeclaredCrs | null {
  if (!crs || typeof crs !== 'object') return null;
  const properties = (crs as { properties?: { name?: unknown; code?: unknown } }).properties ?? {};
  if (typeof properties.name === 'string') return { epsg: epsgFromGeoJsonCrsName(properties.name), name: properties.name, from: 'crs member' };
  if (typeof properties.code === 'number' || typeof properties.code === 'string') return { epsg: Number(properties.code) || null, name: `EPSG:${properties.code}`, from: 'crs member' };
  return { epsg: null, name: JSON.stringify(crs), from: 'crs member' };
}

function normaliseKeys(properties: unknown): Record<string, unknown> {
  if (!properties || typeof properties !== 'object') return {};
  // NFC, so BASOMRÅDE written with a combining ring matches the mapping.
  return Object.fromEntries(Object.entries(properties).map(([key, value]) => [key.normalize('NFC'), value]));
}

function fieldsOf(features: RawFeature[], numericField: (name: string) => boolean): RawField[] {
  const names = new Set<string>();
  for (const feature of features) for (const key of Object.keys(feature.properties)) names.add(key);
  return [...names].map((name) => ({ name, numeric: numericField(name) }));
}

function readGeoJson(fileName: string, bytes: Uint8Array, log: IssueLog): RawLayer | null {
  const { text, encoding } = decodeUtf8Text(bytes, log);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    log.error('INVALID_FILE', `${fileName} is not valid JSON: ${(error as Error).message}.`, 'Check that the file is complete; export it again as GeoJSON.');
    return null;
  }
  const root = json as { type?: unknown; features?: unknown; crs?: unknown };
  let rawFeatures: unknown[];
  if (root?.type === 'FeatureCollection' && Array.isArray(root.features)) rawFeatures = root.features;
  else if (root?.type === 'Feature') rawFeatures = [root];
  else if (root?.type === 'Polygon' || root?.type === 'MultiPolygon') rawFeatures = [{ type: 'Feature', properties: {}, geometry: root }];
  else {
    log.error('INVALID_FILE', `${fileName} is JSON but not GeoJSON: expected a FeatureCollection, found ${JSON.stringify(root?.type ?? typeof root)}.`, FILE_HINT);
    return null;
  }
  const features = rawFeatures.map((raw, index): RawFeature => {
    const feature = raw as { properties?: unknown; geometry?: unknown };
    const { geometry, error } = readGeoJsonGeometry(feature?.geometry);
    return { index, properties: normaliseKeys(feature?.properties), geometry, geometryError: error, orphanHoles: 0 };
  });
  const fields = fieldsOf(features, (name) => features.some((f) => typeof f.properties[name] === 'number'));
  return { format: 'geojson', fileName, layer: null, features, fields, declaredCrs: declaredGeoJsonCrs(root.crs), encoding, hasGeometry: true };
}

// ---- CSV -------------------------------------------------------------------------------------------------

/** The separator of the header line: the most frequent of `,`, `;` and tab outside quotes (`;` where Excel uses decimal commas). */
function detectDelimiter(text: string): string {
  const firstLine = text.split(/\r?\n/, 1)[0].replace(/"[^"]*"/g, '');
  const counts = [',', ';', '\t'].map((d) => ({ d, n: firstLine.split(d).length - 1 }));
  counts.sort((a, b) => b.n - a.n);
  return counts[0].n > 0 ? counts[0].d : ',';
}

function readCsvCodeList(fileName: string, bytes: Uint8Array, log: IssueLog): RawLayer | null {
  const { text, encoding } = decodeUtf8Text(bytes, log);
  const [header, ...rows] = parseCsvRows(text, detectDelimiter(text));
  if (!header) {
    log.error('INVALID_FILE', `${fileName} is empty.`, 'A code list needs a header row (e.g. code,name,parent) and one row per area.');
    return null;
  }
  const names = header.map((name) => name.trim().normalize('NFC'));
  const features = rows.map((row, index): RawFeature => ({
    index,
    properties: Object.fromEntries(names.map((name, i) => [name, row[i] ?? ''])),
    geometry: null,
    geometryError: null,
    orphanHoles: 0,
  }));
  return { format: 'csv', fileName, layer: null, features, fields: names.map((name) => ({ name, numeric: false })), declaredCrs: null, encoding, hasGeometry: false };
}

// ---- zipped shapefile ------------------------------------------------------------------------------------

/** Entries that are data, not folders or macOS resource forks. */
function usableEntries(entries: ZipEntry[]): ZipEntry[] {
  return entries.filter((e) => !e.isDirectory && !e.name.startsWith('__MACOSX/') && !/(^|\/)\._/.test(e.name));
}

const stem = (name: string) => name.replace(/\.[^./]+$/, '');
const baseName = (name: string) => name.slice(name.lastIndexOf('/') + 1);

function readZippedShapefile(fileName: string, bytes: Uint8Array, layerOption: string | undefined, log: IssueLog): RawLayer | null {
  const broken = (message: string) => {
    log.error('INVALID_FILE', `${fileName}: ${message}.`, 'Zip the shapefile again (.shp, .shx, .dbf, .prj and .cpg side by side) and upload the new zip.');
    return null;
  };
  let entries: ZipEntry[];
  try {
    entries = usableEntries(readZipEntries(bytes));
  } catch (error) {
    if (error instanceof ZipError) return broken(error.message);
    throw error;
  }
  const shps = entries.filter((e) => /\.shp$/i.test(e.name));
  if (shps.length === 0) return broken(`the zip holds no .shp (found ${entries.map((e) => e.name).join(', ') || 'nothing'})`);
  const layerNames = shps.map((e) => baseName(stem(e.name)));
  let shp = shps[0];
  if (layerOption !== undefined) {
    const wanted = stem(baseName(layerOption)).normalize('NFC').toLowerCase();
    const found = shps.find((e) => baseName(stem(e.name)).normalize('NFC').toLowerCase() === wanted);
    if (!found) {
      log.error('MULTIPLE_LAYERS', `${fileName} has no shapefile named "${layerOption}"; it holds ${layerNames.join(', ')}.`, 'Set the layer option to one of those names.');
      return null;
    }
    shp = found;
  } else if (shps.length > 1) {
    log.error('MULTIPLE_LAYERS', `${fileName} holds ${shps.length} shapefiles: ${layerNames.join(', ')}.`, 'Set the layer option to the one to import, or import each as its own layer.');
    return null;
  }
  const layer = baseName(stem(shp.name));
  const sibling = (extension: string) => entries.find((e) => stem(e.name).toLowerCase() === stem(shp.name).toLowerCase() && e.name.toLowerCase().endsWith(extension));
  const dbfEntry = sibling('.dbf');
  if (!dbfEntry) return broken(`${layer}.shp has no .dbf beside it, so its areas have no codes`);
  try {
    const records = readShp(readZipEntry(bytes, shp));
    const dbfBytes = readZipEntry(bytes, dbfEntry);
    const prj = sibling('.prj');
    const cpg = sibling('.cpg');
    const encoding = dbfEncoding(dbfBytes, cpg ? new TextDecoder().decode(readZipEntry(bytes, cpg)) : null, log);
    const table = readDbf(dbfBytes, encoding);
    if (table.records.length !== records.length) return broken(`${layer}.shp has ${records.length} shapes but its .dbf has ${table.records.length} records`);
    const features: RawFeature[] = [];
    table.records.forEach((record, index) => {
      if (record === null) return;
      features.push({ index, properties: record, geometry: records[index].geometry, geometryError: null, orphanHoles: records[index].orphanHoles });
    });
    reportReplacementCharacters(features, log);
    let declaredCrs: DeclaredCrs | null = null;
    if (prj) {
      const wkt = new TextDecoder().decode(readZipEntry(bytes, prj));
      const { epsg, name } = epsgFromPrj(wkt);
      declaredCrs = { epsg, name: name ?? wkt.slice(0, 80), from: '.prj' };
    }
    const numeric = new Set(table.fields.filter((f) => f.type === 'N' || f.type === 'F').map((f) => f.name));
    return {
      format: 'shapefile',
      fileName,
      layer,
      features,
      fields: table.fields.map((f) => ({ name: f.name, numeric: numeric.has(f.name) })),
      declaredCrs,
      encoding,
      hasGeometry: true,
    };
  } catch (error) {
    if (error instanceof ZipError || error instanceof ShapefileError) return broken(error.message);
    throw error;
  }
}

/** The DBF's code page: the .cpg, else the language driver byte, else UTF-8 if every text is valid UTF-8, else Windows-1252. */
function dbfEncoding(dbf: Uint8Array, cpg: string | null, log: IssueLog): string {
  if (cpg !== null) {
    const encoding = encodingFromLabel(cpg);
    if (encoding) return encoding;
    log.warning('ENCODING', `The .cpg names an unknown encoding "${cpg.trim()}"; the .dbf was read as Windows-1252.`, 'Write UTF-8 or 1252 in the .cpg.');
    return 'windows-1252';
  }
  const fromDriver = encodingFromDbfLanguageDriver(dbf[29] ?? 0);
  if (fromDriver) return fromDriver;
  const texts = readDbf(dbf, 'windows-1252').textBytes.filter(hasNonAscii);
  if (texts.length === 0) return 'windows-1252';
  if (texts.every(isValidUtf8)) {
    log.warning('ENCODING', 'The shapefile has no .cpg; its text is valid UTF-8, so it was read as UTF-8.', 'Add a .cpg containing UTF-8 so the encoding is stated, not guessed.');
    return 'utf-8';
  }
  log.warning('ENCODING', 'The shapefile has no .cpg; its text was read as Windows-1252, the usual code page of Swedish shapefiles.', 'Check å, ä and ö in the names; add a .cpg (1252 or UTF-8) to state the encoding.');
  return 'windows-1252';
}

function reportReplacementCharacters(features: RawFeature[], log: IssueLog): void {
  for (const feature of features) {
    for (const [field, value] of Object.entries(feature.properties)) {
      if (typeof value === 'string' && value.includes('\uFFFD')) {
        log.warning('ENCODING', `Feature ${feature.index}: ${field} holds bytes that are not valid in the file's encoding ("${value}").`, 'Fix the .cpg (UTF-8 or 1252) to match how the .dbf was written.', {
          feature: feature.index,
          field,
          value,
        });
        return;
      }
    }
  }
}
