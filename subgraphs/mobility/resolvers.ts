// Resolvers of the mobility subgraph: arguments checked, loaders called, every published value protected.
import { isAreaId, parseAreaId } from '../../lib/area-id.ts';
import { badUserInput } from '../../lib/errors.ts';
import { compositionFromRequires, countEstimateOf, listIds, type Composition, type CompositionPart } from '../../lib/estimate.ts';
import type { GraphQLResolverMap } from '../../lib/subgraph.ts';
import type { AreaRow, Level } from './build.ts';
import { ANY_TYPE, WHOLE_DAY } from './pipeline/index.ts';
import { protect, protectAll, summarize, type ProtectedCell } from './disclosure.ts';
import type { MobilityLoaders } from './loaders.ts';
import { HOME, METRO_REGIONS, OTHER, TRAVEL_MODES, WORK, type MetroRegion } from './model.ts';
import { OUTSIDE, type Counts, type Direction, type Grouping, type MobilitySource } from './source.ts';

export interface MobilityContext {
  source: MobilitySource;
  loaders: MobilityLoaders;
}

interface AreaRef {
  id: string;
  /** The NYKO composition the gateway fetched from nyko for fields that @require it. */
  nykoComposition?: unknown;
}

/** A NYKO area's composition on one day, as the MobilityEstimate fields receive it. */
interface NykoDay {
  composition: Composition;
  date: string;
}

/** An area's mobility on one day, as the AreaMobility fields receive it. */
interface AreaDay {
  area: AreaRow;
  date: string;
}

const TYPE_INDEX = { ALL: ANY_TYPE, HOME, WORK, OTHER } as const;
const MAX_FLOWS = 100;
/** The long-journey threshold the store was built with (detectJourneys' default). */
const LONG_TRIP_KM = 100;

/** The area the aggregates are kept under: a DeSO 2025 code that also exists in 2018 is the same, unchanged DeSO. */
function mobilityArea(source: MobilitySource, id: string): AreaRow | undefined {
  const area = parseAreaId(id);
  if (area.kind === 'deso2025') return source.areaById(`deso2018:${area.code}`);
  return source.areaById(area.id);
}

function checkDate(source: MobilitySource, date: string | null | undefined): string {
  const dates = source.info.dates;
  if (date == null) return dates[0];
  if (!dates.includes(date)) {
    throw badUserInput(`date "${date}" is not in the mobility data set: expected one of ${dates.join(', ')} (ISO dates)`, { argumentName: 'date' });
  }
  return date;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A series bound: an ISO date (any day; it need not be in the data set), or null for an open end. */
function seriesBound(value: string | null | undefined, name: string): string | null {
  if (value == null) return null;
  if (!ISO_DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw badUserInput(`${name} "${value}" is not an ISO date: expected YYYY-MM-DD, e.g. "2022-11-15"`, { argumentName: name });
  }
  return value;
}

function checkHour(value: number, name: string, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw badUserInput(`${name} ${value} is out of range: expected a whole hour from 0 to ${max} (local time)`, { argumentName: name });
  }
}

function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_FLOWS) {
    throw badUserInput(`limit ${limit} is out of range: expected 1 to ${MAX_FLOWS}`, { argumentName: 'limit' });
  }
}

const disclosureOf = (summary: ReturnType<typeof summarize>) => ({ ...summary, method: summary.method.toUpperCase() });

const cellOf = (cell: ProtectedCell) => ({ value: cell.value, suppressed: cell.suppressed });

/** Hourly counts and a whole-day total, each protected on its own (the total is never the sum of the hours). */
function hourlyValues(source: MobilitySource, key: string, hours: Counts[], total: Counts, lowerBound = false) {
  const protectedHours = hours.map((counts, hour) => ({ hour, ...protect(counts, source.disclosure, `${key}|${hour}`) }));
  const protectedTotal = protect(total, source.disclosure, `${key}|day`);
  const suppressed = protectedHours.filter((h) => h.suppressed).length + (protectedTotal.suppressed ? 1 : 0);
  return { hours: protectedHours, total: cellOf(protectedTotal), disclosure: disclosureOf(summarize(source.disclosure, suppressed, lowerBound)) };
}

