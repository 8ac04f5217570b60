#!/usr/bin/env bash
# The one device check for graft-cuda, for a lent GPU machine (no internet; nvcc,
# CMake, ninja and PyTorch with its cuDNN/cuBLAS wheels installed; maybe no Node):
#   1. Node: on PATH, else the carried .device/node-v*-linux-x64.tar.xz (gpu-pack.sh)
#   2. node_modules: present, else the carried .device/node_modules.tar.xz
#   3. builds graft.node and graft_cuda.node with CMake + ninja (cuDNN and cuBLAS from
#      python3's wheels: PyTorch's own)
#   4. probes graft_cuda.node in a child process
#   5. runs test/cuda.test.ts and tfjs-core's suite (test/tfjs-suite.test.ts, graft-cuda with
#      TF32 off) with GRAFT_REQUIRE_GPU=1 (a missing GPU fails, not skips)
#   6. the per-layer benchmark: VGG19's 16 conv shapes, graft-cuda beside PyTorch
#   7. `graft bench` (VGG19 recipe, train and extract, 224 and 256 px, with a device
#      profile at the first size) on graft-cuda, then the PyTorch reference
#      (bench/torch_vgg19_gpu.py: eager TF32 and AMP bf16, channels_last) in the same call
# and prints one summary. $OUT (else /tmp/graft-gpu-check) gets 7 files, under the
# device's 8: summary.txt, build.log, probe.json, tests.log, tests.json, layers.log, bench.log, torch.log.
#
# Prepare here:   bash native/scripts/gpu-pack.sh        (makes .device/, ignored)
# Rehearse here:  bash native/scripts/gpu-check.sh --rehearse
#   (copies the repository as a device call would send it, plus .device/, into a temp
#    folder, forces the carried Node and node_modules, and runs every step there;
#    without a GPU the GPU tests skip and the benchmarks run small, on what there is)
# On the device:  run(command="bash native/scripts/gpu-check.sh", carry=[".device"], timeout_s=600)
#
# Environment: GPU_CHECK_BUDGET (seconds for the whole script, default 540: steps that
# would start after it are skipped and said so), BENCH_SIZE (224), BENCH_BATCH (16),
# BENCH_STEPS (20), BENCH_WARMUP (5), BENCH_SIZES ("224 256"), GRAFT_CUDA_ARCHS (90), GPU_CHECK_RESERVE (150: seconds the tests leave for
# the benchmarks), GPU_CHECK_BENCH_S (180: the most one benchmark run may take),
# GPU_CHECK_BENCH_SEARCH (0; 1: also run the benchmarks with GRAFT_CUDNN_BENCHMARK=1).
set -uo pipefail

started=$(date +%s)
budget=${GPU_CHECK_BUDGET:-540}
mode=${1:-device}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${OUT:-/tmp/graft-gpu-check}
mkdir -p "$out"
declare -a summary=()
say() { printf '[gpu-check %3ss] %s\n' "$(($(date +%s) - started))" "$*"; }
note() { summary+=("$*"); say "$*"; }
left() { echo $((budget - ($(date +%s) - started))); }
step_ok() { # step_ok NAME NEEDED_SECONDS: false (and noted) when the budget cannot cover it
  if (($(left) < $2)); then
    note "✗ $1: skipped, $(left)s of the ${budget}s budget left (needs ~$2s)"
    return 1
  fi
}

# --- rehearsal: replay the whole thing in a copy, as the device would get it ---
if [[ $mode == --rehearse ]]; then
  [[ -f $root/.device/node_modules.tar.xz ]] || { say "no .device/: run native/scripts/gpu-pack.sh first"; exit 1; }
  copy=$(mktemp -d /tmp/graft-gpu-rehearsal.XXXX)
  rm -rf "$out/rehearsal"
  say "rehearsal: copying the tree a device call would send (tracked + untracked, not ignored) + .device to $copy"
  (cd "$root" && git ls-files -co --exclude-standard -z | tar --null --ignore-failed-read -T - -cf -) | tar -C "$copy" -xf -
  (cd "$root" && tar -cf - .device) | tar -C "$copy" -xf -
  say "rehearsal: $(du -sh "$copy" | cut -f1) would travel"
  OUT=$out/rehearsal GRAFT_GPU_CHECK_CARRIED=1 GRAFT_GPU_CHECK_REHEARSAL=1 BENCH_SIZE=${BENCH_SIZE:-32} BENCH_SIZES=${BENCH_SIZES:-32} BENCH_WARMUP=${BENCH_WARMUP:-1} BENCH_BATCH=${BENCH_BATCH:-2} \
    BENCH_STEPS=${BENCH_STEPS:-1} GPU_CHECK_BUDGET=${GPU_CHECK_BUDGET:-900} bash "$copy/native/scripts/gpu-check.sh" device
  rc=$?
  say "rehearsal finished (exit $rc); copy left in $copy; logs in $out/rehearsal"
  exit $rc
