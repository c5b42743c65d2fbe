// Per-request DataLoaders over the mobility source: one source call per batch, answers in key order.
import DataLoader from 'dataloader';
import type { FlowsKey, FlowsResult, HourlyTrips, MobilitySource, ModeCounts, PresenceKey, PresenceRow, TripsKey } from './source.ts';

export interface MobilityLoaders {
  presence: DataLoader<PresenceKey, PresenceRow, string>;
  trips: DataLoader<TripsKey, HourlyTrips, string>;
  flows: DataLoader<FlowsKey, FlowsResult, string>;
  longTrips: DataLoader<FlowsKey, FlowsResult, string>;
  longTripModes: DataLoader<TripsKey, ModeCounts, string>;
}

const keyOf = (key: object): string => JSON.stringify(Object.values(key));

export function createLoaders(source: MobilitySource): MobilityLoaders {
  return {
    presence: new DataLoader<PresenceKey, PresenceRow, string>((keys) => Promise.resolve(source.presenceFor(keys)), { cacheKeyFn: keyOf }),
    trips: new DataLoader<TripsKey, HourlyTrips, string>((keys) => Promise.resolve(source.tripsFor(keys)), { cacheKeyFn: keyOf }),
    flows: new DataLoader<FlowsKey, FlowsResult, string>((keys) => Promise.resolve(source.flowsFor(keys)), { cacheKeyFn: keyOf }),
    longTrips: new DataLoader<FlowsKey, FlowsResult, string>((keys) => Promise.resolve(source.longTripsFor(keys)), { cacheKeyFn: keyOf }),
    longTripModes: new DataLoader<TripsKey, ModeCounts, string>((keys) => Promise.resolve(source.longTripModesFor(keys)), { cacheKeyFn: keyOf }),
  };
}
