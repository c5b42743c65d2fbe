// Builds the mobility store: the synthetic traces run through the pipeline, extrapolated, and aggregated at every level.
import { sql } from 'drizzle-orm';
import type { MobilityConfig } from '../../lib/config.ts';
import { gridSquareCode, gridSquareCorner } from '../../lib/area-id.ts';
import { sweref99tmToWgs84 } from '../../lib/crs.ts';
import type { Store } from '../../lib/db.ts';
import { HOME, METHOD_VERSION, TRAVEL_MODES, type CellPlan, type FrameArea, type PipelineResult } from './model.ts';
import { ANY_TYPE, detectJourneys, LocalClock, presenceByHour, presenceIndex, WHOLE_DAY } from './pipeline/index.ts';
import { datasetMeta, longTrip, mobilityArea, presence, trip } from './tables.ts';

/** The levels every DeSO rolls up to, finest first; the 1 km grid (GRID) is placed by activity positions instead. */
export const LEVELS = ['DESO', 'REGSO', 'KOMMUN', 'LAN', 'COUNTRY'] as const;
export type Level = (typeof LEVELS)[number] | 'GRID';

const DAY_MS = 86_400_000;

export interface AreaRow {
  idx: number;
  id: string;
  level: Level;
  omradestyp: number | null;
  residents: number;
  lon: number;
  lat: number;
  regso: number | null;
  kommun: number | null;
  lan: number | null;
}

/** Every area at every level, DeSO first in frame order; each DeSO knows the index of its RegSO, kommun and län. */
export function indexAreas(frame: FrameArea[]): { areas: AreaRow[]; up: Int32Array[] } {
  const areas: AreaRow[] = [];
  const regsoCodes = [...new Set(frame.map((a) => a.regso))].sort();
  const kommunCodes = [...new Set(frame.map((a) => a.kommun))].sort();
  const lanCodes = [...new Set(frame.map((a) => a.lan))].sort();
  const base = { regso: frame.length, kommun: frame.length + regsoCodes.length };
  const offsets = { ...base, lan: base.kommun + kommunCodes.length, country: base.kommun + kommunCodes.length + lanCodes.length };
  const indexOf = {
    regso: new Map(regsoCodes.map((code, i) => [code, offsets.regso + i])),
    kommun: new Map(kommunCodes.map((code, i) => [code, offsets.kommun + i])),
    lan: new Map(lanCodes.map((code, i) => [code, offsets.lan + i])),
  };
  // up[level][desoIndex] = index of the area at that level containing the DeSO.
  const up = LEVELS.map(() => new Int32Array(frame.length));
  const sums = new Map<number, { residents: number; x: number; y: number; omradestyp: number | null; regso: number | null; kommun: number | null; lan: number | null }>();
  const add = (idx: number, area: FrameArea, ancestors: { omradestyp: number | null; regso: number | null; kommun: number | null; lan: number | null }) => {
    const sum = sums.get(idx) ?? { residents: 0, x: 0, y: 0, ...ancestors };
    sum.residents += area.residents;
    sum.x += area.x * area.residents;
    sum.y += area.y * area.residents;
    sums.set(idx, sum);
  };
  frame.forEach((area, i) => {
    const regso = indexOf.regso.get(area.regso)!;
    const kommun = indexOf.kommun.get(area.kommun)!;
    const lan = indexOf.lan.get(area.lan)!;
    [i, regso, kommun, lan, offsets.country].forEach((idx, level) => (up[level][i] = idx));
    const [lon, lat] = sweref99tmToWgs84([area.x, area.y]);
    areas.push({ idx: i, id: `deso2018:${area.deso}`, level: 'DESO', omradestyp: area.omradestyp, residents: area.residents, lon, lat, regso, kommun, lan });
    add(regso, area, { omradestyp: area.omradestyp, regso, kommun, lan });
    add(kommun, area, { omradestyp: null, regso: null, kommun, lan });
    add(lan, area, { omradestyp: null, regso: null, kommun: null, lan });
    add(offsets.country, area, { omradestyp: null, regso: null, kommun: null, lan: null });
  });
  const above: [Level, string, number][] = [
    ...regsoCodes.map((code): [Level, string, number] => ['REGSO', `regso2020:${code}`, indexOf.regso.get(code)!]),
    ...kommunCodes.map((code): [Level, string, number] => ['KOMMUN', `kommun:${code}`, indexOf.kommun.get(code)!]),
    ...lanCodes.map((code): [Level, string, number] => ['LAN', `lan:${code}`, indexOf.lan.get(code)!]),
    ['COUNTRY', 'country:SE', offsets.country],
  ];
  for (const [level, id, idx] of above) {
    const sum = sums.get(idx)!;
    const [lon, lat] = sweref99tmToWgs84([sum.x / sum.residents, sum.y / sum.residents]);
    areas.push({ idx, id, level, omradestyp: sum.omradestyp, residents: sum.residents, lon, lat, regso: sum.regso, kommun: sum.kommun, lan: sum.lan });
  }
  return { areas, up };
}