fi

cd "$root"
carried=${GRAFT_GPU_CHECK_CARRIED:-0}

# --- 0. the machine ---
gpu_line=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1)
note "machine: $(uname -m), ${gpu_line:-no nvidia-smi / no GPU}, $(nproc) cores"

# --- 1. Node ---
if [[ $carried == 1 ]] || ! command -v node >/dev/null; then
  tarball=$(ls .device/node-v*-linux-x64.tar.xz 2>/dev/null | head -1)
  if [[ -z $tarball ]]; then
    note "✗ node: not on PATH and no .device/node-v*-linux-x64.tar.xz (run gpu-pack.sh, carry .device)"
    printf '%s\n' "${summary[@]}" >"$out/summary.txt"
    exit 1
  fi
  mkdir -p /tmp/graft-node && tar -C /tmp/graft-node -xJf "$tarball"
  export PATH="$(ls -d /tmp/graft-node/node-v*-linux-x64 | head -1)/bin:$PATH"
  note "node $(node --version) from $tarball"
else
  note "node $(node --version) from PATH"
fi

# --- 2. node_modules ---
if [[ $carried == 1 || ! -d node_modules/.pnpm ]]; then
  if [[ ! -f .device/node_modules.tar.xz ]]; then
    note "✗ node_modules: none here and no .device/node_modules.tar.xz"
    printf '%s\n' "${summary[@]}" >"$out/summary.txt"
    exit 1
  fi
  t0=$(date +%s)
  tar -xJf .device/node_modules.tar.xz
  note "node_modules unpacked from .device in $(($(date +%s) - t0))s"
fi
vitest=$root/native/node_modules/vitest/vitest.mjs
tsx_ok=$(node --import tsx -e 'process.stdout.write("ok")' 2>/dev/null)
[[ $tsx_ok == ok ]] || say "warning: tsx does not load"

# --- 3. build ---
build_ok=0
if step_ok build 60; then
  t0=$(date +%s)
  gen=$(command -v ninja >/dev/null && echo Ninja || echo "Unix Makefiles")
  {
    cmake -S native -B native/build -G "$gen" -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_LIBRARY_OUTPUT_DIRECTORY="$root/native/build/Release" \
      -DGRAFT_WITH_CUDA="${GRAFT_WITH_CUDA:-AUTO}" -DGRAFT_CUDA_ARCHS="${GRAFT_CUDA_ARCHS:-90}" &&
      cmake --build native/build --parallel "$(nproc)"
  } >"$out/build.log" 2>&1 && build_ok=1
  grep -E -- '-- graft: ' "$out/build.log" | sed 's/^-- //' | while read -r l; do say "$l"; done
  while read -r l; do summary+=("$l"); done < <(grep -E -- '-- graft: [✓✗] (CUDA|oneDNN)' "$out/build.log" | sed 's/^-- //')
  if ((build_ok)); then
    # Which cuDNN/cuBLAS the build used (headers, link) and which the loader picks (graft_cuda.node has no
    # RUNPATH: ts/cuda/libraries.ts searches GRAFT_CUDA_LIB_PATH, LD_LIBRARY_PATH, python3's wheels, /usr/local/cuda).
    cache=native/build/CMakeCache.txt
    say "cuDNN headers $(grep -E '^GRAFT_CUDNN_INCLUDE_DIR:' "$cache" | cut -d= -f2), linked $(grep -E '^GRAFT_CUDNN_LIBRARY:' "$cache" | cut -d= -f2); LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
    note "loads: $(cd native && node --import tsx --input-type=module -e '
      import { findCudaLibraries } from "./ts/cuda/libraries.ts";
      const libs = findCudaLibraries(process.cwd() + "/build/Release/graft_cuda.node").libraries;
      console.log(libs.map((l) => l.soname + " -> " + (l.path ?? "(system loader)")).join(" "));' 2>&1 | tail -1)"
    note "✓ build in $(($(date +%s) - t0))s: $(ls native/build/Release/*.node 2>/dev/null | xargs -n1 basename | tr '\n' ' ')"
  else
    note "✗ build failed after $(($(date +%s) - t0))s (tail of $out/build.log):"
    tail -15 "$out/build.log"
  fi
