// Text decoding for municipal files: UTF-8, Windows-1252 (Swedish DBFs), code page 437 (zip entry names), .cpg labels.

/**
 * Windows-1252 bytes 0x80–0x9F. Node 20's TextDecoder('windows-1252') returns C1 control characters for them
 * (as ISO-8859-1 would), losing €, †, „, ” …, so the single-byte code pages are decoded from tables here.
 */
const CP1252_80_9F = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ';

/** Code page 437 (IBM PC, the zip format's default for entry names), bytes 0x80–0xFF. */
const CP437_80_FF =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00A0';

/** The upper half (0x80–0xFF) of each single-byte code page decoded here. */
const HIGH_HALF: Record<string, string> = {
  'windows-1252': CP1252_80_9F + Array.from({ length: 0x60 }, (_, i) => String.fromCharCode(0xa0 + i)).join(''),
  ibm437: CP437_80_FF,
};

function decodeSingleByte(bytes: Uint8Array, high: string): string {
  let text = '';
  for (const byte of bytes) text += byte < 0x80 ? String.fromCharCode(byte) : high[byte - 0x80];
  return text;
}

/** Canonical name of an encoding label from a .cpg file, a DBF or an option; null when it is not known. */
export function encodingFromLabel(label: string): string | null {
  const normalised = label.trim().toLowerCase().replace(/[\s_]/g, '');
  if (/^(utf-?8|65001)$/.test(normalised)) return 'utf-8';
  if (/^((ansi|cp|windows-?)?1252|ansi)$/.test(normalised)) return 'windows-1252';
  if (/^(cp|ibm|oem)?437$|^oem$/.test(normalised)) return 'ibm437';
  if (/^(iso-?8859-?1|8859-?1|88591|latin-?1)$/.test(normalised)) return 'iso-8859-1';
  try {
    return new TextDecoder(normalised).encoding;
  } catch {
    return null;
  }
}

/** Encoding of a DBF from its language driver id (byte 29), for the code pages seen in Swedish files. */
export function encodingFromDbfLanguageDriver(id: number): string | null {
  if (id === 0x01) return 'ibm437';
  if (id === 0x03 || id === 0x57) return 'windows-1252';
  return null;
}

/** Decodes bytes in a canonical encoding (see encodingFromLabel); malformed UTF-8 becomes U+FFFD. */
export function decodeText(bytes: Uint8Array, encoding: string): string {
  const high = HIGH_HALF[encoding];
  if (high) return decodeSingleByte(bytes, high);
  return new TextDecoder(encoding).decode(bytes);
}

export function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

export function hasNonAscii(bytes: Uint8Array): boolean {
  return bytes.some((byte) => byte >= 0x80);
}

/** Characters a Swedish letter in code page 437 turns into when read as Windows-1252 (`Statistikomr†de`). */
const CP437_AS_CP1252: Record<string, string> = { '†': 'å', '„': 'ä', '”': 'ö', '\u008F': 'Å', Ž: 'Ä', '™': 'Ö', '‚': 'é', '\u0081': 'ü' };

/**
 * Undoes the mangling of a file name written in code page 437 and read as Windows-1252 somewhere upstream
 * (Stockholm's `Statistikomr†de_polygons.shp` is `Statistikområde_polygons.shp`); other names are returned as they are.
 */
export function repairCp437Mojibake(name: string): string {
  if (!/[†„”™\u008F\u0081]/.test(name)) return name;
  return name.replace(/[†„”\u008FŽ™‚\u0081]/g, (char) => CP437_AS_CP1252[char] ?? char);
}
