// The EPSG code of a shapefile's .prj (ESRI or OGC WKT): SWEREF 99 TM, the twelve SWEREF 99 local zones, or WGS84.
import { EPSG_SWEREF99TM, EPSG_WGS84, isSupportedEpsg, toWgs84 } from '../../../lib/crs.ts';

/** The local zones EPSG:3007–3018 by central meridian in degrees, read back from the definitions in lib/crs.ts. */
const LOCAL_ZONES: { epsg: number; meridian: number }[] = Array.from({ length: 12 }, (_, i) => {
  const epsg = 3007 + i;
  // On the central meridian the easting is the false easting, so the inverse there returns the meridian itself.
  return { epsg, meridian: Math.round(toWgs84([150000, 6_600_000], epsg)[0] * 100) / 100 };
});

/** `SWEREF99 12 00` for a local zone, as EPSG names them (ESRI writes `SWEREF99_12_00`). */
export function localZoneName(epsg: number): string | null {
  const zone = LOCAL_ZONES.find((z) => z.epsg === epsg);
  if (!zone) return null;
  const degrees = Math.floor(zone.meridian);
  const minutes = Math.round((zone.meridian - degrees) * 60);
  return `SWEREF99 ${degrees} ${String(minutes).padStart(2, '0')}`;
}

function numberParameter(wkt: string, name: string): number | null {
  const match = new RegExp(`PARAMETER\\[\\s*"${name}"\\s*,\\s*(-?[\\d.]+)`, 'i').exec(wkt);
  return match ? Number(match[1]) : null;
}

export type PrjResult = { epsg: number; name: string } | { epsg: null; name: string | null };

/**
 * Reads the EPSG code a .prj describes: an EPSG authority on the projected CRS, else its name (`SWEREF99_TM`,
 * `SWEREF99 12 00`), else its transverse Mercator parameters on the GRS 1980 ellipsoid; a geographic CRS on
 * WGS 84 or SWEREF 99 (which agree within a metre) is WGS84. `epsg` is null when it is none of these.
 */
export function epsgFromPrj(wkt: string): PrjResult {
  const text = wkt.trim();
  const projected = /^(?:PROJCS|PROJCRS|PROJECTEDCRS)\[\s*"([^"]*)"/i.exec(text);
  const geographic = /^(?:GEOGCS|GEOGCRS|GEODCRS|GEOGRAPHICCRS)\[\s*"([^"]*)"/i.exec(text);
  const name = projected?.[1] ?? geographic?.[1] ?? null;
  // The authority of the whole CRS is the last element before the closing bracket (WKT 1 AUTHORITY, WKT 2 ID).
  const authority = /(?:AUTHORITY\[\s*"EPSG"\s*,\s*"?(\d+)"?\s*\]|ID\[\s*"EPSG"\s*,\s*(\d+)\s*\])\s*\]\s*$/i.exec(text);
  const geographicOnWgs84 = !projected && geographic !== null && /WGS[ _]?(19)?84|SWEREF|ETRS/i.test(text);
  if (authority) {
    const code = Number(authority[1] ?? authority[2]);
    if (isSupportedEpsg(code)) return { epsg: code, name: name ?? `EPSG:${code}` };
    // Geographic SWEREF 99 (EPSG:4619) and ETRS89 (4258) are WGS84 for this purpose.
    return geographicOnWgs84 ? { epsg: EPSG_WGS84, name: name ?? `EPSG:${code}` } : { epsg: null, name: name ?? `EPSG:${code}` };
  }
  if (projected && name) {
    const normalised = name.toUpperCase().replace(/[^A-Z0-9]+/g, ' ').trim();
    if (/^SWEREF ?99 TM$/.test(normalised)) return { epsg: EPSG_SWEREF99TM, name };
    const zone = /^SWEREF ?99 (\d{1,2}) (\d{2})$/.exec(normalised);
    if (zone) {
      const meridian = Number(zone[1]) + Number(zone[2]) / 60;
      const match = LOCAL_ZONES.find((z) => Math.abs(z.meridian - meridian) < 0.01);
      if (match) return { epsg: match.epsg, name };
    }
    const grs80 = /GRS[ _]?(19)?80|SWEREF|ETRS/i.test(text);
    const meridian = numberParameter(text, 'central_meridian');
    const falseEasting = numberParameter(text, 'false_easting');
    const scale = numberParameter(text, 'scale_factor');
    if (grs80 && /transverse_mercator/i.test(text) && meridian !== null && falseEasting !== null && scale !== null) {
      if (meridian === 15 && falseEasting === 500000 && Math.abs(scale - 0.9996) < 1e-9) return { epsg: EPSG_SWEREF99TM, name };
      const match = LOCAL_ZONES.find((z) => Math.abs(z.meridian - meridian) < 1e-6);
      if (match && falseEasting === 150000 && scale === 1) return { epsg: match.epsg, name };
    }
    return { epsg: null, name };
  }
  if (geographicOnWgs84) return { epsg: EPSG_WGS84, name: name ?? 'WGS 84' };
  return { epsg: null, name };
}
