# syntax=docker/dockerfile:1
# One image for both app services: `api` (the default command) and `worker`
# (`node dist/worker/main.js`). The Temporal server runs as its own service, so the image never
# installs the Temporal CLI (TEMPORAL_SKIP_INSTALL=1 turns the postinstall step off).

FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV TEMPORAL_SKIP_INSTALL=1
# better-sqlite3 falls back to compiling itself when no prebuilt binary can be fetched.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY scripts/install-temporal.js scripts/install-temporal.js
# Optional dependencies stay (the @swc/core binding lives there): never --omit=optional.
RUN npm ci
COPY . .
# Compiles to dist/ and bundles the workflows ahead of time (dist/workflow-bundle.js).
RUN npm run build \
 && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    TEMPORAL_SKIP_INSTALL=1 \
    DATA_DIR=/app/data
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
CMD ["node", "dist/api/main.js"]
