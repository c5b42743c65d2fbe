// The geo subgraph: owns the Area entity (ids, names, hierarchy, geometry, spatial lookups).
import { defineSubgraph, readTypeDefs } from '../../lib/subgraph.ts';
import { createLoaders } from './loaders.ts';
import { resolvers, type GeoContext } from './resolvers.ts';
import { createGeoSource, type GeoSource } from './source.ts';

export default defineSubgraph<GeoSource, GeoContext>({
  name: 'geo',
  typeDefs: readTypeDefs(new URL('./schema.graphql', import.meta.url)),
  resolvers,
  createSource: createGeoSource,
  createContext: (source) => ({ source, loaders: createLoaders(source) }),
  closeSource: (source) => source.close(),
});