/** Which kommuner (store indexes) a region covers. */
function regionKommuner(source: MobilitySource, region: { metro?: MetroRegion | null; area?: string | null }): number[] {
  if ((region.metro == null) === (region.area == null)) {
    throw badUserInput('region needs exactly one of metro (STOCKHOLM, GOTEBORG, MALMO) or area (a län or kommun id, e.g. "lan:01")', {
      argumentName: 'region',
    });
  }
  if (region.metro != null) return METRO_REGIONS[region.metro].map((code) => source.areaById(`kommun:${code}`)!.idx);
  const id = region.area!;
  const area = isAreaId(id) ? source.areaById(parseAreaId(id).id) : undefined;
  if (!area || (area.level !== 'KOMMUN' && area.level !== 'LAN')) {
    throw badUserInput(`region area "${id}" is not a län or kommun id the mobility data covers, e.g. "lan:01" or "kommun:1480"`, {
      argumentName: 'region',
    });
  }
  if (area.level === 'KOMMUN') return [area.idx];
  return source.areas.filter((candidate) => candidate.level === 'KOMMUN' && candidate.lan === area.idx).map((kommun) => kommun.idx);
}

async function flowList(
  parent: AreaDay,
  args: { limit: number; level?: Level | null; includeSelf: boolean },
  { source, loaders }: MobilityContext,
  direction: Direction,
  movements: 'flows' | 'longTrips' = 'flows',
) {
  checkLimit(args.limit);
  const otherLevel = args.level ?? parent.area.level;
  const { flows, total, lowerBound } = await loaders[movements].load({ area: parent.area.idx, level: parent.area.level, date: parent.date, direction, otherLevel });
  const key = `${parent.area.id}|${parent.date}|${movements}|${direction}|${otherLevel}`;
  const candidates = flows.filter((flow) => args.includeSelf || flow.other !== parent.area.idx);
  const { cells, summary } = protectAll(candidates, source.disclosure, (flow) => `${key}|${flow.other}`);
  const protectedTotal = protect(total, source.disclosure, `${key}|total`);
  const ranked = cells
    .sort((a, b) => (b.value ?? -1) - (a.value ?? -1) || a.other - b.other)
    .slice(0, args.limit)
    .map((flow) => ({
      area: { id: source.areaByIndex(flow.other).id },
      trips: flow.value,
      suppressed: flow.suppressed,
      share: flow.value !== null && protectedTotal.value ? flow.value / protectedTotal.value : null,
    }));
  const suppressed = summary.suppressedCells + (protectedTotal.suppressed ? 1 : 0);
  return { flows: ranked, total: cellOf(protectedTotal), disclosure: disclosureOf(summarize(source.disclosure, suppressed, lowerBound ?? false)) };
}

interface DayNightArgs {
  nightHour: number;
  dayFrom: number;
  dayTo: number;
}

/** The day and night window arguments checked, as BAD_USER_INPUT naming the argument. */
function checkDayNight(args: DayNightArgs): void {
  checkHour(args.nightHour, 'nightHour', 23);
  checkHour(args.dayFrom, 'dayFrom', 23);
  checkHour(args.dayTo, 'dayTo', 24);
  if (args.dayTo <= args.dayFrom) throw badUserInput(`dayTo ${args.dayTo} must be after dayFrom ${args.dayFrom}`, { argumentName: 'dayTo' });
}

/** Night and day presence of an area on a day, each protected on its own: for dayNightPopulation and NYKO estimates. */
async function dayNightCells({ source, loaders }: MobilityContext, area: AreaRow, date: string, args: DayNightArgs) {
  checkDayNight(args);
  const row = await loaders.presence.load({ area: area.idx, date });
  const at = (hour: number) => hour * (ANY_TYPE + 1) + ANY_TYPE;
  const dayHours = Array.from({ length: args.dayTo - args.dayFrom }, (_, i) => args.dayFrom + i);
  const key = `${area.id}|${date}`;
  const night = protect({ devices: row.devices[at(args.nightHour)], value: row.persons[at(args.nightHour)] }, source.disclosure, `${key}|night|${args.nightHour}`);
  // The day value is a mean of hourly presences; it is published only when every hour behind it has k devices.
  const day = protect(
    {
      devices: Math.min(...dayHours.map((hour) => row.devices[at(hour)])),
      value: dayHours.reduce((sum, hour) => sum + row.persons[at(hour)], 0) / dayHours.length,
    },
    source.disclosure,
    `${key}|day|${args.dayFrom}-${args.dayTo}`,
  );
  return { night, day, lowerBound: row.lowerBound };
}

function dayNightDefinition(date: string, args: DayNightArgs): string {
  return (
    `Persons with any activity (a stay of at least 40 minutes) in the area: night = during ${String(args.nightHour).padStart(2, '0')}:00–` +
    `${String(args.nightHour + 1).padStart(2, '0')}:00, day = the mean over the hours ${args.dayFrom}:00–${args.dayTo}:00, local time, ${date}; ` +
    'extrapolated to the residents of each device’s home DeSO.'
  );
}

