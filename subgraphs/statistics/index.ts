// The statistics subgraph: official statistics (SCB) as fields on Area.
import { defineSubgraph, readTypeDefs } from '../../lib/subgraph.ts';
import { createLoaders } from './loaders.ts';
import { resolvers, type StatisticsContext } from './resolvers.ts';
import { createStatisticsSource, type StatisticsSource } from './source.ts';

export default defineSubgraph<StatisticsSource, StatisticsContext>({
  name: 'statistics',
  typeDefs: readTypeDefs(new URL('./schema.graphql', import.meta.url), { estimates: true }),
  resolvers,
  createSource: (config, log) => createStatisticsSource(config, log),
  createContext: (source) => ({ loaders: createLoaders(source), source }),
  closeSource: (source) => source.close(),
});
