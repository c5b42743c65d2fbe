# One image for every part of regiongraph; docker-compose.yml picks the entry point of each service.
# Debian (glibc), not Alpine: the Rust query planner of the gateway ships as a glibc binary.
FROM node:20-bookworm-slim

WORKDIR /app

# Dependencies first, so this layer is reused until package.json or package-lock.json change.
# Runtime dependencies only: composition, tests and type checking are not run in the image.
# better-sqlite3 installs a prebuilt binary for this Node version and platform.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY . .

# The SQLite stores are built into /app/var on first start; docker-compose mounts a volume there.
RUN mkdir -p var && chown node:node var
USER node

ENV HOST=0.0.0.0
EXPOSE 4000 4001 4002 4003 4004

# The gateway by default; the subgraphs run `node --import tsx subgraphs/serve.ts <name>`.
CMD ["node", "--import", "tsx", "gateway/index.ts"]