/** The key trip cells are protected under: the same cell gets the same perturbation wherever it is published. */
const tripsKey = (area: AreaRow, date: string, direction: Direction) => `${area.id}|${date}|trips|${direction}`;

/** The published (protected) whole-day trip total of an area: the same cell AreaMobility.trips gives as its total. */
async function tripTotal({ source, loaders }: MobilityContext, area: AreaRow, date: string, direction: Direction) {
  const { total } = await loaders.trips.load({ area: area.idx, level: area.level, date, direction });
  return protect(total, source.disclosure, `${tripsKey(area, date, direction)}|day`);
}

/**
 * The composition on the DeSO the aggregates are kept on (2018). A DeSO 2025 with its 2018 code is that DeSO; the parts
 * of a DeSO 2018 that SCB split in 2025 are put back together: the 2018 DeSO weighs the mean of its parts' weights (a
 * part outside the area weighs 0), i.e. its people are taken as shared equally between its parts, as SCB splits a DeSO
 * into parts of similar population; it is inside only when every part is. Weights still sum to 1 over a level.
 */
function onMobilityDeso(source: MobilitySource, composition: Composition): { composition: Composition; merged: string[] } {
  const parts: CompositionPart[] = [];
  const grouped = new Map<string, CompositionPart[]>();
  for (const part of composition.parts) {
    const { kind, code } = parseAreaId(part.targetId);
    const parent = `${code.slice(0, -1)}0`;
    if (kind === 'deso2025' && !source.areaById(`deso2018:${code}`) && source.desoSplits.get(parent)?.includes(code) && source.areaById(`deso2018:${parent}`)) {
      grouped.set(parent, [...(grouped.get(parent) ?? []), part]);
    } else {
      parts.push(part);
    }
  }
  for (const [parent, members] of grouped) {
    const count = source.desoSplits.get(parent)!.length;
    const weight = members.reduce((sum, part) => sum + part.weight, 0) / count;
    parts.push({ targetId: `deso2018:${parent}`, weight, inside: members.length === count && members.every((part) => part.inside === true) });
  }
  return { composition: { ...composition, parts }, merged: [...grouped.keys()] };
}

/**
 * Estimates a count on a NYKO area from the DeSO it is made of: `value` gives a DeSO's published value (null when
 * suppressed). A DeSO 2025 without aggregates (a code new since 2018 that is not a split) is missing, and the reason says which.
 */
async function mobilityCountEstimate(
  parent: NykoDay,
  context: MobilityContext,
  value: (area: AreaRow) => Promise<number | null> | number | null,
) {
  const { composition, merged } = onMobilityDeso(context.source, parent.composition);
  const parts = composition.parts.filter((part) => part.weight > 0);
  const rows = parts.map((part) => mobilityArea(context.source, part.targetId));
  const values = await Promise.all(rows.map((row) => (row ? value(row) : null)));
  const uncovered = parts.filter((_, i) => !rows[i]).map((part) => part.targetId);
  return countEstimateOf(composition, new Map(parts.map((part, i) => [part.targetId, values[i]])), {
    missingReason: (missing, inputs) =>
      uncovered.length > 0
        ? `${uncovered.length} of ${inputs} DeSO have no mobility aggregates (${listIds(uncovered)}): their DeSO 2025 codes are new since DeSO 2018, which the aggregates are kept on (${parent.date}).`
        : `${missing.length} of ${inputs} DeSO are suppressed by disclosure control (fewer than k devices): ${listIds(missing)} (${parent.date}).`,
    caveat:
      merged.length > 0
        ? `The aggregates are kept on DeSO 2018: ${merged.length} DeSO split by SCB in 2025 (${listIds(merged.map((code) => `deso2018:${code}`))}) count whole, ` +
          'weighted by the mean of their 2025 parts’ weights (their people taken as shared equally between the parts).'
        : null,
  });
}

