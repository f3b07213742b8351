#!/usr/bin/env bash
# GPU check of the native kernels, for a CUDA host (nvcc + a GPU). Builds native/ with CMake (CUDA forced on),
# then runs uem_gpu_check: the CUDA kernels against the CPU ones on fresh random inputs (outputs poisoned with NaN
# first, every element of every output compared, both scatter-add modes), then CUDA timings against the
# memory-bandwidth floor for the default and the paper's shapes. Prints a short table; exit 0 = all checks passed.
#
#   native/gpu-check.sh [build-dir]          (default build dir: target/gpu-check)
#   CUDA_ARCHS=90 native/gpu-check.sh        (only sm_90; default "80-real;90")
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-target/gpu-check}
archs=${CUDA_ARCHS:-80-real;90}

command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
cmake -S native -B "$build" -DUEM_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="$archs" -DCMAKE_INSTALL_PREFIX="$build/install" --log-level=WARNING
cmake --build "$build" --target install -j "$(nproc)" > "$build/build.log" 2>&1 || { cat "$build/build.log"; exit 1; }
"$build/install/bin/uem_gpu_check" "$build/install/lib/libuem_kernels_cuda.so"
