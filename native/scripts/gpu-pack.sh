#!/usr/bin/env bash
# Packs what scripts/gpu-check.sh needs on a lent GPU machine that has no internet and
# maybe no Node, into .device/ at the repository root (ignored through .git/info/exclude,
# so it travels only when a device call names it in `carry`):
#   .device/node-<version>-linux-x64.tar.xz  this machine's node, stripped, in the layout
#                                            of nodejs.org's tarballs (one of theirs works too)
#   .device/node_modules.tar.xz              the pnpm store subset the tests and the
#                                            benchmark load (no maps, browser bundles,
#                                            other platforms' binaries, lint/build tools)
# Both together stay near 35 MiB of the 64 MiB a device call may carry (measured by the
# script's last line); packing takes about 2 minutes on 2 cores.
# Usage: bash native/scripts/gpu-pack.sh [--force]
set -euo pipefail
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
cd "$root"
out=.device
mkdir -p "$out" .git/info
grep -qxF "/$out/" .git/info/exclude 2>/dev/null || echo "/$out/" >>.git/info/exclude
force=${1:-}

say() { printf 'gpu-pack: %s\n' "$*"; }

# --- node ---
version=$(node -p process.version)
node_tar="$out/node-$version-linux-x64.tar.xz"
if [[ -f $node_tar && $force != --force ]]; then
  say "$node_tar exists ($(du -h "$node_tar" | cut -f1)); --force to remake"
else
  [[ $(uname -m) == x86_64 ]] || { say "✗ this machine is $(uname -m); the GPU machine needs an x86-64 node"; exit 1; }
  stage=$(mktemp -d)
  mkdir -p "$stage/node-$version-linux-x64/bin"
  strip -o "$stage/node-$version-linux-x64/bin/node" "$(command -v node)" 2>/dev/null ||
    cp "$(command -v node)" "$stage/node-$version-linux-x64/bin/node"
  say "packing node $version ($(du -h "$stage/node-$version-linux-x64/bin/node" | cut -f1) stripped) ..."
  tar -C "$stage" -cf - "node-$version-linux-x64" | xz -T0 -6 >"$node_tar"
  rm -rf "$stage"
  say "✓ $node_tar $(du -h "$node_tar" | cut -f1)"
fi

# --- node_modules ---
mods="$out/node_modules.tar.xz"
skip='darwin|win32|android|arm64|musl|ppc64|s390x|riscv|freebsd|openbsd|sunos|aix|netbsd|wasm32|linux-arm@|ia32|loong|mips|openharmony|onnxruntime|biomejs|turbo|typescript@|tfjs-backend-wasm|lightningcss|playwright'
list=$(mktemp)
{
  ls -d node_modules/.pnpm/*/ | sed 's:/$::' | grep -vE "node_modules/\.pnpm/[^/]*($skip)" | grep -v '/node_modules$'
  echo node_modules/.pnpm/node_modules
  echo node_modules/.pnpm/lock.yaml
  echo node_modules/.modules.yaml
  # Each workspace package's own node_modules: symlinks into the store.
  for d in node_modules native/node_modules apps/*/node_modules packages/*/node_modules; do
    [[ -d $d ]] && find "$d" -mindepth 1 -maxdepth 2 \( -type l -o -name .bin \) -not -path '*/.pnpm*'
  done
} | sort -u >"$list"
say "packing $(wc -l <"$list") node_modules entries ..."
# (GNU tar applies --exclude only to the names that follow it.) tfjs-core's *_test.js come
# first, before that exclusion: test/tfjs-suite.test.ts runs them on graft-cuda.
core=$(mktemp)
grep -E '/@tensorflow\+tfjs-core@' "$list" >"$core" || true
grep -vE '/@tensorflow\+tfjs-core@' "$list" >"$list.rest" || true
tar -cf - --exclude='*.map' --exclude='*.min.js' --exclude='*.es2017.js' \
  --exclude='*.fesm.js' --exclude='*/dist/tf-core.js' --exclude='*/dist/tf-layers.js' \
  --exclude='*/dist/tf-backend-cpu.js' --exclude='*.md' --exclude='*.d.ts' --exclude='*.d.mts' \
  --exclude='*.d.cts' --exclude='*/.vite' --exclude='*/.vite-temp' --files-from="$core" \
  --exclude='*_test.js' --files-from="$list.rest" |
  xz -T0 -6 >"$mods"
rm -f "$list" "$list.rest" "$core"
say "✓ $mods $(du -h "$mods" | cut -f1)"
du -ch "$out"/* | tail -1 | sed 's/^/gpu-pack: total /'
