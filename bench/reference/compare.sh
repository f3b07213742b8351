#!/usr/bin/env bash
# uem's T5 training step against the plain PyTorch reference (t5_step.py), alternately, 3 rounds at 1 and at 2 threads.
# Needs target/uem.jar (mvn -B -q package -DskipTests), Debian's python3-torch and OpenBLAS as the system BLAS
# (apt-get install python3-torch libopenblas0-pthread: without the second, torch calls the netlib reference BLAS).
# Run it on a quiet machine: both sides print the sgemm peak they measured in the same process, so a busy round shows.
# Then the same for greedy decoding (KV cache; 32 inputs of 128 tokens, 16 new tokens): examples/s of both, 3 rounds.
# The reference runs in float32 and in bf16 autocast, so each side is also compared at its best precision.
# Usage: bench/reference/compare.sh [STEPS] [BATCHES]   (timed training steps per run, default 30, WARMUP=3 warm-up
#        steps each; timed decoding batches per run, default 5).  ONLY=step or ONLY=decode runs one half.
#        The step's shape: CONFIG=t5-mini|flan-t5-base (default t5-mini), BATCH, ENC_LEN, DEC_LEN (default 16, 128, 16);
#        ROUNDS=3 and THREADS="1 2" set the rounds and thread counts. The paper's LM shape, quickly:
#        ONLY=step CONFIG=flan-t5-base ENC_LEN=90 DEC_LEN=24 ROUNDS=1 THREADS=2 WARMUP=1 bench/reference/compare.sh 3
set -euo pipefail
cd "$(dirname "$0")/../.."
STEPS=${1:-30}
BATCHES=${2:-5}
ONLY=${ONLY:-}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-1 2}
WARMUP=${WARMUP:-3}
SHAPE=(--config "${CONFIG:-t5-mini}" --batch "${BATCH:-16}" --enc-len "${ENC_LEN:-128}" --dec-len "${DEC_LEN:-16}" --warmup "$WARMUP")
PY=${PYTHON:-/usr/bin/python3}
JAR=target/uem.jar
[ -f "$JAR" ] || { echo "compare.sh: $JAR not found: build it with mvn -B -q package -DskipTests" >&2; exit 1; }
"$PY" -c "import torch" 2>/dev/null || { echo "compare.sh: $PY has no torch: apt-get install python3-torch" >&2; exit 1; }
blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)
case "$blas" in
  *openblas*) ;;
  *) echo "compare.sh: the system BLAS is ${blas:-missing}, not OpenBLAS: apt-get install libopenblas0-pthread" >&2; exit 1 ;;
esac

# OpenBLAS picks its kernels from the CPU unless OPENBLAS_CORETYPE says otherwise; both sides read the same variable
echo "OpenBLAS core type: ${OPENBLAS_CORETYPE:-its own detection} (OPENBLAS_CORETYPE, the same for both sides)"
echo "step shape: ${SHAPE[*]}"
declare -A REF RBF UEM BF UFRAC BFRAC
[ "$ONLY" = decode ] || for round in $(seq "$ROUNDS"); do
  for t in $THREADS; do
    # PyTorch at 2 threads: OpenMP told not to spin (spinning workers fight the BLAS threads on 2 cores)
    # the BLAS gets the same thread count (Debian's torch calls OpenBLAS, whose own pool ignores torch.set_num_threads)
    policy=$([ "$t" = 2 ] && echo PASSIVE || echo ACTIVE)
    ref=$(OPENBLAS_NUM_THREADS="$t" OMP_WAIT_POLICY=$policy "$PY" bench/reference/t5_step.py --threads "$t" --steps "$STEPS" "${SHAPE[@]}")
    ref_ms=$(awk '{print $3}' <<<"$ref"); ref_peak=$(awk '{print $9}' <<<"$ref")
    # the reference in bf16 autocast: its matrix products through oneDNN on torch's own threads, as uem's
    rbf=$(OPENBLAS_NUM_THREADS="$t" OMP_WAIT_POLICY=$policy "$PY" bench/reference/t5_step.py --threads "$t" --steps "$STEPS" --bf16 "${SHAPE[@]}")
    rbf_ms=$(awk '{print $3}' <<<"$rbf")
    # uem fp32 at 1 thread: one libtorch and one OpenBLAS thread; at 2: its default (element-wise on 1, GEMMs on 2 OpenBLAS threads)
    out=$(UEM_TORCH_THREADS=1 OPENBLAS_NUM_THREADS="$t" java -jar "$JAR" bench t5-step --steps "$STEPS" "${SHAPE[@]}" 2>/dev/null)
    uem_ms=$(grep '| median ms/step' <<<"$out" | sed -E 's/.*\| ([0-9.]+) \(.*/\1/')
    uem_peak=$(grep 'libtorch sgemm peak' <<<"$out" | sed -E 's/.*\| ([0-9.]+) GFLOP.*/\1/')
    uem_frac=$(grep '| fraction of peak' <<<"$out" | sed -E 's/.*\| ([0-9.]+) %.*/\1/')
    # uem bf16 (autocast: bfloat16 matrix products through oneDNN, float32 weights): libtorch's threads do the GEMMs,
    # so at 2 threads it gets 2 non-spinning OpenMP threads
    if [ "$t" = 1 ]; then bf=$(UEM_TORCH_THREADS=1 OPENBLAS_NUM_THREADS=1 java -jar "$JAR" bench t5-step --steps "$STEPS" --precision bf16 "${SHAPE[@]}" 2>/dev/null)
    else bf=$(OMP_WAIT_POLICY=PASSIVE UEM_TORCH_THREADS=2 java -jar "$JAR" bench t5-step --steps "$STEPS" --precision bf16 "${SHAPE[@]}" 2>/dev/null); fi
    bf_ms=$(grep '| median ms/step' <<<"$bf" | sed -E 's/.*\| ([0-9.]+) \(.*/\1/')
    # bf16 products are set against the bf16 peak the same run measured (they outrun the float32 one)
    bf_frac=$(grep '| fraction of peak' <<<"$bf" | sed -E 's/.*\| ([0-9.]+) %.*/\1/')
    printf 'round %d, %d thread(s): reference %7.1f ms/step (sgemm peak %6.1f GFLOP/s), bf16 %7.1f | uem fp32 %7.1f ms/step (sgemm peak %6.1f GFLOP/s, %4.1f %% of it), ratio %.2f | uem bf16 %7.1f ms/step (%4.1f %% of the bf16 peak), ratio %.2f to the fp32 reference, %.2f to the bf16 one\n' \
      "$round" "$t" "$ref_ms" "$ref_peak" "$rbf_ms" "$uem_ms" "$uem_peak" "$uem_frac" "$(awk -v a="$uem_ms" -v b="$ref_ms" 'BEGIN{print a/b}')" \
      "$bf_ms" "$bf_frac" "$(awk -v a="$bf_ms" -v b="$ref_ms" 'BEGIN{print a/b}')" "$(awk -v a="$bf_ms" -v b="$rbf_ms" 'BEGIN{print a/b}')"
    REF[$t]+="$ref_ms "; RBF[$t]+="$rbf_ms "; UEM[$t]+="$uem_ms "; BF[$t]+="$bf_ms "; UFRAC[$t]+="$uem_frac "; BFRAC[$t]+="$bf_frac "
  done
