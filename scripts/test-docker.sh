#!/usr/bin/env bash
# npm run test:docker: builds the Dockerfile and runs docker-compose.yml for real, then checks the
# reports and the exit code. Made for a Debian machine where we are root and no image registry is
# reachable (see ../shared/notes/docker.md):
#   - a private dockerd on its own socket, no bridge network, no iptables rules;
#   - a stand-in for node:20-bookworm-slim: debootstrap bookworm plus this machine's node and npm;
#   - npm inside the build gets this machine's registry and CA bundle as BuildKit secrets, which
#     never end up in a layer.
# Safe to run again: the daemon's data (base image, build cache) stays in $WORK between runs;
# `rm -rf /tmp/wsconform-docker` (with the daemon stopped) forgets it. Only what this script started is stopped.
set -uo pipefail
cd "$(dirname "$0")/.."

WORK=/tmp/wsconform-docker
SOCK=/tmp/wsconform-docker.sock
PIDFILE=/tmp/wsconform-docker.pid
BASE=node:20-bookworm-slim
IMAGE=wsconform:local
PROJECT=wsconform-test
# Debian's client, which matches the daemon (a newer docker elsewhere on PATH may insist on buildx).
DOCKER=/usr/bin/docker
export DOCKER_HOST="unix://$SOCK"

say() { echo "test:docker: $*"; }
fail() {
  say "FAILED: $*"
  exit 1
}

[ "$(id -u)" = 0 ] || { say "needs root (it runs a private dockerd)"; exit 2; }

# 1. Packages.
if ! [ -x "$DOCKER" ] || ! command -v dockerd >/dev/null || ! command -v docker-compose >/dev/null || ! command -v debootstrap >/dev/null; then
  say "installing docker.io docker-compose debootstrap"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io docker-compose debootstrap >/dev/null ||
    fail "apt-get install docker.io docker-compose debootstrap"
fi
mkdir -p "$WORK"

# 2. The private daemon (reused if an earlier run left it up; then it is left up).
started_daemon=0
compose_up=0
cleanup() {
  if [ "$compose_up" = 1 ]; then
    WSCONFORM_REPORTS="${REPORTS:-}" docker-compose --ansi never -p "$PROJECT" down --remove-orphans >/dev/null 2>&1 || true
  fi
  if [ "$started_daemon" = 1 ] && [ -f "$PIDFILE" ]; then
    pid=$(cat "$PIDFILE")
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && say "warning: dockerd $pid still running" || say "stopped dockerd $pid"
    # dockerd leaves its default network namespace mounted; without it `rm -rf $WORK` works.
    if grep -q " $WORK/exec/netns/default " /proc/mounts; then umount "$WORK/exec/netns/default" 2>/dev/null || true; fi
  fi
}
trap cleanup EXIT

if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null && $DOCKER info >/dev/null 2>&1; then
  say "reusing the private dockerd $(cat "$PIDFILE") (left running)"
else
  rm -f "$PIDFILE" "$SOCK"
  dockerd --host "unix://$SOCK" --data-root "$WORK/data" --exec-root "$WORK/exec" --pidfile "$PIDFILE" \
    --bridge=none --iptables=false >"$WORK/dockerd.log" 2>&1 &
  started_daemon=1
  for _ in $(seq 1 100); do $DOCKER info >/dev/null 2>&1 && break; sleep 0.2; done
  $DOCKER info >/dev/null 2>&1 || fail "dockerd did not start; see $WORK/dockerd.log"
  say "started dockerd $(cat "$PIDFILE") on $SOCK"
fi

