#!/usr/bin/env bash
# Download a T5 checkpoint from the HuggingFace Hub into weights/<name>/, in the layout uem reads
# (config.json + model.safetensors or shards + tokenizer.json). For users' machines: CI never runs this.
#
#   weights/download.sh google/flan-t5-small            -> weights/flan-t5-small/
#   weights/download.sh sentence-transformers/sentence-t5-base
#   HF_TOKEN=... weights/download.sh google/flan-t5-xl  (token only for gated/private repos)
set -euo pipefail

usage() { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
[ $# -eq 1 ] || usage 2
case "$1" in -h|--help) usage 0 ;; esac

repo="$1"
name="${repo##*/}"
dest="$(cd "$(dirname "$0")" && pwd)/$name"
base="${HF_ENDPOINT:-https://huggingface.co}/$repo/resolve/main"
auth=()
[ -n "${HF_TOKEN:-}" ] && auth=(-H "Authorization: Bearer $HF_TOKEN")
mkdir -p "$dest"

# fetch FILE [TARGET]: download to a temp file, then move into place, so an interrupted download leaves nothing half-written
fetch() {
  local file="$1" target="${2:-$1}"
  if [ -s "$dest/$target" ]; then echo "have  $target"; return 0; fi
  echo "fetch $file"
  if curl -fL --retry 3 --progress-bar "${auth[@]}" -o "$dest/$target.part" "$base/$file"; then
    mv "$dest/$target.part" "$dest/$target"
  else
    rm -f "$dest/$target.part"; return 1
  fi
}

fetch config.json
fetch tokenizer.json || echo "note: no tokenizer.json in $repo; uem will use its bundled T5 tokenizer"
fetch spiece.model || true

if fetch model.safetensors; then :
elif fetch model.safetensors.index.json; then
  # every shard named in the index
  for shard in $(grep -o '"[^"]*\.safetensors"' "$dest/model.safetensors.index.json" | tr -d '"' | sort -u); do
    fetch "$shard"
  done
else
  echo "error: $repo has neither model.safetensors nor model.safetensors.index.json; uem does not read pytorch_model.bin" >&2
  exit 1
fi

case "$repo" in
  sentence-transformers/sentence-t5-*)
    # the Dense layer of the sentence-transformers pipeline (key linear.weight), under the name uem expects
    fetch 2_Dense/model.safetensors sentence_t5_dense.safetensors || {
      echo "error: $repo/2_Dense has no model.safetensors" >&2; exit 1; }
    ;;
esac
echo "done: $dest"
echo "check it against HuggingFace with: java -jar target/uem.jar t5-forward --model $dest --cases CASES.json --out out.json"
