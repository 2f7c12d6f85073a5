# syntax=docker/dockerfile:1
# imagine-bot: two stages, so the compilers a native module may need at install time never reach
# the image that runs. The final image has Node 20, the production dependencies and the sources
# (tsx runs them directly, as `npm start` does), and runs as the unprivileged `node` user.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS dependencies
WORKDIR /app
# sqlite3 and sharp download prebuilt binaries; these are only for a platform that has none.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
# The usage chart is SVG rendered by sharp, which draws text with the system's fonts: DejaVu for
# Latin text and Noto CJK for Korean axis titles.
RUN apt-get update \
  && apt-get install -y --no-install-recommends fonts-dejavu-core fonts-noto-cjk \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
COPY commands ./commands
# `register` (slash commands) and `imagine` (a one-off generation, to check a key) run from the image.
COPY scripts/register.ts scripts/imagine.ts ./scripts/
# The SQLite store's directory, writable by the bot; mount a volume here to keep it.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
# node itself is process 1, so SIGTERM reaches the bot's graceful shutdown (npm would not pass it on).
CMD ["node", "--import", "tsx", "src/main.ts"]