# 3. The base image the Dockerfile names, built locally once.
if ! $DOCKER image inspect "$BASE" >/dev/null 2>&1; then
  mirror=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
  mirror=${mirror:-http://deb.debian.org/debian}
  rootfs="$WORK/rootfs"
  say "building $BASE: debootstrap bookworm from $mirror, plus node $(node --version) and npm $(npm --version 2>/dev/null)"
  rm -rf "$rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$WORK/debootstrap.log" 2>&1 || fail "debootstrap; see $WORK/debootstrap.log"
  # The official image's layout: node and npm under /usr/local.
  install -D -m 755 "$(command -v node)" "$rootfs/usr/local/bin/node"
  mkdir -p "$rootfs/usr/local/lib/node_modules"
  npm_dir=$(readlink -f "$(dirname "$(readlink -f "$(command -v npm)")")/..")
  cp -a "$npm_dir" "$rootfs/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | $DOCKER import --change 'CMD ["node"]' - "$BASE" >/dev/null || fail "docker import"
  rm -rf "$rootfs"
fi

# 4. The image, as `docker compose build` would build it, with npm's settings as secrets.
secrets="$WORK/secrets"
mkdir -p "$secrets" && chmod 700 "$secrets"
registry=$(npm config get registry 2>/dev/null)
cafile=$(npm config get cafile 2>/dev/null)
{
  echo "registry=${registry:-https://registry.npmjs.org/}"
  if [ -f "$cafile" ]; then echo "cafile=/run/secrets/npm_ca"; fi
} >"$secrets/npmrc"
secret_args=(--secret "id=npmrc,src=$secrets/npmrc")
if [ -f "$cafile" ]; then secret_args+=(--secret "id=npm_ca,src=$cafile"); fi
say "building $IMAGE"
start=$SECONDS
if ! DOCKER_BUILDKIT=1 $DOCKER build --network host "${secret_args[@]}" -t "$IMAGE" . >"$WORK/build.log" 2>&1; then
  tail -n 30 "$WORK/build.log"
  fail "docker build; see $WORK/build.log"
fi
say "built $IMAGE in $((SECONDS - start)) s ($($DOCKER image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1 / 1e6}'))"
$DOCKER run --rm --network host --entrypoint sh "$IMAGE" -c 'test ! -e /root/.npmrc && test ! -e /run/secrets' || fail "npm settings leaked into the image"

# 5. The compose project, reports into a fresh directory.
REPORTS=$(mktemp -d /tmp/wsconform-docker-reports.XXXXXX)
say "docker-compose up --exit-code-from wsconform (reports: $REPORTS)"
start=$SECONDS
compose_up=1
WSCONFORM_REPORTS="$REPORTS" docker-compose --ansi never -p "$PROJECT" up --no-build --exit-code-from wsconform >"$WORK/compose.log" 2>&1
code=$?
WSCONFORM_REPORTS="$REPORTS" docker-compose --ansi never -p "$PROJECT" down --remove-orphans >/dev/null 2>&1
compose_up=0
sed -n 's/^.*wsconform_1 *| //p' "$WORK/compose.log" | grep -E '^(wsconform |[0-9]+ failed|agent|\S+ +[0-9]+ )' | sed 's/^/  /'
say "compose exited with $code after $((SECONDS - start)) s"

# 6. Checks: every run (servers, clients, browsers) wrote its reports under its expected agent, and
# compose returned wsconform's own verdict.
node - "$REPORTS" "$code" <<'EOF' || fail "see above; full log: $WORK/compose.log"
const { readFileSync, existsSync } = require('node:fs');
const [dir, code] = [process.argv[2], Number(process.argv[3])];
const failOn = new Set(['FAILED', 'WRONG CODE', 'UNCLEAN']);
let expected = 0;
let problems = 0;
// The agent each run must report: the browser run's is named after the engine and its version.
const agents = { servers: null, clients: /^ws-client$/, browsers: /^chromium-\d+(\.\d+)+$/ };
for (const [run, agentName] of Object.entries(agents)) {
  const file = `${dir}/${run}/index.json`;
  if (!existsSync(file) || !existsSync(`${dir}/${run}/index.html`)) {
    console.log(`test:docker: ${run}: no index.json or index.html`);
    problems++;
    continue;
  }
  const index = JSON.parse(readFileSync(file, 'utf8'));
  for (const [agent, cases] of Object.entries(index)) {
    const results = Object.values(cases);
    const failing = results.filter((r) => failOn.has(r.behavior) || failOn.has(r.behaviorClose)).length;
    if (failing > 0) expected = 1;
    console.log(`test:docker: ${run}/index.json: agent ${agent}: ${results.length} cases, ${failing} failing the default gate`);
    if (results.length === 0) problems++;
  }
  if (Object.keys(index).length === 0) {
    console.log(`test:docker: ${run}/index.json has no results`);
    problems++;
  } else if (agentName && !Object.keys(index).some((a) => agentName.test(a))) {
    console.log(`test:docker: ${run}/index.json has no agent named like ${agentName}`);
    problems++;
  }
}
if (code !== expected) {
  console.log(`test:docker: compose exited with ${code}, but the reports say wsconform's exit code is ${expected}`);
  problems++;
}
process.exit(problems > 0 ? 1 : 0);
EOF
say "passed"
