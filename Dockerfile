# reelgraph: API server, editor and workers in one image.
#   docker build -t reelgraph .
#   docker run -p 4170:4170 -v reelgraph-data:/data reelgraph            # server (default)
#   docker run -v reelgraph-data:/data reelgraph node bin/reelgraph.js worker
# See docker-compose.yml for Redis + server + workers.

# --- build: full install, compile TypeScript, build the editor ---------------
FROM node:20-bookworm-slim AS build

# Toolchain for native modules (sqlite3) when no prebuilt binary matches the platform.
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so source edits do not invalidate this layer.
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund

COPY . .
RUN npm run build \
    && npm prune --omit=dev --no-audit --no-fund

# --- runtime ----------------------------------------------------------------
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    REELGRAPH_DATA=/data

# glibc keeps blocks of 4 MiB and more (the canvas library's frames and layers) mapped on their own, in huge pages,
# instead of in its main heap, where a freed one below a live one stays resident: the node process then holds less
# beside the render pieces, at the same CPU (docs/performance.md, "What the node holds beside the render pieces").
# glibc reads it when a process starts, so it is set here, not in code.
ENV GLIBC_TUNABLES=glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=4194304

WORKDIR /app
COPY --from=build /app /app

# A named volume mounted here inherits this ownership on first use.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]

USER node
EXPOSE 4170

CMD ["node", "bin/reelgraph.js", "server"]
