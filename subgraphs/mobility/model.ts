// Shapes shared by the mobility pipeline, the synthetic generator and the subgraph: areas, cells, events, activities, trips.

/** Version of the definitions every value is computed with; bumped when a definition changes (series break). */
export const METHOD_VERSION = 'scb-mno-2023.1';

/** SCB's rule: an activity is a stationary signal of at least this long in the same or an adjacent area. */
export const MIN_STAY_SECONDS = 40 * 60;

export const ACTIVITY_TYPES = ['home', 'work', 'other'] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];
/** Activity types as small integers in typed arrays: index into ACTIVITY_TYPES. */
export const HOME = 0;
export const WORK = 1;
export const OTHER = 2;

/** Boverket's five områdestyper (1 = major socio-economic challenges … 5 = very good conditions). */
export type Omradestyp = 1 | 2 | 3 | 4 | 5;

/** One DeSO 2018 of the area frame, with everything the generator and the aggregation need. */
export interface FrameArea {
  /** DeSO 2018 code, e.g. "0180C1010". */
  deso: string;
  /** RegSO 2020 code, e.g. "0180R001". */
  regso: string;
  kommun: string;
  lan: string;
  omradestyp: Omradestyp;
  /** The DeSO category letter: A mostly outside population concentrations, B in a tätort, C in the central tätort. */
  category: 'A' | 'B' | 'C';
  /** Residents (synthetic, constrained to the real kommun total). */
  residents: number;
  /** Position in SWEREF 99 TM metres (EPSG:3006). */
  x: number;
  y: number;
}

/** A radio cell: where it is and which DeSO (frame index) it serves. */
export interface Cell {
  id: number;
  /** Index into the frame's areas. */
  area: number;
  x: number;
  y: number;
}

/** The cell plan: cells and, per cell id, the cells counted as "the same or an adjacent area" (handover neighbours). */
export interface CellPlan {
  cells: Cell[];
  /** neighbours[cellId] lists the ids of cells adjacent to it (not including itself). */
  neighbours: number[][];
}

/**
 * Signal events in columnar form, sorted by device, then time: the pipeline's input, from an operator's traces or the
 * generator. Times are seconds since `epoch` (an ISO timestamp, the start of the period).
 */
export interface EventBatch {
  epoch: string;
  device: Uint32Array;
  time: Uint32Array;
  cell: Uint32Array;
  length: number;
}

/** A detected activity: a stay of at least MIN_STAY_SECONDS, labelled home, work or other. */
export interface Activity {
  device: number;
  /** Frame index of the area the stay is in (the area of the cell seen most during it). */
  area: number;
  /** Id of the cell seen most during the stay: its position places the activity (grid squares, distances). */
  cell: number;
  /** Seconds since the period's epoch. */
  start: number;
  end: number;
  type: number;
}

/** A directional movement of one device from one activity to another: a trip, or a journey of chained trips. */
export interface Movement {
  device: number;
  /** Frame indexes of the origin and destination activities' areas. */
  origin: number;
  destination: number;
  /** Cells of the origin and destination activities (see Activity.cell); -1 in the ground truth. */
  originCell: number;
  destinationCell: number;
  /** End of the origin activity and start of the destination activity, seconds since the epoch. */
  start: number;
  end: number;
  /** Straight-line distance between the two activities' positions, metres. */
  distance: number;
}

/** A trip: a directional movement between two consecutive activities of one device. */
export type Trip = Movement;

/**
 * How a batch's seconds map to local clock time: the batch's epoch plus either an IANA time zone or a fixed offset.
 * An epoch without a UTC offset is read as wall-clock time in that zone.
 */
export interface LocalTime {
  epoch: string;
  /** IANA time zone, e.g. "Europe/Stockholm"; ignored when utcOffsetMinutes is set. */
  timeZone?: string;
  /** Fixed offset east of UTC in minutes (60 for Swedish winter time). */
  utcOffsetMinutes?: number;
}

