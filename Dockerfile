# The ingest (npm run ingest) as a container for ECS Fargate on arm64 (deploy/ingest.yml). Build and
# push (docs/deploy.md § Scale-out):
#   docker buildx build --platform linux/arm64 -t <account>.dkr.ecr.<region>.amazonaws.com/quote-stream-ingest:<tag> --push .
# No credential is baked in or passed at build time: ECS hands the vendor keys over as environment
# variables from SSM when the task starts. Not built on the development machine (no Docker there).

# 24 = Lambda's nodejs24.x and .nvmrc; Node 24 runs the .ts sources directly (type stripping).
# Pin a digest (node:24-bookworm-slim@sha256:…) for reproducible images.
ARG NODE_IMAGE=node:24-bookworm-slim

# Production dependencies only, from the lockfile; no install scripts run.
FROM ${NODE_IMAGE} AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
# What the ingest imports: the feed adapters and their core types, shared helpers, the ingest itself
# (.dockerignore lets nothing else into the build context).
COPY package.json ./
COPY common ./common
COPY core ./core
COPY feeds ./feeds
COPY ingest ./ingest
# The image's unprivileged user (uid 1000); the task's root filesystem is read-only as well.
USER node
# SIGTERM (ECS stop, deploy) lets the ingest release its lease before SIGKILL 10 s later.
STOPSIGNAL SIGTERM
CMD ["node", "ingest/main.ts"]
