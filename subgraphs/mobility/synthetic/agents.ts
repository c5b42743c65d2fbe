// The sampled devices: a systematic sample of residents per DeSO, their employment and their home and work places.
import type { FrameArea } from '../model.ts';
import { sampleDestination, type CommuteModel } from './commuting.ts';
import type { SyntheticParameters } from './parameters.ts';
import { Rng } from './random.ts';

/** One device per sampled resident, in frame order (device id = index). */
export interface Agents {
  count: number;
  /** Frame index of the home DeSO. */
  home: Int32Array;
  /** Frame index of the work DeSO, or -1 for someone without a place of work. */
  work: Int32Array;
  /** Positions in SWEREF 99 TM metres of the home and (when employed) the work place. */
  homeX: Float64Array;
  homeY: Float64Array;
  workX: Float64Array;
  workY: Float64Array;
}

/**
 * Samples residents systematically (one random start, then every 1/sampleShare-th resident in frame order), so each
 * DeSO gets its expected count ±1 and the total is exact. Each device is employed with its områdestyp's rate and then
 * draws its work DeSO from its home row of the commute model. Places lie uniformly in the DeSO's disc (areaRadii).
 */
export function buildAgents(frame: FrameArea[], radii: Float64Array, commute: CommuteModel, parameters: SyntheticParameters, seed: number): Agents {
  const share = parameters.sampleShare;
  const offset = Rng.stream(seed, 'sample').next();
  const counts = new Int32Array(frame.length);
  let cumulative = 0;
  let count = 0;
  frame.forEach((area, i) => {
    const before = Math.floor(cumulative * share + offset);
    cumulative += area.residents;
    counts[i] = Math.floor(cumulative * share + offset) - before;
    count += counts[i];
  });
  const agents: Agents = {
    count,
    home: new Int32Array(count),
    work: new Int32Array(count).fill(-1),
    homeX: new Float64Array(count),
    homeY: new Float64Array(count),
    workX: new Float64Array(count),
    workY: new Float64Array(count),
  };
  let id = 0;
  frame.forEach((area, i) => {
    for (let k = 0; k < counts[i]; k++, id++) {
      const rng = Rng.stream(seed, 'agent', i, k);
      agents.home[id] = i;
      [agents.homeX[id], agents.homeY[id]] = rng.inDisc(area.x, area.y, radii[i]);
      if (!rng.bernoulli(parameters.employmentRate[area.omradestyp])) continue;
      const work = sampleDestination(commute, i, rng.next());
      agents.work[id] = work;
      [agents.workX[id], agents.workY[id]] = rng.inDisc(frame[work].x, frame[work].y, radii[work]);
    }
  });
  return agents;
}