export const resolvers: GraphQLResolverMap<MobilityContext> = {
  Query: {
    mobilitySource: (_: unknown, __: unknown, { source }: MobilityContext) => source.info,
    mobilityFlowMatrix: (
      _: unknown,
      args: { region: { metro?: MetroRegion | null; area?: string | null }; groupBy: Grouping; date?: string | null },
      { source }: MobilityContext,
    ) => {
      const date = checkDate(source, args.date);
      const matrix = source.flowMatrix(regionKommuner(source, args.region), args.groupBy, date);
      const key = `matrix|${JSON.stringify(args.region)}|${args.groupBy}|${date}`;
      const { cells, summary } = protectAll(matrix.cells, source.disclosure, (cell) => `${key}|${cell.from}|${cell.to}`);
      const total = protect(matrix.total, source.disclosure, `${key}|total`);
      const groups = [...new Set(matrix.cells.flatMap((cell) => [cell.from, cell.to]))].filter((g) => g !== OUTSIDE).sort();
      return {
        groups: matrix.cells.some((cell) => cell.to === OUTSIDE) ? [...groups, OUTSIDE] : groups,
        cells: cells
          .sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to))
          .map((cell) => ({
            from: cell.from,
            to: cell.to,
            trips: cell.value,
            suppressed: cell.suppressed,
            share: cell.value !== null && total.value ? cell.value / total.value : null,
          })),
        total: cellOf(total),
        split: matrix.split,
        disclosure: disclosureOf(summarize(source.disclosure, summary.suppressedCells + (total.suppressed ? 1 : 0), matrix.lowerBound ?? false)),
        source: source.info,
      };
    },
    mobilityFlowmap: (
      _: unknown,
      args: { region: { metro?: MetroRegion | null; area?: string | null }; level: Level; date?: string | null; minTrips: number },
      { source }: MobilityContext,
    ) => {
      if (args.level === 'COUNTRY') throw badUserInput('level COUNTRY has one location and no flows: choose DESO, REGSO, KOMMUN or LAN', { argumentName: 'level' });
      const date = checkDate(source, args.date);
      const matrix = source.flowMatrix(regionKommuner(source, args.region), args.level, date);
      const key = `flowmap|${JSON.stringify(args.region)}|${args.level}|${date}`;
      const inside = matrix.cells.filter((cell) => cell.to !== OUTSIDE);
      const { cells, summary } = protectAll(inside, source.disclosure, (cell) => `${key}|${cell.from}|${cell.to}`);
      const flows = cells.filter((cell) => cell.value !== null && cell.value >= args.minTrips);
      const ids = [...new Set(flows.flatMap((flow) => [flow.from, flow.to]))].sort();
      return {
        locations: ids.map((id) => {
          const area = source.areaById(id)!;
          return { id, name: parseAreaId(id).code, lat: area.lat, lon: area.lon };
        }),
        flows: flows.map((flow) => ({ origin: flow.from, dest: flow.to, count: flow.value })),
        disclosure: disclosureOf({ ...summary, lowerBound: matrix.lowerBound ?? false }),
      };
    },
  },
  Area: {
    // Async so one malformed representation fails only its own entry of _entities.
    __resolveReference: async (reference: AreaRef): Promise<AreaRef> => ({ id: parseAreaId(reference.id).id, nykoComposition: reference.nykoComposition }),
    mobilityEstimate: (area: AreaRef, { date }: { date?: string | null }, { source }: MobilityContext): NykoDay | null => {
      const composition = compositionFromRequires(area.nykoComposition);
      return composition && { composition, date: checkDate(source, date) };
    },
    mobility: (area: AreaRef, { date }: { date?: string | null }, { source }: MobilityContext): AreaDay | null => {
      const row = mobilityArea(source, area.id);
      return row ? { area: row, date: checkDate(source, date) } : null;
    },
    mobilitySeries: (area: AreaRef, args: { from?: string | null; to?: string | null }, { source }: MobilityContext): AreaDay[] | null => {
      const from = seriesBound(args.from, 'from');
      const to = seriesBound(args.to, 'to');
      if (from !== null && to !== null && to < from) throw badUserInput(`to "${to}" is before from "${from}": give the earlier day as from`, { argumentName: 'to' });
      const row = mobilityArea(source, area.id);
      const inRange = (date: string) => (from === null || date >= from) && (to === null || date <= to);
      return row ? [...source.info.dates].sort().filter(inRange).map((date) => ({ area: row, date })) : null;
    },
  },
  MobilityEstimate: {
    date: (parent: NykoDay) => parent.date,
    residents: (parent: NykoDay, _: unknown, context: MobilityContext) => mobilityCountEstimate(parent, context, (row) => row.residents),
    dayNightPopulation: async (parent: NykoDay, args: DayNightArgs, context: MobilityContext) => {
      checkDayNight(args);
      const cells = new Map<AreaRow, Awaited<ReturnType<typeof dayNightCells>>>();
      const cellsOf = async (row: AreaRow) => {
        if (!cells.has(row)) cells.set(row, await dayNightCells(context, row, parent.date, args));
        return cells.get(row)!;
      };
      const night = await mobilityCountEstimate(parent, context, async (row) => (await cellsOf(row)).night.value);
      const day = await mobilityCountEstimate(parent, context, async (row) => (await cellsOf(row)).day.value);
      return {
        night,
        day,
        ratio: night.value !== null && day.value !== null && night.value > 0 ? day.value / night.value : null,
        definition: `${dayNightDefinition(parent.date, args)} Estimated on the NYKO area as the weighted sum of its DeSO’s published values.`,
      };
    },
    trips: (parent: NykoDay, { direction }: { direction: Direction }, context: MobilityContext) =>
      mobilityCountEstimate(parent, context, async (row) => (await tripTotal(context, row, parent.date, direction)).value),
    source: (_: NykoDay, __: unknown, { source }: MobilityContext) => source.info,
  },
  AreaMobility: {
    residents: (parent: AreaDay) => parent.area.residents,
    source: (_: AreaDay, __: unknown, { source }: MobilityContext) => source.info,
    dayNightPopulation: async (
      parent: AreaDay,
      args: { nightHour: number; dayFrom: number; dayTo: number },
      { source, loaders }: MobilityContext,
    ) => {
      const { night, day, lowerBound } = await dayNightCells({ source, loaders }, parent.area, parent.date, args);
      const both = night.value !== null && day.value !== null;
      return {
        night: cellOf(night),
        day: cellOf(day),
        difference: both ? day.value! - night.value! : null,
        ratio: both && night.value! > 0 ? day.value! / night.value! : null,
        definition: dayNightDefinition(parent.date, args),
        disclosure: disclosureOf(summarize(source.disclosure, (night.suppressed ? 1 : 0) + (day.suppressed ? 1 : 0), lowerBound ?? false)),
      };
    },
    activities: async (parent: AreaDay, { type }: { type: keyof typeof TYPE_INDEX }, { source, loaders }: MobilityContext) => {
      const row = await loaders.presence.load({ area: parent.area.idx, date: parent.date });
      const t = TYPE_INDEX[type];
      const cell = (hour: number): Counts => ({ devices: row.devices[hour * (ANY_TYPE + 1) + t], value: row.persons[hour * (ANY_TYPE + 1) + t] });
      const hours = Array.from({ length: 24 }, (_, hour) => cell(hour));
      return hourlyValues(source, `${parent.area.id}|${parent.date}|activities|${type}`, hours, cell(WHOLE_DAY), row.lowerBound);
    },
    trips: async (parent: AreaDay, { direction }: { direction: Direction }, { source, loaders }: MobilityContext) => {
      const { hours, total, lowerBound } = await loaders.trips.load({ area: parent.area.idx, level: parent.area.level, date: parent.date, direction });
      return hourlyValues(source, tripsKey(parent.area, parent.date, direction), hours, total, lowerBound);
    },
    topDestinations: (parent: AreaDay, args: { limit: number; level?: Level | null; includeSelf: boolean }, context: MobilityContext) =>
      flowList(parent, args, context, 'OUTGOING'),
    topOrigins: (parent: AreaDay, args: { limit: number; level?: Level | null; includeSelf: boolean }, context: MobilityContext) =>
      flowList(parent, args, context, 'INCOMING'),
    longTrips: async (parent: AreaDay, args: { direction: Direction; limit: number; level: Level }, context: MobilityContext) => {
      const { source, loaders } = context;
      const places = await flowList(parent, { limit: args.limit, level: args.level, includeSelf: true }, context, args.direction, 'longTrips');
      const { modes, lowerBound } = await loaders.longTripModes.load({ area: parent.area.idx, level: parent.area.level, date: parent.date, direction: args.direction });
      const key = `${parent.area.id}|${parent.date}|longTrips|${args.direction}|mode`;
      const byMode = TRAVEL_MODES.map((mode, i) => ({ mode, ...protect(modes[i], source.disclosure, `${key}|${mode}`) }));
      const suppressed = places.disclosure.suppressedCells + byMode.filter((mode) => mode.suppressed).length;
      return {
        total: places.total,
        areas: places.flows,
        byMode: byMode.map((mode) => ({
          mode: mode.mode,
          trips: mode.value,
          suppressed: mode.suppressed,
          share: mode.value !== null && places.total.value ? mode.value / places.total.value : null,
        })),
        definition:
          `Journeys of at least ${LONG_TRIP_KM} km (straight line) ${args.direction === 'OUTGOING' ? 'starting in' : 'ending in'} the area on ${parent.date}: ` +
          'consecutive trips chained through en-route activities shorter than 2 hours that are not a detour, to the final ' +
          'destination; the travel mode is inferred from distance and travel time against door-to-door times by road, rail and air.',
        disclosure: disclosureOf(summarize(source.disclosure, suppressed, places.disclosure.lowerBound || (lowerBound ?? false))),
      };
    },
  },
};