done
median() { { tr ' ' '\n' <<<"$1" | grep . || true; } | sort -g | awk '{a[NR]=$1} END{print (NR == 0 ? "" : NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# the reference at its best thread setting: with 2 cores available it may do best on one thread
ref1=$(median "${REF[1]:-}"); ref2=$(median "${REF[2]:-}")
best() { if [ -z "$1" ]; then echo "$2"; else awk -v a="$1" -v b="$2" 'BEGIN{print (b == "" || a < b ? a : b)}'; fi; }
best2=$(best "$ref1" "$ref2")
rbf1=$(median "${RBF[1]:-}"); rbf2=$(median "${RBF[2]:-}"); rbfbest2=$(best "$rbf1" "$rbf2")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{if (a == "" || b == "" || b == 0) printf "-"; else printf "%.2f", a/b}'; }
if [ "$ONLY" != decode ]; then
echo "medians (1 / 2 threads): reference $ref1 / $ref2 ms (best with 2 cores: $best2), uem fp32 $(median "${UEM[1]:-}") / $(median "${UEM[2]:-}") ms, uem bf16 $(median "${BF[1]:-}") / $(median "${BF[2]:-}") ms"
echo "uem's matrix products against the peak of their precision (medians): fp32 $(median "${UFRAC[1]:-}") % / $(median "${UFRAC[2]:-}") % of the sgemm peak, bf16 $(median "${BFRAC[1]:-}") % / $(median "${BFRAC[2]:-}") % of the bf16 peak (1 / 2 threads)"
echo "ratio uem/reference, uem in fp32: 1 thread $(ratio "$(median "${UEM[1]:-}")" "$ref1"), 2 threads $(ratio "$(median "${UEM[2]:-}")" "$best2")"
echo "ratio uem/reference: 1 thread $(ratio "$(median "${BF[1]:-}")" "$ref1"), 2 threads $(ratio "$(median "${BF[2]:-}")" "$best2")   (uem --precision bf16, its fastest; the reference in fp32)"
echo "reference in bf16 autocast (1 / 2 threads): $rbf1 / $rbf2 ms (best with 2 cores: $rbfbest2)"
echo "ratio uem/reference, both in bf16 autocast: 1 thread $(ratio "$(median "${BF[1]:-}")" "$rbf1"), 2 threads $(ratio "$(median "${BF[2]:-}")" "$rbfbest2")"
fi

[ "$ONLY" = step ] && exit 0
declare -A RDEC UDEC
for round in 1 2 3; do
  for t in 1 2; do
    ref=$(OPENBLAS_NUM_THREADS="$t" OMP_WAIT_POLICY=$([ "$t" = 2 ] && echo PASSIVE || echo ACTIVE) \
      "$PY" bench/reference/t5_step.py --decode 16 --batch 32 --threads "$t" --steps "$BATCHES" --warmup 1)
    ref_eps=$(awk '{print $4}' <<<"$ref")
    out=$(UEM_TORCH_THREADS=1 OPENBLAS_NUM_THREADS="$t" java -jar "$JAR" bench decode --steps "$BATCHES" --warmup 1 2>/dev/null)
    uem_eps=$(awk '{print $4}' <<<"$out")
    printf 'decode round %d, %d thread(s): reference %6.1f examples/s | uem %6.1f examples/s | uem/reference %.2f\n' \
      "$round" "$t" "$ref_eps" "$uem_eps" "$(ratio "$uem_eps" "$ref_eps")"
    RDEC[$t]+="$ref_eps "; UDEC[$t]+="$uem_eps "
  done
done
echo "decoding examples/s uem/reference: 1 thread $(ratio "$(median "${UDEC[1]}")" "$(median "${RDEC[1]}")"), 2 threads $(ratio "$(median "${UDEC[2]}")" "$(median "${RDEC[2]}")") (medians: reference $(median "${RDEC[1]}") / $(median "${RDEC[2]}"), uem $(median "${UDEC[1]}") / $(median "${UDEC[2]}"))"