fi

# --- 4. probe ---
probe_json=$(cd native && node --import tsx --input-type=module -e '
  import { createRequire } from "node:module";
  import { findCudaLibraries, preloadCudaLibraries, preloadPaths } from "./ts/cuda/libraries.ts";
  const p = process.cwd() + "/build/Release/graft_cuda.node";
  try {
    preloadCudaLibraries(preloadPaths(findCudaLibraries(p)));
    process.stdout.write(JSON.stringify(createRequire(import.meta.url)(p).probe()));
  } catch (e) { process.stdout.write(JSON.stringify({cuda: false, reason: "load failed: " + e.message})); }' 2>/tmp/graft-probe.err)
probe_rc=$?
echo "$probe_json" >"$out/probe.json"
if [[ $probe_rc -ne 0 ]]; then
  note "✗ probe: the child died (exit $probe_rc): $(tail -2 /tmp/graft-probe.err | tr '\n' ' ')"
  gpu=0
else
  gpu=$(node -e 'const p = JSON.parse(process.argv[1]); process.stdout.write(p.cuda ? "1" : "0")' "$probe_json")
  note "probe: $(node -e '
    const p = JSON.parse(process.argv[1]);
    console.log(p.cuda
      ? `✓ ${p.device} (sm ${p.computeCapability}, ${(p.memory.total / 2 ** 30).toFixed(0)} GiB), driver ${p.driverVersion}, CUDA runtime ${p.runtimeVersion}, cuDNN ${p.cudnnVersion}, cuBLAS ${p.cublasVersion}`
      : `✗ cuda: false: ${p.reason}`)' "$probe_json")"
fi

# Which of the steps after the probe run: GPU_CHECK_STEPS, default tests,bench,torch;
# "demo" adds `graft demo --backend graft-cuda` (the whole train → checkpoint → report path).
steps_wanted=",${GPU_CHECK_STEPS:-tests,layers,bench,torch},"
want() { [[ $steps_wanted == *",$1,"* ]]; }

# --- 5. tests ---
if want tests && ((build_ok)) && step_ok tests 60; then
  t0=$(date +%s)
  # On the device a missing GPU is a failure; in a rehearsal the GPU tests skip.
  require=$([[ ${GRAFT_GPU_CHECK_REHEARSAL:-0} == 1 ]] && echo 0 || echo 1)
  # Leave GPU_CHECK_RESERVE seconds (default 150) for the benchmarks: a hung test must not eat them.
  test_limit=$(($(left) - ${GPU_CHECK_RESERVE:-150}))
  ((test_limit < 60)) && test_limit=60
  (cd native && GRAFT_REQUIRE_GPU=$require timeout -k 5 "$test_limit" node "$vitest" run test/cuda.test.ts test/tfjs-suite.test.ts \
    --reporter=default --reporter=json --outputFile.json="$out/tests.json") >"$out/tests.log" 2>&1
  rc=$?
  counts=$(node -e '
    try { const r = require(process.argv[1]);
      console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
    } catch { console.log("no report"); }' "$out/tests.json")
  note "$([[ $rc == 0 ]] && echo ✓ || echo ✗) tests (test/cuda.test.ts, test/tfjs-suite.test.ts, GRAFT_REQUIRE_GPU=$require) in $(($(date +%s) - t0))s: $counts"
  grep -E "skipping|FAIL|✗|×" "$out/tests.log" | head -12
fi

# --- 6. per-layer: VGG19's 16 convolution shapes, graft-cuda beside PyTorch ---
size=${BENCH_SIZE:-224}
batch=${BENCH_BATCH:-16}
steps=${BENCH_STEPS:-20}
warmup=${BENCH_WARMUP:-5}
sizes=${BENCH_SIZES:-"$size 256"}
require_cuda=$([[ ${GRAFT_GPU_CHECK_REHEARSAL:-0} == 1 ]] && echo 0 || echo 1)
device=$([[ $gpu == 1 ]] && echo cuda || echo cpu)
if want layers && ((build_ok)) && step_ok "conv layers" 60; then
  t0=$(date +%s)
  : >"$out/layers.log"
  if python3 -c 'import torch' 2>/dev/null; then
    timeout 120 python3 native/bench/torch_conv_layers.py --device "$device" --size "$size" --batch "$batch" \
      $([[ $gpu == 1 ]] || echo "--iters 1 --warmup 0") >/tmp/graft-torch-layers.log 2>&1
    cat /tmp/graft-torch-layers.log >>"$out/layers.log"
  fi
  BENCH_SIZE=$size BENCH_BATCH=$batch TORCH_LAYERS=/tmp/graft-torch-layers.log GRAFT_BENCH_REQUIRE_CUDA=$require_cuda \
    BENCH_ITERS=$([[ $gpu == 1 ]] && echo 20 || echo 1) timeout -k 5 150 \
    node --import tsx native/bench/cuda_conv_layers.bench.ts >>"$out/layers.log" 2>&1
  rc=$?
  note "$([[ $rc == 0 ]] && echo ✓ || echo "✗ (exit $rc)") conv layers in $(($(date +%s) - t0))s (graft heuristic|search|PyTorch ms, totals over 16 layers):"
  while read -r l; do note "  $l"; done < <(grep -E '^total' "$out/layers.log")
fi

# --- 7. graft bench on graft-cuda ---
# apps/cli/bench/cuda_vgg19.bench.ts runs the CLI's runBench with graft-cuda registered (the
# CLI's main also loads sharp for `graft augment`, which is not carried). BENCH_WARMUP untimed
# steps, then BENCH_STEPS timed ones (median and mean); the first size also runs the device profile.
# GPU_CHECK_BENCH_SEARCH=1 runs both tasks a second time with GRAFT_CUDNN_BENCHMARK=1.
searches="0"
[[ ${GPU_CHECK_BENCH_SEARCH:-0} == 1 ]] && searches="0 1"
if want bench && ((build_ok)); then
  first=1
  for bsize in $sizes; do
    for search in $searches; do
      for task in extract train; do
        label="graft bench $task ${bsize}px$([[ $search == 1 ]] && echo ' (GRAFT_CUDNN_BENCHMARK=1)')"
        step_ok "$label" 45 || continue
        bench_limit=$(($(left) - 20))
        ((bench_limit > ${GPU_CHECK_BENCH_S:-180})) && bench_limit=${GPU_CHECK_BENCH_S:-180}
        one=$(mktemp)
        # On the device the benchmark must run on graft-cuda (not fall back to the CPU for minutes).
        BENCH_SIZE=$bsize BENCH_BATCH=$batch BENCH_STEPS=$steps BENCH_WARMUP=$warmup GRAFT_BENCH_REQUIRE_CUDA=$require_cuda \
          BENCH_PROFILE=$first GRAFT_CUDNN_BENCHMARK=$search GRAFT_CUDA_LOG_PLANS=${GRAFT_CUDA_LOG_PLANS:-0} timeout -k 5 "$bench_limit" \
          node --import tsx --conditions=@graft/source apps/cli/bench/cuda_vgg19.bench.ts "$task" >"$one" 2>&1
        { echo "=== $label"; cat "$one"; } >>"$out/bench.log"
        line=$(grep "\"task\":\"$task\",\"backend\"" "$one" | tail -1)
        [[ -n $line ]] || line=$(grep '"img_per_s"' "$one" | grep "\"$task\"" | tail -1)
        if [[ -n $line ]]; then
          note "$label: $(node -e 'const r = JSON.parse(process.argv[1]); console.log(`mean ${r.img_per_s.toFixed(1)} img/s, median ${r.img_per_s_median.toFixed(1)} (${(r.median_seconds * 1000).toFixed(2)} ms/step) on ${r.backend}, batch ${r.batch_size}, ${r.steps} steps after ${r.warmup}; peak tensors ${((r.peak_tensor_bytes ?? 0) / 2 ** 20).toFixed(0)} MiB`)' "$line")"
          trips=$(grep '"hostRoundTrips"' "$one" | grep "\"task\":\"$task\"" | tail -1)
          [[ -n $trips ]] && note "  $(node -e 'const r = JSON.parse(process.argv[1]); console.log(`host round trips ${JSON.stringify(r.hostRoundTrips)}, pool ${(r.native.poolReservedBytes / 2 ** 20).toFixed(0)} MiB, plans ${JSON.stringify(r.native.plans)}, filters ${JSON.stringify(r.native.filterCache)}`)' "$trips")"
          prof=$(grep '"profile"' "$one" | tail -1)
          [[ -n $prof ]] && note "  profile: $(node -e 'const r = JSON.parse(process.argv[1]).profile; const k = Object.entries(r.kernels).slice(0, 6).map(([n, v]) => `${n} ${v.ms}`).join(", "); console.log(`wall ${r.wallMs} ms, enqueue ${r.enqueueMs}, GPU span ${r.gpuSpanMs}; ${r.launchesPerStep} launches, ${r.uploadsPerStep} uploads (${r.uploadBlockedMs} ms held), readSync ${r.readSyncPerStep}; top ${k}`)' "$prof")"
        else
          note "✗ $label failed: $(tail -2 "$one" | tr '\n' ' ')"
        fi
        rm -f "$one"
      done
    done
    first=0
  done
fi

# --- 7b. PyTorch reference ---
if ! want torch; then
  :
elif python3 -c 'import torch' 2>/dev/null; then
  if step_ok "pytorch reference" 45; then
    torch_sizes=$(echo $sizes | tr ' ' ',')
    timeout "$(($(left) - 10))" python3 native/bench/torch_vgg19_gpu.py --device "$device" --sizes "$torch_sizes" \
      --batch "$batch" --steps "$([[ $gpu == 1 ]] && echo "$steps" || echo 1)" --warmup "$([[ $gpu == 1 ]] && echo "$warmup" || echo 1)" \
      >"$out/torch.log" 2>&1
    while read -r l; do
      note "pytorch: $(node -e 'const r = JSON.parse(process.argv[1]); console.log(`${r.task} ${r.size}px ${r.mode} mean ${r.img_per_s} img/s, median ${r.img_per_s_median} (${r.median_ms} ms), peak ${(r.peak_bytes / 2 ** 20).toFixed(0)} MiB (${r.device}, torch ${r.version})`)' "$l")"
    done < <(grep '^{' "$out/torch.log")
    grep -q '^{' "$out/torch.log" || note "✗ pytorch reference failed: $(tail -2 "$out/torch.log" | tr '\n' ' ')"
  fi
else
  note "✗ pytorch reference: python3 has no torch here"
fi

# --- 8. graft demo on graft-cuda (GPU_CHECK_STEPS=…,demo) ---
if want demo && ((build_ok)) && step_ok demo 90; then
  t0=$(date +%s)
  timeout "$(($(left) - 10))" node --import tsx --conditions=@graft/source apps/cli/src/main.ts demo --backend graft-cuda --out /tmp/graft-demo \
    >"$out/demo.log" 2>&1
  rc=$?
  note "$([[ $rc == 0 ]] && echo ✓ || echo "✗ (exit $rc)") graft demo --backend graft-cuda in $(($(date +%s) - t0))s"
  while read -r l; do note "  $l"; done < <(grep -E '^(transfer|from scratch|Keras|graft demo on)' "$out/demo.log")
  [[ $rc == 0 ]] || tail -5 "$out/demo.log"
fi

# --- summary ---
{
  echo "=== graft-cuda device check ($(date -u +%FT%TZ), $(($(date +%s) - started))s) ==="
  printf '  %s\n' "${summary[@]}"
} | tee "$out/summary.txt"
