// The mobility subgraph: mobile-network aggregates (activities, trips, day and night population) on Area.
import { defineSubgraph, readTypeDefs } from '../../lib/subgraph.ts';
import { createLoaders } from './loaders.ts';
import { resolvers, type MobilityContext } from './resolvers.ts';
import { openDeliveredSource } from './delivery/index.ts';
import { createMobilitySource, type MobilitySource } from './source.ts';

export default defineSubgraph<MobilitySource, MobilityContext>({
  name: 'mobility',
  typeDefs: readTypeDefs(new URL('./schema.graphql', import.meta.url), { estimates: true }),
  resolvers,
  // One data set per deployment: the synthetic default, or the deliveries imported with `npm run mobility:import`.
  createSource: (config, log) => (config.mobility.source === 'delivered' ? openDeliveredSource(config, log) : createMobilitySource(config, log)),
  createContext: (source) => ({ source, loaders: createLoaders(source) }),
  closeSource: (source) => source.close(),
});
