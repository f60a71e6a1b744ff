# wsconform in a container: Node 20 on Debian bookworm, with Debian's chromium for browser runs.
#
#   docker build -t wsconform .
#   docker run --rm --network host -v "$PWD/reports:/reports" wsconform test-server ws://127.0.0.1:9001 --outdir /reports/servers
#
# Needs BuildKit (the default builder of Docker 23+, Docker Desktop and docker compose v2).
# Behind a private registry or a TLS-intercepting proxy, give npm its settings as build secrets,
# which are mounted for one step and never stored in a layer:
#   docker build --secret id=npmrc,src=my.npmrc --secret id=npm_ca,src=my-ca.pem .
# where my.npmrc may say `cafile=/run/secrets/npm_ca`.

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc --mount=type=secret,id=npm_ca \
    npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/copy-assets.mjs scripts/
COPY bin bin
COPY cases cases
COPY runner runner
COPY reports reports
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc --mount=type=secret,id=npm_ca \
    npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/wsconform
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/dist dist
COPY --from=build /src/bin bin
# The example target and client of docker-compose.yml; they use the image's own `ws`.
COPY examples examples
RUN ln -s /opt/wsconform/bin/wsconform.js /usr/local/bin/wsconform
WORKDIR /work
ENTRYPOINT ["wsconform"]
CMD ["--help"]