/**
 * The 1 km grid squares (SCB rutid) the cells lie in, as areas numbered from `firstIdx`: an activity is placed in the
 * square of the cell seen most during it. A square's residents are the extrapolated devices whose home activity is in
 * it; its kommun and län are those of the DeSO its first cell serves (squares can straddle a border).
 */
export function indexGridSquares(
  plan: CellPlan, frameAreas: readonly AreaRow[], result: PipelineResult, weights: Float64Array, firstIdx: number,
): { gridOfCell: Int32Array; squares: AreaRow[] } {
  const codeOfCell = new Map<number, string>();
  for (const cell of plan.cells) codeOfCell.set(cell.id, gridSquareCode(cell.x, cell.y));
  const codes = [...new Set(codeOfCell.values())].sort();
  const idxOf = new Map(codes.map((code, i) => [code, firstIdx + i]));
  const cellCount = plan.cells.reduce((max, cell) => Math.max(max, cell.id + 1), 0);
  const gridOfCell = new Int32Array(cellCount).fill(-1);
  const firstCellArea = new Map<number, number>();
  for (const cell of plan.cells) {
    const idx = idxOf.get(codeOfCell.get(cell.id)!)!;
    gridOfCell[cell.id] = idx;
    if (!firstCellArea.has(idx)) firstCellArea.set(idx, cell.area);
  }
  const residents = new Float64Array(codes.length);
  let lastDevice = -1;
  for (const activity of result.activities) {
    // One home per device: its first home activity places it.
    if (activity.type !== HOME || activity.device === lastDevice) continue;
    lastDevice = activity.device;
    residents[gridOfCell[activity.cell] - firstIdx] += weights[activity.device];
  }
  const squares = codes.map((code, i): AreaRow => {
    const [e, n] = gridSquareCorner(code);
    const [lon, lat] = sweref99tmToWgs84([e + 500, n + 500]);
    const deso = frameAreas[firstCellArea.get(firstIdx + i)!];
    return { idx: firstIdx + i, id: `grid1km:${code}`, level: 'GRID', omradestyp: null, residents: Math.round(residents[i]), lon, lat, regso: null, kommun: deso.kommun, lan: deso.lan };
  });
  return { gridOfCell, squares };
}

/** Extrapolation weight per device: residents of its home DeSO divided by the devices living there; 0 without a home. */
export function extrapolationWeights(result: PipelineResult, frame: FrameArea[]): Float64Array {
  const devicesAt = new Float64Array(frame.length);
  for (const home of result.home) if (home >= 0) devicesAt[home] += 1;
  return Float64Array.from(result.home, (home) => (home >= 0 ? frame[home].residents / devicesAt[home] : 0));
}

export interface BuildInput {
  frame: FrameArea[];
  /** The cell plan the events were seen on: cell positions place activities in grid squares. */
  plan: CellPlan;
  result: PipelineResult;
  config: MobilityConfig;
  description: string;
}

