// Which property holds the code, name, parent and level; codes as strings, with lost leading zeros found and restored.
import type { IssueLog } from './issues.ts';
import type { RawField, RawLayer } from './readers.ts';
import type { NykoFieldMapping, NykoSourceInfo } from './types.ts';

export type ResolvedMapping = NykoSourceInfo['mapping'];

/** Upper case without diacritics or punctuation: `basomrade`, `BASOMRÅDE` and `Bas_Område` compare equal. */
export function normaliseFieldName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '');
}

/**
 * Property names seen in municipal files, finest level first, so a file carrying a parent's code beside its own
 * picks its own (Göteborg mellanområden have MELLANOMRA and STADSOMRAD). Truncated DBF forms are listed too.
 */
const CODE_CANDIDATES = [
  'NYKO',
  'NYCKELKOD',
  'NYCKELKODSOMRÅDE',
  'BASOMRÅDE',
  'BASOMRÅDESKOD',
  'BASKOD',
  'DO_KOD',
  'DELOMRÅDESKOD',
  'PRIMÄROMRÅ',
  'PRIMÄROMRÅDE',
  'PRIMÄRKOD',
  'MELLANOMRA',
  'MELLANOMRÅDE',
  'STADSOMRAD',
  'STADSOMRÅDE',
  'STADSDELSKOD',
  'OMRÅDESKOD',
  'KOD',
  'CODE',
];
const NAME_CANDIDATES = ['NAMN', 'NAME', 'BENÄMNING', 'OMRÅDESNAMN', 'PRIMÄRNAMN', 'BASNAMN', 'DELOMRÅDE', 'DELOMRADESNAMN', 'STADSDEL', 'LABEL'];
const PARENT_CANDIDATES = ['PARENT', 'PARENT_CODE', 'PARENTCODE', 'FÖRÄLDER', 'ÖVERORDNAD', 'ÖVERORDNADKOD'];
const LEVEL_CANDIDATES = ['LEVEL', 'NIVÅ'];

/** Level names suggested by the code field, for a file holding one level. */
const LEVEL_NAMES: [string, string][] = [
  ['BASOMR', 'basområde'],
  ['BASKOD', 'basområde'],
  ['PRIMAR', 'primärområde'],
  ['MELLAN', 'mellanområde'],
  ['STADSOMR', 'stadsområde'],
  ['STADSDEL', 'stadsdel'],
  ['DOKOD', 'delområde'],
  ['DELOMR', 'delområde'],
];

export function levelNameFromCodeField(field: string | null): string {
  const normalised = normaliseFieldName(field ?? '');
  return LEVEL_NAMES.find(([prefix]) => normalised.startsWith(prefix))?.[1] ?? 'nyckelkodsområde';
}

/** The field named `wanted`: exactly, else the one field that matches it without case and diacritics. */
export function findField(fields: readonly RawField[], wanted: string): RawField | null {
  const exact = fields.find((f) => f.name === wanted.normalize('NFC'));
  if (exact) return exact;
  const matches = fields.filter((f) => normaliseFieldName(f.name) === normaliseFieldName(wanted));
  return matches.length === 1 ? matches[0] : (matches.find((f) => f.name === f.name.toUpperCase()) ?? matches[0] ?? null);
}

/**
 * The first candidate some field matches; failing that, the first a field is a cut-off start of. A DBF cuts names at
 * 10 bytes, so in UTF-8, where Ä takes two, PRIMÄRNAMN arrives as PRIMÄRNAM.
 */
function detect(fields: readonly RawField[], candidates: readonly string[], taken: Set<string>): string | null {
  const free = fields.filter((f) => !taken.has(f.name));
  for (const candidate of candidates) {
    const field = findField(free, candidate);
    if (field) return field.name;
  }
  for (const candidate of candidates) {
    const field = free.find((f) => normaliseFieldName(f.name).length >= 8 && normaliseFieldName(candidate).startsWith(normaliseFieldName(f.name)));
    if (field) return field.name;
  }
  return null;
}

/**
 * The properties to read, from the mapping where given and from common names otherwise. `parentCodeField` is the
 * code field of the layer above: a property of that name here holds the parent's code.
 */
export function resolveMapping(layer: RawLayer, mapping: NykoFieldMapping | undefined, parentCodeField: string | null, log: IssueLog): ResolvedMapping {
  const fieldList = layer.fields.map((f) => f.name).join(', ') || 'none';
  const given = (key: keyof NykoFieldMapping): string | null | undefined => {
    const wanted = mapping?.[key];
    if (wanted === undefined) return undefined;
    const field = findField(layer.fields, wanted);
    if (!field) {
      log.error('FIELD_NOT_FOUND', `The mapping names "${wanted}" as the ${key} field, but no feature of ${layer.fileName} has it.`, `Use one of the fields the file has: ${fieldList}.`, {
        field: wanted,
      });
      return null;
    }
    return field.name;
  };
  const taken = new Set<string>();
  const parentGiven = given('parent');
  const codeGiven = given('code');
  /**
   * A field named like the parent layer's code field holds the parent's code, unless it holds this layer's own: the
   * field given as the code, or the only code-like field there is (every layer of a scheme may call its code NYKO).
   */
  const inferParent = (): string | null => {
    const named = parentCodeField ? (findField(layer.fields, parentCodeField)?.name ?? null) : null;
    const own = codeGiven ?? (named !== null && detect(layer.fields, CODE_CANDIDATES, new Set([named])) === null ? named : null);
    if (named !== null && named !== own) return named;
    return detect(layer.fields, PARENT_CANDIDATES, new Set(own ? [own] : []));
  };
  const parent = parentGiven !== undefined ? parentGiven : inferParent();
  if (parent) taken.add(parent);
  const code = codeGiven !== undefined ? codeGiven : detect(layer.fields, CODE_CANDIDATES, taken);
  // A code field chosen by hand may also be the name (a file of names used as codes); a detected one never is.
  if (code && codeGiven === undefined) taken.add(code);
  const nameGiven = given('name');
  const name = nameGiven !== undefined ? nameGiven : detect(layer.fields, NAME_CANDIDATES, taken);
  const levelGiven = given('level');
  const level = levelGiven !== undefined ? levelGiven : detect(layer.fields, LEVEL_CANDIDATES, taken);
  if (code === null && codeGiven === undefined) {
    log.error(
      'CODE_FIELD_MISSING',
      `No property of ${layer.fileName} holds a NYKO code (looked for ${CODE_CANDIDATES.slice(0, 8).join(', ')} …); its fields are ${fieldList}.`,
      'Name the code field in the mapping (mapping.code). A file without codes, such as one with names only, needs codes added first — or, if its names are stable, mapping.code set to the name field.',
    );
  }
  return { code, name, parent, level };
}

