// Shapefile readers: polygon records of a .shp (types 5, 15, 25) and dBase III attribute tables (.dbf).
import { polygonsFromRings } from '../../../lib/geometry.ts';
import type { MultiPolygon, Polygon, Position } from '../../../lib/geojson.ts';
import { decodeText } from './encoding.ts';

export class ShapefileError extends Error {}

const SHAPE_TYPE_NAMES: Record<number, string> = {
  0: 'Null',
  1: 'Point',
  3: 'PolyLine',
  5: 'Polygon',
  8: 'MultiPoint',
  11: 'PointZ',
  13: 'PolyLineZ',
  15: 'PolygonZ',
  18: 'MultiPointZ',
  21: 'PointM',
  23: 'PolyLineM',
  25: 'PolygonM',
  28: 'MultiPointM',
  31: 'MultiPatch',
};

/** Polygon, PolygonZ and PolygonM share the x/y layout; z and m values follow the points and are ignored. */
const POLYGON_TYPES = new Set([5, 15, 25]);

export interface ShpRecord {
  geometry: Polygon | MultiPolygon | null;
  /** Rings turned counter-clockwise (holes in shapefile terms) that lie in no outer ring, read as outer rings. */
  orphanHoles: number;
}

/** Reads every record of a polygon .shp, in file order, in the file's own coordinates. */
export function readShp(bytes: Uint8Array): ShpRecord[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 100 || view.getInt32(0, false) !== 9994) throw new ShapefileError('the .shp has no shapefile header (file code 9994)');
  const shapeType = view.getInt32(32, true);
  if (shapeType !== 0 && !POLYGON_TYPES.has(shapeType)) {
    throw new ShapefileError(`the .shp holds ${SHAPE_TYPE_NAMES[shapeType] ?? `shape type ${shapeType}`} shapes; NYKO areas must be polygons`);
  }
  // The header's file length is in 16-bit words and big-endian, like every record header.
  const fileEnd = Math.min(bytes.length, view.getInt32(24, false) * 2);
  const records: ShpRecord[] = [];
  for (let offset = 100; offset + 8 <= fileEnd; ) {
    const contentLength = view.getInt32(offset + 4, false) * 2;
    const start = offset + 8;
    if (start + contentLength > bytes.length || contentLength < 4) throw new ShapefileError(`record ${records.length + 1} runs past the end of the .shp`);
    records.push(readPolygonRecord(view, start, contentLength, records.length + 1));
    offset = start + contentLength;
  }
  return records;
}

function readPolygonRecord(view: DataView, start: number, length: number, number: number): ShpRecord {
  const type = view.getInt32(start, true);
  if (type === 0) return { geometry: null, orphanHoles: 0 };
  if (!POLYGON_TYPES.has(type)) throw new ShapefileError(`record ${number} is a ${SHAPE_TYPE_NAMES[type] ?? `type ${type}`} shape, not a polygon`);
  const numParts = view.getInt32(start + 36, true);
  const numPoints = view.getInt32(start + 40, true);
  const pointsAt = start + 44 + 4 * numParts;
  if (numParts < 0 || numPoints < 0 || pointsAt + 16 * numPoints > start + length) throw new ShapefileError(`record ${number} is damaged (its part or point count does not fit)`);
  const rings: Position[][] = [];
  for (let p = 0; p < numParts; p++) {
    const first = view.getInt32(start + 44 + 4 * p, true);
    const last = p + 1 < numParts ? view.getInt32(start + 44 + 4 * (p + 1), true) : numPoints;
    if (first < 0 || last > numPoints || first > last) throw new ShapefileError(`record ${number} has a part index out of range`);
    const ring: Position[] = [];
    for (let i = first; i < last; i++) ring.push([view.getFloat64(pointsAt + 16 * i, true), view.getFloat64(pointsAt + 16 * i + 8, true)]);
    rings.push(ring);
  }
  // Shapefile outer rings run clockwise and holes counter-clockwise; nothing else says which hole belongs where.
  const { polygons, orphanHoles } = polygonsFromRings(rings, true);
  if (polygons.length === 0) return { geometry: null, orphanHoles: 0 };
  const geometry: Polygon | MultiPolygon = polygons.length === 1 ? { type: 'Polygon', coordinates: polygons[0] } : { type: 'MultiPolygon', coordinates: polygons };
  return { geometry, orphanHoles: orphanHoles.length };
}

export interface DbfField {
  name: string;
  /** dBase type letter: C character, N numeric, F float, L logical, D date … */
  type: string;
  length: number;
  decimals: number;
}

export interface DbfTable {
  fields: DbfField[];
  /** Values as strings (numbers too, so codes keep their digits); null for blanks. */
  records: (Record<string, string | null> | null)[];
  /** Language driver id (byte 29), a hint at the code page when there is no .cpg. */
  languageDriver: number;
  /** Raw bytes of every character value, to judge the encoding before decoding. */
  textBytes: Uint8Array[];
}

/** Reads a dBase III table; deleted records are null so record i still matches shape i. */
export function readDbf(bytes: Uint8Array, encoding: string): DbfTable {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 32) throw new ShapefileError('the .dbf is shorter than its header');
  if ((bytes[0] & 0x07) === 4) throw new ShapefileError('the .dbf is dBase 7; save it as dBase III (the shapefile standard)');
  const recordCount = view.getUint32(4, true);
  const headerLength = view.getUint16(8, true);
  const recordLength = view.getUint16(10, true);
  const fields: DbfField[] = [];
  const offsets: number[] = [];
  let recordOffset = 1;
  for (let at = 32; at + 32 <= headerLength && bytes[at] !== 0x0d; at += 32) {
    const rawName = bytes.subarray(at, at + 11);
    const nul = rawName.indexOf(0);
    // Names are cut at 10 bytes, which can split a multibyte character; the broken tail is dropped.
    const name = decodeText(rawName.subarray(0, nul < 0 ? 11 : nul), encoding).replace(/\uFFFD+$/, '').trim();
    const field = { name, type: String.fromCharCode(bytes[at + 11]), length: bytes[at + 16], decimals: bytes[at + 17] };
    fields.push(field);
    offsets.push(recordOffset);
    recordOffset += field.length;
  }
  if (recordOffset > recordLength) throw new ShapefileError('the .dbf field lengths exceed its record length');
  const records: DbfTable['records'] = [];
  const textBytes: Uint8Array[] = [];
  for (let r = 0; r < recordCount; r++) {
    const start = headerLength + r * recordLength;
    if (start + recordLength > bytes.length) throw new ShapefileError(`the .dbf ends inside record ${r + 1} of ${recordCount}`);
    if (bytes[start] === 0x2a) {
      records.push(null);
      continue;
    }
    const record: Record<string, string | null> = {};
    fields.forEach((field, f) => {
      const raw = bytes.subarray(start + offsets[f], start + offsets[f] + field.length);
      if (field.type === 'C') textBytes.push(raw);
      const text = (field.type === 'C' ? decodeText(raw, encoding) : decodeText(raw, 'windows-1252')).replace(/\0/g, '').trim();
      // Numeric blanks are written as spaces, asterisks (overflow) or question marks.
      record[field.name] = text === '' || ((field.type === 'N' || field.type === 'F') && /^[*?]+$/.test(text)) ? null : text;
    });
    records.push(record);
  }
  return { fields, records, languageDriver: bytes[29], textBytes };
}