/** What the pipeline produces for a batch of events. */
export interface PipelineResult {
  activities: Activity[];
  trips: Trip[];
  /** Per device: the frame index of its home (the area of its home activities), or -1 when none was found. */
  home: Int32Array;
  /** Events read, devices seen, and events dropped as duplicates or out of order. */
  stats: { events: number; devices: number; dropped: number };
  /** The clock the labels were computed with; the hourly aggregations read local hours through it. */
  localTime?: LocalTime;
}

/**
 * SCB's storstadsregioner, as kommun codes: Stor-Stockholm is Stockholms län, Stor-Göteborg and Stor-Malmö are the
 * kommuner SCB lists for them (the regions SCB's November 2022 analysis of mobile-network trips used).
 */
export const METRO_REGIONS = {
  STOCKHOLM: [
    '0114', '0115', '0117', '0120', '0123', '0125', '0126', '0127', '0128', '0136', '0138', '0139', '0140', '0160', '0162', '0163',
    '0180', '0181', '0182', '0183', '0184', '0186', '0187', '0188', '0191', '0192',
  ],
  GOTEBORG: ['1384', '1401', '1402', '1407', '1415', '1419', '1440', '1441', '1462', '1480', '1481', '1482', '1489'],
  MALMO: ['1230', '1231', '1233', '1261', '1262', '1263', '1264', '1267', '1280', '1281', '1285', '1287'],
} as const satisfies Record<string, readonly string[]>;
export type MetroRegion = keyof typeof METRO_REGIONS;

/**
 * Travel-mode classes of long journeys (SCB's product from 2023 has a mode class; Trafikanalys notes mode "has proved
 * hard to capture" from mobile-network data): road, rail, air, or UNKNOWN when the times fit none or were not inferred.
 */
export const TRAVEL_MODES = ['ROAD', 'RAIL', 'AIR', 'UNKNOWN'] as const;
export type TravelMode = (typeof TRAVEL_MODES)[number];
export type KnownTravelMode = Exclude<TravelMode, 'UNKNOWN'>;

/** A mode's door-to-door time for a way of d straight-line km: accessSeconds + d / kmh hours. */
export interface DoorToDoor {
  /** Fixed time: out of town, to and from the station or airport, waiting, security. */
  accessSeconds: number;
  /** Speed over the straight line, detours of road, track or flight path included. */
  kmh: number;
}

/**
 * Door-to-door times by mode, assumptions at Swedish orders of magnitude (not a published model): the car about
 * 75 km/h over the straight line (motorways at 90–120 km/h, roads about 1.2 times the straight line, towns at both
 * ends) after a quarter of an hour; the train about 110 km/h (Stockholm–Göteborg, some 400 km, in about 3 h by X2000,
 * regional trains slower) plus an hour to, at and from the stations; a flight about 500 km/h (Stockholm–Luleå, some
 * 700 km, in about 1 h 15 min) plus 2.5 hours to the airport, through security and from the airport. The generator
 * draws true times around them; the pipeline infers modes against them (fit them to a travel survey for real traces).
 */
export const DOOR_TO_DOOR: Readonly<Record<KnownTravelMode, DoorToDoor>> = {
  ROAD: { accessSeconds: 15 * 60, kmh: 75 },
  RAIL: { accessSeconds: 60 * 60, kmh: 110 },
  AIR: { accessSeconds: 150 * 60, kmh: 500 },
};

/**
 * A journey: consecutive trips of one device chained through short en-route activities (a meal, a change of train) to
 * a final destination: its origin is the first trip's, its destination the final one, its distance the straight line
 * between them. One trip with no such stop is a journey of one leg.
 */
export interface Journey extends Movement {
  /** Trips chained: one more than the en-route activities. */
  legs: number;
  /** Whether the distance reaches the long-journey threshold (100 km unless configured). */
  long: boolean;
  /** The travel mode: inferred for long journeys (UNKNOWN for the others), true in the ground truth. */
  mode: TravelMode;
}
