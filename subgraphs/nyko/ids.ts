// NYKO area ids, `nyko:<kommun>/<scheme>/<version>/<level>/<code>`, and the slugs and keys they are made of.
import { badUserInput } from '../../lib/errors.ts';

export const NYKO_ID_PREFIX = 'nyko:';
export const NYKO_ID_EXAMPLE = 'nyko:1480/omraden/2024/basomrade/10101';

/** What a NYKO area id names: one area of one level of one version of a kommun's scheme. */
export interface NykoAreaRef {
  /** Four-digit kommun code, e.g. `1480`. */
  kommun: string;
  /** Scheme slug, e.g. `omraden`. */
  scheme: string;
  /** Version label, e.g. `2024`. */
  version: string;
  /** Level slug, e.g. `basomrade`. */
  level: string;
  /** The NYKO code as the municipality writes it, leading zeros kept. */
  code: string;
}

const KOMMUN = /^\d{4}$/;
/** Lowercase ASCII letters and digits in words joined by single hyphens: safe in ids and URLs without escaping. */
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** Version labels are short and readable: `2024`, `2024-2`, `v1.1`. */
const LABEL = /^[0-9A-Za-z](?:[0-9A-Za-z.-]*[0-9A-Za-z])?$/;
const MAX_SLUG = 40;
const MAX_LABEL = 32;

/**
 * The slug of a scheme or level name: `basområde` → `basomrade`, `Stadsdelsområde 2` → `stadsdelsomrade-2`. Swedish
 * letters lose their diacritics (å, ä → a; ö → o), anything else not a letter or digit becomes a hyphen.
 */
export function slugify(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_SLUG)
    .replace(/-+$/, '');
}

/** Why a scheme or level slug is not usable, or null when it is. */
export function slugProblem(slug: string, what: 'scheme' | 'level'): string | null {
  if (SLUG.test(slug) && slug.length <= MAX_SLUG) return null;
  const suggestion = slugify(slug);
  const hint = suggestion && suggestion !== slug ? ` Did you mean "${suggestion}"?` : '';
  return `the ${what} "${slug}" is not a slug: expected lowercase ASCII letters, digits and single hyphens (at most ${MAX_SLUG} characters), e.g. "${what === 'scheme' ? 'omraden' : 'basomrade'}".${hint}`;
}

/** Why a version label is not usable, or null when it is. */
export function labelProblem(label: string): string | null {
  if (LABEL.test(label) && label.length <= MAX_LABEL) return null;
  return `the version label "${label}" is not valid: expected digits, letters, '-' or '.' (at most ${MAX_LABEL} characters, starting and ending with a letter or digit), e.g. "2024".`;
}

export function kommunProblem(kommun: string): string | null {
  return KOMMUN.test(kommun) ? null : `the kommun "${kommun}" is not a kommun code: expected four digits, e.g. "1480" for Göteborg.`;
}

/** The key of a scheme in the store: `1480/omraden`. */
export function schemeKey(kommun: string, scheme: string): string {
  return `${kommun}/${scheme}`;
}

/** The key of a version in the store: `1480/omraden/2024`. */
export function versionKey(kommun: string, scheme: string, label: string): string {
  return `${kommun}/${scheme}/${label}`;
}

/** Builds an area id; throws BAD_USER_INPUT naming the part that does not fit. */
export function formatNykoId(ref: NykoAreaRef): string {
  const problem = refProblem(ref);
  if (problem) throw badUserInput(`Cannot make a NYKO area id: ${problem}`);
  // Codes are the municipality's and may hold any character; escaping keeps '/' and spaces from breaking the id.
  return `${NYKO_ID_PREFIX}${ref.kommun}/${ref.scheme}/${ref.version}/${ref.level}/${encodeURIComponent(ref.code)}`;
}

function refProblem(ref: NykoAreaRef): string | null {
  return (
    kommunProblem(ref.kommun) ??
    slugProblem(ref.scheme, 'scheme') ??
    labelProblem(ref.version) ??
    slugProblem(ref.level, 'level') ??
    (ref.code.length === 0 ? 'the code is empty.' : null)
  );
}

/** Parses a NYKO area id or throws BAD_USER_INPUT saying what was expected, with an example. */
export function parseNykoId(id: string): NykoAreaRef {
  const expected = `expected nyko:<kommun>/<scheme>/<version>/<level>/<code>, e.g. "${NYKO_ID_EXAMPLE}"`;
  if (!id.startsWith(NYKO_ID_PREFIX)) {
    throw badUserInput(`"${id}" is not a NYKO area id: ${expected}.`, { argumentValue: id });
  }
  const parts = id.slice(NYKO_ID_PREFIX.length).split('/');
  if (parts.length !== 5) {
    throw badUserInput(`"${id}" is not a NYKO area id: it has ${parts.length} part(s) after "nyko:", ${expected}.`, { argumentValue: id });
  }
  const [kommun, scheme, version, level, encoded] = parts;
  let code: string;
  try {
    code = decodeURIComponent(encoded);
  } catch {
    throw badUserInput(`"${id}" is not a NYKO area id: the code "${encoded}" is not validly %-escaped.`, { argumentValue: id });
  }
  const ref = { kommun, scheme, version, level, code };
  const problem = refProblem(ref);
  if (problem) throw badUserInput(`"${id}" is not a NYKO area id: ${problem}`, { argumentValue: id });
  return ref;
}

export function isNykoId(id: string): boolean {
  try {
    parseNykoId(id);
    return true;
  } catch {
    return false;
  }
}
