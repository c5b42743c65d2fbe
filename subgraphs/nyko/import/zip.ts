// A small zip reader for uploaded shapefiles: the central directory, stored and deflated entries, code page 437 names.
import { crc32, inflateRawSync } from 'node:zlib';
import { decodeText, hasNonAscii, isValidUtf8, repairCp437Mojibake } from './encoding.ts';

export class ZipError extends Error {}

export interface ZipEntry {
  /** The entry's path inside the zip, decoded and repaired (see repairCp437Mojibake). */
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  localHeaderOffset: number;
  isDirectory: boolean;
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_DIRECTORY_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;
/** Info-ZIP's extra field carrying the UTF-8 form of a name written in another code page. */
const UNICODE_PATH_EXTRA = 0x7075;

/** Entry names are code page 437 unless flagged UTF-8; many tools write UTF-8 without the flag, so valid UTF-8 wins. */
function entryName(raw: Uint8Array, utf8Flag: boolean, extra: Uint8Array): string {
  const view = new DataView(extra.buffer, extra.byteOffset, extra.byteLength);
  for (let offset = 0; offset + 4 <= extra.length; ) {
    const id = view.getUint16(offset, true);
    const size = view.getUint16(offset + 2, true);
    if (id === UNICODE_PATH_EXTRA && size > 5 && offset + 4 + size <= extra.length && view.getUint32(offset + 5, true) === crc32(raw)) {
      return new TextDecoder().decode(extra.subarray(offset + 9, offset + 4 + size));
    }
    offset += 4 + size;
  }
  const decoded = utf8Flag || (hasNonAscii(raw) && isValidUtf8(raw)) ? new TextDecoder().decode(raw) : decodeText(raw, 'ibm437');
  return repairCp437Mojibake(decoded);
}

/** The entries listed in the zip's central directory. */
export function readZipEntries(bytes: Uint8Array): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The end record sits in the last 22 bytes plus a comment of at most 65,535 bytes.
  let end = -1;
  for (let offset = bytes.length - 22; offset >= Math.max(0, bytes.length - 22 - 0xffff); offset--) {
    if (view.getUint32(offset, true) === END_OF_CENTRAL_DIRECTORY) {
      end = offset;
      break;
    }
  }
  if (end < 0) throw new ZipError('no end of central directory record: the zip is truncated or not a zip');
  const count = view.getUint16(end + 10, true);
  const directorySize = view.getUint32(end + 12, true);
  const directoryOffset = view.getUint32(end + 16, true);
  if (count === 0xffff || directoryOffset === 0xffffffff) throw new ZipError('ZIP64 archives are not supported; shapefiles of a kommun fit a plain zip');
  if (directoryOffset + directorySize > end) throw new ZipError('the central directory lies outside the file: the zip is truncated');
  const entries: ZipEntry[] = [];
  let offset = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (offset + 46 > bytes.length || view.getUint32(offset, true) !== CENTRAL_DIRECTORY_HEADER) throw new ZipError(`central directory entry ${i + 1} is damaged`);
    const flags = view.getUint16(offset + 8, true);
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    const raw = bytes.subarray(offset + 46, offset + 46 + nameLength);
    const extra = bytes.subarray(offset + 46 + nameLength, offset + 46 + nameLength + extraLength);
    const name = entryName(raw, (flags & 0x0800) !== 0, extra);
    if (flags & 0x0001) throw new ZipError(`${name} is encrypted`);
    entries.push({
      name,
      method: view.getUint16(offset + 10, true),
      crc32: view.getUint32(offset + 16, true),
      compressedSize: view.getUint32(offset + 20, true),
      size: view.getUint32(offset + 24, true),
      localHeaderOffset: view.getUint32(offset + 42, true),
      isDirectory: name.endsWith('/'),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** The uncompressed content of an entry, checked against its CRC-32. */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localHeaderOffset;
  if (at + 30 > bytes.length || view.getUint32(at, true) !== LOCAL_FILE_HEADER) throw new ZipError(`${entry.name}: local header not found`);
  // The local header's own name and extra lengths may differ from the central directory's.
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  const data = bytes.subarray(start, start + entry.compressedSize);
  if (data.length < entry.compressedSize) throw new ZipError(`${entry.name}: data truncated`);
  let content: Uint8Array;
  if (entry.method === 0) content = data;
  else if (entry.method === 8) {
    try {
      content = inflateRawSync(data);
    } catch (error) {
      throw new ZipError(`${entry.name}: cannot inflate (${(error as Error).message})`);
    }
  } else throw new ZipError(`${entry.name}: compression method ${entry.method} is not supported (only stored and deflated)`);
  if (content.length !== entry.size || crc32(content) !== entry.crc32) throw new ZipError(`${entry.name}: checksum mismatch, the zip is damaged`);
  return content;
}
