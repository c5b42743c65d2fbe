// Every tunable of the synthetic generator in one place, with the defaults calibrated against the test oracles T1–T9.
import { DOOR_TO_DOOR, type DoorToDoor, type KnownTravelMode, type Omradestyp } from '../model.ts';

type ByType = Record<Omradestyp, number>;
type ByCategory = Record<'A' | 'B' | 'C', number>;
/** The modes a long journey truly has, in the order of modeShares (UNKNOWN is only ever inferred). */
export const LONG_TRIP_MODES: readonly KnownTravelMode[] = ['ROAD', 'RAIL', 'AIR'];

export interface SyntheticParameters {
  /** Share of residents carried as devices (the operator's sample). */
  sampleShare: number;
  /** Local dates simulated (Europe/Stockholm), ISO yyyy-mm-dd, ascending. */
  dates: string[];

  /** Share of residents with a regular weekday place of work or study, by områdestyp (type 1 − type 5 ≈ −31 pp, Delmos). */
  employmentRate: ByType;
  /** Share of the employed who go to work on a weekday (the rest are on leave, ill or working at home). */
  workAttendance: number;
  /** Share of the employed who go to work on a Saturday or Sunday. */
  weekendWork: number;

  /** Job weight by DeSO category and by områdestyp; it also grows as local density^jobDensityExponent. */
  jobCategoryWeight: ByCategory;
  jobTypeWeight: ByType;
  jobDensityExponent: number;
  /** Radius in metres of the local labour market within which jobs about match workers. */
  jobMarketRadius: number;
  /** Radius in metres within which residents count towards a DeSO's density. */
  densityRadius: number;

  /** Commute deterrence f(d) = exp(−d/commuteDecayKm) + commuteTailWeight·exp(−d/commuteTailDecayKm), cut at commuteReachKm. */
  commuteDecayKm: number;
  commuteTailWeight: number;
  commuteTailDecayKm: number;
  commuteReachKm: number;
  /** Factor on f(d) between different kommuner: the border effect of gravity models. */
  commuteKommunBarrier: number;
  /**
   * Where fewer than commuteSparsePopulation people live within commuteSparseRadius metres, commuteDecayKm grows by
   * sqrt(commuteSparsePopulation / people), at most commuteSparseStretch times: thin labour markets mean longer commutes.
   */
  commuteSparsePopulation: number;
  commuteSparseRadius: number;
  commuteSparseStretch: number;

  /** Decay length of "other" trips: otherDecayFactor × the origin DeSO's radius, clamped to [otherDecayMinKm, otherDecayMaxKm]. */
  otherDecayFactor: number;
  otherDecayMinKm: number;
  otherDecayMaxKm: number;
  /** Attraction of a DeSO for other trips: jobs × (1 + centre bonus if category C) + otherResidentWeight × residents. */
  otherCentreBonus: number;
  otherResidentWeight: number;
  /** Probability that an other stop is in another DeSO of the current RegSO (school, shop, gym around the corner). */
  neighbourhoodOther: number;

  /** Mean and standard deviation (hours, local time) of departures to work and of leaving work. */
  workDeparture: [number, number];
  workEnd: [number, number];
  /** Probability of an other stop before work, and of the 1st, 2nd, 3rd chained stop after work. */
  preWorkOther: number;
  afterWorkOther: [number, number, number];
  /** Probability of an evening outing from home after the working day. */
  eveningOuting: number;
  /** Probabilities of 0, 1, 2, 3 outings from home on a day without work. */
  outings: [number, number, number, number];
  /** Probability that an outing visits a second other place before returning home. */
  chainedOther: number;
  /** Share of other stops that are short stops of 10–39 minutes (not activities under the 40-minute rule). */
  shortStopShare: number;
  /** Median (minutes) and log standard deviation of other activities' durations. */
  otherDuration: [number, number];
  /** Share of device-days with a long trip (> 100 km, to another län) and its minimum distance in km. */
  longTripShare: number;
  longTripMinKm: number;
  /**
   * Mean and standard deviation (local hours) of a long trip's departure, and the local hour it is back home by: long
   * trips are day trips, out and back, and the home stay after them must last long enough before the simulated day
   * ends to be seen as an activity, or the way back would end nowhere.
   */
  longTripDeparture: [number, number];
  longTripHomeBy: number;
  /** Door-to-door time by mode, and the spread of each journey's speed: a factor uniform in 1 ± longTripSpeedSpread. */
  longTripDoorToDoor: Record<KnownTravelMode, DoorToDoor>;
  longTripSpeedSpread: number;
  /**
   * Air is an option beyond longTripAirMinKm; its share grows linearly to longTripAirMaxShare at longTripAirFullKm.
   * Rail takes longTripRailShare of the rest between two central tätorter (C DeSO at both ends), the lower share
   * otherwise; road the remainder. Modes that cannot bring the traveller home the same day are left out.
   */
  longTripAirMinKm: number;
  longTripAirFullKm: number;
  longTripAirMaxShare: number;
  longTripRailShare: { central: number; other: number };
  /**
   * Journeys of at least longTripStopMinHours by road or rail may stop on the way: with longTripLongStop an activity of
   * longTripLongStopMinutes (a meal, a change with a long wait), with longTripShortStop a stop of
   * longTripShortStopMinutes (fuel, coffee, a quick change), too short to be an activity. Flights are direct.
   */
  longTripStopMinHours: number;
  longTripLongStop: Record<Exclude<KnownTravelMode, 'AIR'>, number>;
  longTripLongStopMinutes: [number, number];
  longTripShortStop: Record<Exclude<KnownTravelMode, 'AIR'>, number>;
  longTripShortStopMinutes: [number, number];
  /**
   * Km at each end of a flight covered on the ground (to and from the airport), and the speed in the air, where
   * phones are silent: the rest of the door-to-door time is on the ground.
   */
  airportAccessKm: number;
  airborneKmh: number;

