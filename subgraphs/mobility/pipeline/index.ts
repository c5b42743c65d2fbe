// The mobile-network processing pipeline's public API: segmentation, the full pipeline, hourly aggregations and journeys.
export { LocalClock } from './clock.ts';
export { ANY_TYPE, presenceByHour, presenceIndex, tripsByHour, WHOLE_DAY, type AreaMapping, type HourlyPresence, type HourlyTrips, type PresenceOptions, type TripOptions } from './aggregate.ts';
export { detectJourneys, type JourneyOptions } from './journeys.ts';
export type { LabelOptions } from './label.ts';
export { MAX_DEVICE_ID, runPipeline, type PipelineOptions } from './run.ts';
export { MOVE, segment, STAY, UNKNOWN, type BatchStats, type SegmentOptions, type Segments } from './segment.ts';