/** Fills the empty store: areas, presence per area/day/hour/type at every level (distinct devices), trips, metadata. */
export function loadMobilityStore(db: Store, input: BuildInput): void {
  const { frame, result, config } = input;
  const { areas: frameAreas, up } = indexAreas(frame);
  const weights = extrapolationWeights(result, frame);
  const { gridOfCell, squares } = indexGridSquares(input.plan, frameAreas, result, weights, frameAreas.length);
  const areas = [...frameAreas, ...squares];
  // Every level as a mapping from an activity's DeSO and cell to an area index, with the areas it can reach.
  const levels = [
    ...up.map((level) => ({ areaOf: (frameIndex: number) => level[frameIndex], targets: new Set(level) })),
    { areaOf: (_: number, cell: number) => gridOfCell[cell], targets: new Set(squares.map((square) => square.idx)) },
  ];
  const dates = config.dates;
  const localTime = result.localTime;
  if (!localTime) throw new Error('The pipeline result carries no local time; the mobility store needs it for local hours');
  const lastSecond = result.activities.reduce((last, activity) => Math.max(last, activity.end), 0);
  const clock = new LocalClock(localTime, lastSecond);
  // Local day number (days since 1970 local) of each simulated date.
  const dayOfDate = new Map(dates.map((date) => [Math.round(Date.parse(`${date}T00:00:00Z`) / DAY_MS), date]));
  const insertArea = db.insert(mobilityArea).values({
    idx: sql.placeholder('idx'), id: sql.placeholder('id'), level: sql.placeholder('level'), omradestyp: sql.placeholder('omradestyp'),
    residents: sql.placeholder('residents'), lon: sql.placeholder('lon'), lat: sql.placeholder('lat'),
    regso: sql.placeholder('regso'), kommun: sql.placeholder('kommun'), lan: sql.placeholder('lan'),
  }).prepare();
  for (const area of areas) insertArea.run({ ...area });

  const insertPresence = db.insert(presence).values({
    area: sql.placeholder('area'), date: sql.placeholder('date'), hour: sql.placeholder('hour'), type: sql.placeholder('type'),
    devices: sql.placeholder('devices'), persons: sql.placeholder('persons'),
  }).prepare();
  // Each level is counted from the device-level activities, so a device counts once per area even at coarse levels.
  for (const [day, date] of dayOfDate) {
    const dayStart = clock.instant(day * 86_400);
    for (const { areaOf, targets } of levels) {
      const { devices, persons } = presenceByHour(result, areaOf, areas.length, { dayStart, weights });
      for (const area of targets) {
        for (let hour = 0; hour <= WHOLE_DAY; hour++) {
          for (let type = 0; type <= ANY_TYPE; type++) {
            const cell = presenceIndex(area, hour, type);
            if (devices[cell] > 0) insertPresence.run({ area, date, hour, type, devices: devices[cell], persons: persons![cell] });
          }
        }
      }
    }
  }

  // Trips and long journeys share their columns: both ends at every level, placed by DeSO and by cell.
  const endValues = (origin: number, originCell: number, destination: number, destinationCell: number) => ({
    o0: up[0][origin], o1: up[1][origin], o2: up[2][origin], o3: up[3][origin], ot: frame[origin].omradestyp, og: gridOfCell[originCell],
    d0: up[0][destination], d1: up[1][destination], d2: up[2][destination], d3: up[3][destination], dt: frame[destination].omradestyp,
    dg: gridOfCell[destinationCell],
  });
  const endPlaceholders = {
    originDeso: sql.placeholder('o0'), originRegso: sql.placeholder('o1'), originKommun: sql.placeholder('o2'), originLan: sql.placeholder('o3'),
    originType: sql.placeholder('ot'), originGrid: sql.placeholder('og'),
    destinationDeso: sql.placeholder('d0'), destinationRegso: sql.placeholder('d1'), destinationKommun: sql.placeholder('d2'),
    destinationLan: sql.placeholder('d3'), destinationType: sql.placeholder('dt'), destinationGrid: sql.placeholder('dg'),
  };
  const common = { device: sql.placeholder('device'), date: sql.placeholder('date'), hour: sql.placeholder('hour'), distance: sql.placeholder('distance'), weight: sql.placeholder('weight') };
  const insertTrip = db.insert(trip).values({ ...common, ...endPlaceholders }).prepare();
  let trips = 0;
  for (const t of result.trips) {
    const weight = weights[t.device];
    const date = dayOfDate.get(clock.dayOf(t.start));
    if (weight === 0 || date === undefined) continue;
    insertTrip.run({
      device: t.device, date, hour: clock.hourOf(t.start), distance: t.distance, weight,
      ...endValues(t.origin, t.originCell, t.destination, t.destinationCell),
    });
    trips += 1;
  }

  const insertLongTrip = db.insert(longTrip).values({ ...common, legs: sql.placeholder('legs'), mode: sql.placeholder('mode'), ...endPlaceholders }).prepare();
  let longTrips = 0;
  for (const j of detectJourneys(result, input.plan, { longOnly: true })) {
    const weight = weights[j.device];
    const date = dayOfDate.get(clock.dayOf(j.start));
    if (weight === 0 || date === undefined) continue;
    insertLongTrip.run({
      device: j.device, date, hour: clock.hourOf(j.start), distance: j.distance, weight, legs: j.legs, mode: TRAVEL_MODES.indexOf(j.mode),
      ...endValues(j.origin, j.originCell, j.destination, j.destinationCell),
    });
    longTrips += 1;
  }

  const withHome = result.home.filter((home) => home >= 0).length;
  const meta: Record<string, string> = {
    synthetic: 'true',
    methodVersion: METHOD_VERSION,
    seed: String(config.seed),
    sampleShare: String(config.sampleShare),
    dates: JSON.stringify(dates),
    description: input.description,
    events: String(result.stats.events),
    devices: String(result.stats.devices),
    devicesWithHome: String(withHome),
    activities: String(result.activities.length),
    trips: String(trips),
    longTrips: String(longTrips),
  };
  const insertMeta = db.insert(datasetMeta).values({ key: sql.placeholder('key'), value: sql.placeholder('value') }).prepare();
  for (const [key, value] of Object.entries(meta)) insertMeta.run({ key, value });
}
