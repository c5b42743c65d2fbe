// Decides the CRS of a file's coordinates from the option, the file's own declaration and the coordinates — never guessing a zone.
import { EPSG_WGS84, epsgFromGeoJsonCrsName, isSupportedEpsg, SUPPORTED_EPSG, toWgs84 } from '../../../lib/crs.ts';
import { pointInGeometry, type MultiPolygon, type Polygon } from '../../../lib/geojson.ts';
import { polygonsOf } from '../../../lib/geometry.ts';
import type { IssueLog } from './issues.ts';
import { localZoneName } from './prj.ts';
import type { RawLayer } from './readers.ts';
import type { NykoSourceInfo } from './types.ts';

const ACCEPTED = SUPPORTED_EPSG.map((code) => `EPSG:${code}${code === EPSG_WGS84 ? ' (WGS84)' : code === 3006 ? ' (SWEREF 99 TM)' : ` (${localZoneName(code)})`}`).join(', ');

export interface CrsDecision {
  epsg: number | null;
  from: NykoSourceInfo['crsFrom'];
}

function describe(epsg: number): string {
  return epsg === EPSG_WGS84 ? 'WGS84' : epsg === 3006 ? 'SWEREF 99 TM' : (localZoneName(epsg) ?? `EPSG:${epsg}`);
}

/** Bounding box of every coordinate of the layer, in its own units. */
function layerBBox(layer: RawLayer): [number, number, number, number] | null {
  let box: [number, number, number, number] | null = null;
  for (const { geometry } of layer.features) {
    if (!geometry) continue;
    for (const rings of polygonsOf(geometry)) {
      for (const [x, y] of rings[0] ?? []) {
        box = box ? [Math.min(box[0], x), Math.min(box[1], y), Math.max(box[2], x), Math.max(box[3], y)] : [x, y, x, y];
      }
    }
  }
  return box;
}

/** Degrees fit [-180, 180] × [-90, 90]; SWEREF 99 northings in Sweden are above 6,000,000 m, so the two never mix. */
function looksLikeDegrees(box: [number, number, number, number]): boolean {
  return box[0] >= -180 && box[2] <= 180 && box[1] >= -90 && box[3] <= 90;
}

/** Parses the `crs` option (`EPSG:3007`, `3007`, a URN or OGC URL); null when it is not understood. */
export function parseCrsOption(crs: string): number | null {
  return /^\s*\d+\s*$/.test(crs) ? Number(crs) : epsgFromGeoJsonCrsName(crs);
}

/** The projected CRSs that put the data's centre inside the kommun, so the refusal can name them. */
function candidates(box: [number, number, number, number], kommunBoundary: Polygon | MultiPolygon): number[] {
  const centre: [number, number] = [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2];
  return SUPPORTED_EPSG.filter((epsg) => epsg !== EPSG_WGS84 && pointInGeometry(toWgs84(centre, epsg), kommunBoundary));
}

export function resolveSourceCrs(layer: RawLayer, option: string | undefined, kommunBoundary: Polygon | MultiPolygon | undefined, log: IssueLog): CrsDecision {
  const box = layerBBox(layer);
  if (!layer.hasGeometry || box === null) return { epsg: null, from: null };
  const degrees = looksLikeDegrees(box);
  const declared = layer.declaredCrs;
  const mismatch = (epsg: number, source: string) => {
    const projected = epsg !== EPSG_WGS84;
    if (projected === !degrees) return false;
    log.error(
      'CRS_MISMATCH',
      `${source} says ${describe(epsg)} (EPSG:${epsg}), but the coordinates (x ${box[0].toFixed(2)}…${box[2].toFixed(2)}, y ${box[1].toFixed(2)}…${box[3].toFixed(2)}) are ${degrees ? 'degrees' : 'metres'}.`,
      degrees ? 'Remove the wrong declaration or pass crs: "EPSG:4326".' : `Pass the CRS the coordinates are in as the crs option; accepted: ${ACCEPTED}.`,
    );
    return true;
  };

  if (option !== undefined) {
    const epsg = parseCrsOption(option);
    if (epsg === null || !isSupportedEpsg(epsg)) {
      log.error(epsg === null ? 'INVALID_OPTION' : 'CRS_UNKNOWN', `The crs option "${option}" is not a supported CRS.`, `Pass one of ${ACCEPTED}.`, { value: option });
      return { epsg: null, from: 'option' };
    }
    if (declared && declared.epsg !== epsg) {
      log.warning('CRS_OVERRIDDEN', `The file declares ${declared.name} in its ${declared.from}; the crs option ${option} was used instead.`, 'Drop the crs option if the file’s own declaration is right.', {
        value: declared.name,
      });
    }
    return mismatch(epsg, 'The crs option') ? { epsg: null, from: 'option' } : { epsg, from: 'option' };
  }

  if (declared) {
    if (declared.epsg === null || !isSupportedEpsg(declared.epsg)) {
      log.error('CRS_UNKNOWN', `The file's ${declared.from} names "${declared.name}", which is not a supported CRS.`, `Reproject the file to one of ${ACCEPTED}, or pass the crs option if the declaration is wrong.`, {
        value: declared.name,
      });
      return { epsg: null, from: declared.from };
    }
    return mismatch(declared.epsg, `The file's ${declared.from}`) ? { epsg: null, from: declared.from } : { epsg: declared.epsg, from: declared.from };
  }

  if (degrees) return { epsg: EPSG_WGS84, from: 'coordinates' };
  // Without the kommun's outline every local zone puts coordinates near x = 150,000 m somewhere in Sweden, so only
  // the outline can narrow the choice; even then the user decides.
  const fits = kommunBoundary ? candidates(box, kommunBoundary) : [];
  log.error(
    'CRS_AMBIGUOUS',
    `The coordinates are projected metres (x ${box[0].toFixed(0)}…${box[2].toFixed(0)}) and the file does not say in which CRS; SWEREF 99 TM and the twelve local zones (false easting 150,000 m each) cannot be told apart safely.` +
      (fits.length > 0 ? ` Read as ${fits.map((e) => `EPSG:${e}`).join(' or ')}, they land inside the kommun.` : kommunBoundary ? ' Read in any supported CRS, they do not land inside the kommun.' : ''),
    `Pass the crs option (e.g. crs: "EPSG:3007" for SWEREF 99 12 00), or add a .prj / crs member. Accepted: ${ACCEPTED}.`,
  );
  return { epsg: null, from: null };
}
