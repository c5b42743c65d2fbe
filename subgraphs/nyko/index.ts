// The NYKO subgraph: municipalities' key-code areas as federated Areas, their versions, lineage and overlaps with DeSO/RegSO.
import { defineSubgraph, readTypeDefs } from '../../lib/subgraph.ts';
import { createLoaders } from './loaders.ts';
import { resolvers, type NykoContext } from './resolvers.ts';
import { createNykoSource, type NykoSource } from './source.ts';

export default defineSubgraph<NykoSource, NykoContext>({
  name: 'nyko',
  typeDefs: readTypeDefs(new URL('./schema.graphql', import.meta.url)),
  resolvers,
  createSource: (config, log) => createNykoSource(config, log),
  createContext: (source, request) => ({
    source,
    loaders: createLoaders(source),
    authorization: request?.headers.get('authorization'),
    versions: new Map(),
  }),
  closeSource: (source) => source.close(),
  // Imports change the data while the subgraph runs: the newest import time is the data's version.
  dataVersion: (source) => String(source.store.sqlite.prepare('SELECT max(imported_at) AS at FROM version').pluck().get() ?? 'empty'),
});