export interface CodeValue {
  code: string | null;
  /** The value was a number (or a numeric field), so leading zeros may have been lost. */
  fromNumber: boolean;
  /** Why the value cannot be a code. */
  problem: string | null;
}

/** A code from a property value: strings kept as they are (trimmed), whole numbers as digits, `24407.0` as `24407`. */
export function codeFromValue(value: unknown, numericField: boolean): CodeValue {
  if (value === null || value === undefined) return { code: null, fromNumber: false, problem: null };
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || !Number.isSafeInteger(value)) return { code: null, fromNumber: true, problem: `${value} is not a whole number` };
    return { code: String(value), fromNumber: true, problem: null };
  }
  if (typeof value !== 'string') return { code: null, fromNumber: false, problem: `a ${Array.isArray(value) ? 'list' : typeof value} is not a code` };
  const text = value.trim();
  if (text === '') return { code: null, fromNumber: false, problem: null };
  const decimal = /^(\d+)[.,](\d*)$/.exec(text);
  if (decimal) {
    if (/^0*$/.test(decimal[2])) return { code: decimal[1], fromNumber: true, problem: null };
    return { code: null, fromNumber: true, problem: `${text} is not a whole number` };
  }
  return { code: text, fromNumber: numericField && /^\d+$/.test(text), problem: null };
}

/** A value of a text property (a name), or null when blank. */
export function textFromValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text = String(value).trim();
  return text === '' ? null : text;
}

export interface CodedItem {
  code: string | null;
  fromNumber: boolean;
  feature: number | null;
}

/**
 * Finds codes of one level that lost their leading zeros (stored as numbers and shorter than the rest, or than
 * `codeWidth`) and pads them when asked; returns the width codes of the level were brought to, if any.
 */
export function restoreLeadingZeros(items: CodedItem[], levelName: string, options: { codeWidth?: number; restore?: boolean }, log: IssueLog): number | null {
  const digits = items.filter((item): item is CodedItem & { code: string } => item.code !== null && /^\d+$/.test(item.code));
  const numeric = digits.filter((item) => item.fromNumber);
  if (options.codeWidth !== undefined) {
    const width = options.codeWidth;
    for (const item of digits.filter((i) => i.code.length > width)) {
      log.error('INVALID_CODE', `Code ${item.code} has ${item.code.length} digits, more than codeWidth ${width}.`, `Check codeWidth (the number of digits of a ${levelName} code).`, {
        feature: item.feature ?? undefined,
        value: item.code,
      });
    }
    const short = digits.filter((i) => i.code.length < width);
    if (short.length > 0) {
      log.warning(
        'LEADING_ZEROS_LOST',
        `${short.length} ${levelName} codes were shorter than codeWidth ${width} and were padded with leading zeros (e.g. ${short[0].code} → ${short[0].code.padStart(width, '0')}).`,
        'Store codes as text in the source so their leading zeros survive.',
        { feature: short[0].feature ?? undefined, value: short[0].code },
      );
      for (const item of short) item.code = item.code.padStart(width, '0');
    }
    return width;
  }
  if (numeric.length === 0) return null;
  const width = Math.max(...digits.map((i) => i.code.length));
  const short = numeric.filter((i) => i.code.length < width);
  if (short.length === 0) return null;
  if (options.restore) {
    log.warning(
      'LEADING_ZEROS_LOST',
      `${short.length} ${levelName} codes stored as numbers were shorter than the others and were padded to ${width} digits (e.g. ${short[0].code} → ${short[0].code.padStart(width, '0')}).`,
      'Store codes as text in the source so their leading zeros survive.',
      { feature: short[0].feature ?? undefined, value: short[0].code },
    );
    for (const item of short) item.code = item.code.padStart(width, '0');
    return width;
  }
  for (const item of short) {
    log.error(
      'LEADING_ZEROS_LOST',
      `Code ${item.code} was stored as a number and is shorter than the other ${levelName} codes (${width} digits): its leading zeros were probably lost (${item.code.padStart(width, '0')}?).`,
      `Store the codes as text, or import with restoreLeadingZeros (pads to the longest code) or codeWidth: ${width}.`,
      { feature: item.feature ?? undefined, value: item.code },
    );
  }
  return null;
}
