// Entry point of the synthetic mobile-network data: frame → cells → commute and other models → devices → diaries → events.
import type { CellPlan, EventBatch, FrameArea } from '../model.ts';
import { buildAgents } from './agents.ts';
import { buildCalendar } from './calendar.ts';
import { areaRadii, buildCellPlan } from './cells.ts';
import { buildCommuteModel, buildOtherModel, type CommuteModel } from './commuting.ts';
import { buildDiaries } from './diaries.ts';
import { buildEvents } from './events.ts';
import { groupIndexes } from '../../../lib/group.ts';
import { FRAME_FILES, loadFrame } from './frame.ts';
import { DEFAULT_PARAMETERS, type SyntheticParameters } from './parameters.ts';
import { GridIndex } from './spatial.ts';
import { groundTruth, type GroundTruth } from './truth.ts';

/** Every data file the generator reads, relative to the data folder. */
export const SYNTHETIC_INPUTS: readonly string[] = Object.values(FRAME_FILES);

export interface GenerateOptions {
  /** The project's data folder (holds mobility/, scb/ and geo/). */
  dataDir: string;
  /** Seed of every random stream; the same seed and options give byte-identical output. Default 1. */
  seed?: number;
  /** Share of residents carried as devices; default DEFAULT_PARAMETERS.sampleShare (0.01). */
  sampleShare?: number;
  /** Local dates to simulate; default DEFAULT_PARAMETERS.dates (Tuesday 2022-11-15). */
  dates?: string[];
  /** Any other parameter to override. */
  parameters?: Partial<SyntheticParameters>;
}

export interface SyntheticDataset {
  frame: FrameArea[];
  plan: CellPlan;
  events: EventBatch;
  truth: GroundTruth;
  /** Per device (the event batch's device id): frame index of home, and of work or -1. */
  devices: { home: Int32Array; work: Int32Array };
  /** The commute model the work places were drawn from (expected flows of the full population). */
  commute: CommuteModel;
  parameters: SyntheticParameters;
  /** Milliseconds spent per stage. */
  timings: Record<string, number>;
}

/** Generates the whole synthetic dataset; see research §4 and the modules for each stage's model. */
export function generateSynthetic(options: GenerateOptions): SyntheticDataset {
  const seed = options.seed ?? 1;
  const parameters: SyntheticParameters = {
    ...DEFAULT_PARAMETERS,
    ...options.parameters,
    ...(options.sampleShare === undefined ? {} : { sampleShare: options.sampleShare }),
    ...(options.dates === undefined ? {} : { dates: options.dates }),
  };
  if (!(parameters.sampleShare > 0 && parameters.sampleShare <= 1)) throw new Error(`sampleShare must be in (0, 1], got ${parameters.sampleShare}`);
  const timings: Record<string, number> = {};
  const timed = <T>(stage: string, work: () => T): T => {
    const started = performance.now();
    const result = work();
    timings[stage] = Math.round(performance.now() - started);
    return result;
  };
  const calendar = buildCalendar(parameters.dates);
  const frame = timed('frame', () => loadFrame(options.dataDir, seed));
  const radii = areaRadii(frame);
  const plan = timed('cells', () => buildCellPlan(frame, seed, radii));
  const commute = timed('commute', () => buildCommuteModel(frame, radii, parameters));
  const other = timed('other', () => buildOtherModel(frame, radii, commute.jobs, parameters));
  const agents = timed('agents', () => buildAgents(frame, radii, commute, parameters, seed));
  const longTripWeight = Float64Array.from(frame, (area, i) => area.residents + commute.jobs[i]);
  const byRegso = groupIndexes(frame, (area) => area.regso);
  const neighbourhood = frame.map((area, i) => (byRegso.get(area.regso) as number[]).filter((j) => j !== i));
  const areaIndex = new GridIndex(
    frame.map((area) => area.x),
    frame.map((area) => area.y),
    10_000,
  );
  const diaries = timed('diaries', () => buildDiaries({ frame, radii, other, longTripWeight, neighbourhood, areaIndex }, agents, calendar, parameters, seed));
  const events = timed('events', () => buildEvents(frame, plan, diaries, calendar, parameters, seed));
  const truth = timed('truth', () => groundTruth(diaries));
  return { frame, plan, events, truth, devices: { home: agents.home, work: agents.work }, commute, parameters, timings };
}
