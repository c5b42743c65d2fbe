// Builds PxWeb data requests: v2 GET query strings (POST when too long) and v1 POST bodies.
import type { Selection } from './types.ts';

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  /** JSON text of a POST body. */
  body?: string;
}

/** PxWebApi's user guide puts the URL limit near 2 100 characters (a longer one answers 404); stay under it. */
export const MAX_URL_LENGTH = 2000;

/** Percent-encodes like encodeURIComponent (so `+` is %2B and non-ASCII is UTF-8), keeping the list syntax `,[]` readable. */
export function encodeQueryValue(text: string): string {
  return encodeURIComponent(text).replace(/%2C/gi, ',').replace(/%5B/gi, '[').replace(/%5D/gi, ']');
}

/** One comma-separated list; an item containing a comma (a code, or `range(a,b)`) is bracketed, as PxWebApi requires. */
export function joinValueCodes(codes: string[]): string {
  return codes.map((code) => (code.includes(',') && !(code.startsWith('[') && code.endsWith(']')) ? `[${code}]` : code)).join(',');
}

function queryString(params: [string, string][]): string {
  return params.map(([key, value]) => `${encodeQueryValue(key)}=${encodeQueryValue(value)}`).join('&');
}

/** Drops the brackets a caller may have put around a comma-containing item; JSON arrays need none. */
function unbracket(code: string): string {
  return code.startsWith('[') && code.endsWith(']') ? code.slice(1, -1) : code;
}

/**
 * GET /tables/{id}/data with one `valueCodes[X]` per variable (SCB silently drops repeats), or POST with the same
 * selection in the body when the URL would pass MAX_URL_LENGTH; outputFormat and lang stay in the query string.
 */
export function dataRequest(baseUrl: string, tableId: string, selection: Selection, language: string, maxUrlLength = MAX_URL_LENGTH): HttpRequest {
  const base = `${baseUrl}/tables/${encodeURIComponent(tableId)}/data`;
  const common: [string, string][] = [
    ['lang', language],
    ['outputFormat', 'json-stat2'],
  ];
  const params: [string, string][] = [...common];
  for (const item of selection) {
    params.push([`valueCodes[${item.variableCode}]`, joinValueCodes(item.valueCodes)]);
    if (item.codelist) params.push([`codelist[${item.variableCode}]`, item.codelist]);
  }
  const url = `${base}?${queryString(params)}`;
  if (url.length <= maxUrlLength) return { method: 'GET', url };
  const body = {
    selection: selection.map((item) => ({
      variableCode: item.variableCode,
      ...(item.codelist ? { codelist: item.codelist } : {}),
      valueCodes: item.valueCodes.map(unbracket),
    })),
  };
  return { method: 'POST', url: `${base}?${queryString(common)}`, body: JSON.stringify(body) };
}

/** GET on a v2 path with query parameters (undefined ones left out). */
export function getRequest(baseUrl: string, pathname: string, params: Record<string, string | number | boolean | undefined>): HttpRequest {
  const pairs = Object.entries(params).filter((pair): pair is [string, string | number | boolean] => pair[1] !== undefined);
  const query = queryString(pairs.map(([key, value]) => [key, String(value)]));
  return { method: 'GET', url: `${baseUrl}${pathname}${query ? `?${query}` : ''}` };
}

/** The URL of a v1 table: its path segments (`BE/BE0101/BE0101A/BefolkningNy`) under the v1 database base. */
export function v1TableUrl(v1BaseUrl: string, tablePath: string): string {
  return `${v1BaseUrl}/${tablePath.split('/').filter(Boolean).map(encodeURIComponent).join('/')}`;
}

/** v1 data: POST the table URL with explicit codes per variable and JSON-stat 2.0 as the answer. */
export function v1DataRequest(v1BaseUrl: string, tablePath: string, selection: Selection): HttpRequest {
  const body = {
    query: selection.map((item) => ({ code: item.variableCode, selection: { filter: 'item', values: item.valueCodes.map(unbracket) } })),
    response: { format: 'json-stat2' },
  };
  return { method: 'POST', url: v1TableUrl(v1BaseUrl, tablePath), body: JSON.stringify(body) };
}