  /** Mean time between events in minutes, drawn per device from these ranges: while stationary and while moving. */
  stayEventGapMinutes: [number, number];
  moveEventGapMinutes: [number, number];
  /** Stationary events are this many times rarer between 00:00 and 06:00 (phones idle at night). */
  nightGapFactor: number;
  /** Period of the periodic location update in hours, drawn per device. */
  locationUpdateHours: [number, number];
  /** Probability that an event is seen on a neighbour cell (handover or ping-pong) by DeSO category. */
  hopProbability: ByCategory;
  /** Probability that an event is lost, and that one is recorded twice. */
  dropProbability: number;
  duplicateProbability: number;
}

export const DEFAULT_PARAMETERS: SyntheticParameters = {
  sampleShare: 0.01,
  dates: ['2022-11-15'],

  employmentRate: { 1: 0.55, 2: 0.65, 3: 0.74, 4: 0.82, 5: 0.86 },
  workAttendance: 0.85,
  weekendWork: 0.15,

  jobCategoryWeight: { A: 0.35, B: 0.6, C: 1 },
  jobTypeWeight: { 1: 0.45, 2: 0.7, 3: 0.9, 4: 1.25, 5: 0.5 },
  jobDensityExponent: 0.35,
  jobMarketRadius: 40000,
  densityRadius: 2000,

  commuteDecayKm: 9,
  commuteTailWeight: 0.03,
  commuteTailDecayKm: 40,
  commuteReachKm: 100,
  commuteKommunBarrier: 0.6,
  commuteSparsePopulation: 200000,
  commuteSparseRadius: 20000,
  commuteSparseStretch: 1.6,

  otherDecayFactor: 4,
  otherDecayMinKm: 1.2,
  otherDecayMaxKm: 10,
  otherCentreBonus: 1,
  otherResidentWeight: 0.3,
  neighbourhoodOther: 0.67,

  workDeparture: [7.5, 0.9],
  workEnd: [16.8, 1.0],
  preWorkOther: 0.1,
  afterWorkOther: [0.5, 0.3, 0.1],
  eveningOuting: 0.4,
  outings: [0.1, 0.3, 0.4, 0.2],
  chainedOther: 0.3,
  shortStopShare: 0.25,
  otherDuration: [90, 0.5],
  longTripShare: 0.01,
  longTripMinKm: 100,
  longTripDeparture: [8, 1.5],
  longTripHomeBy: 22,
  longTripDoorToDoor: DOOR_TO_DOOR,
  longTripSpeedSpread: 0.15,
  // Assumptions: hardly any domestic flights under 300 km; most travellers fly beyond 800 km (Norrland to the south);
  // rail strongest between city centres. With the day-trip constraint they give about 65 % road, 21 % rail and 15 %
  // air on the generated long trips (not a published figure).
  longTripAirMinKm: 300,
  longTripAirFullKm: 800,
  longTripAirMaxShare: 0.8,
  longTripRailShare: { central: 0.3, other: 0.1 },
  longTripStopMinHours: 2,
  longTripLongStop: { ROAD: 0.35, RAIL: 0.15 },
  longTripLongStopMinutes: [45, 80],
  longTripShortStop: { ROAD: 0.5, RAIL: 0.25 },
  longTripShortStopMinutes: [10, 30],
  airportAccessKm: 25,
  // Assumption: cruise at 800+ km/h, slower in climb and descent; Stockholm–Luleå is about an hour in the air.
  airborneKmh: 700,

  stayEventGapMinutes: [20, 40],
  moveEventGapMinutes: [5, 20],
  nightGapFactor: 2,
  locationUpdateHours: [1, 3],
  hopProbability: { A: 0.1, B: 0.18, C: 0.25 },
  dropProbability: 0.03,
  duplicateProbability: 0.003,
};
