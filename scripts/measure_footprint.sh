#!/usr/bin/env bash
# Measures staticflow's footprint and prints one markdown line per number:
#   - peak RSS of the digits_mlp example binary (its default run on data/digits.csv,
#     logs and checkpoint into a temporary directory);
#   - peak RSS of the throughput bench running only its MLP cases (`--quick mlp`; the
#     FMA-peak rows always run too);
#   - with --build-times: a clean `cargo build --release --workspace`, into its own
#     target directory (target/footprint-clean, removed first, so nothing is reused);
#   - the rebuild of examples/graph_basics.rs after one token change inside a `graph!`
#     (the file is restored byte for byte afterwards, also on failure or Ctrl-C).
#
# Peak RSS is the child's ru_maxrss (python3's resource.getrusage(RUSAGE_CHILDREN)) in
# MB of 1024 KiB, as the peers' rss_mb reports it. Binaries are built first and run
# directly, so cargo's own memory is not counted.
#
# `scripts/measure_footprint.sh [--build-times]`
set -euo pipefail
cd "$(dirname "$0")/.."

build_times=false
for arg in "$@"; do
    case "$arg" in
        --build-times) build_times=true ;;
        *)
            echo "usage: $0 [--build-times]" >&2
            exit 2
            ;;
    esac
done

tmp=$(mktemp -d)
example=examples/graph_basics.rs
cp "$example" "$tmp/graph_basics.rs"
restore() {
    # A plain copy (new mtime), so cargo rebuilds the example from the restored file.
    if ! cmp -s "$tmp/graph_basics.rs" "$example"; then
        cp "$tmp/graph_basics.rs" "$example"
    fi
    rm -rf "$tmp"
}
trap restore EXIT
trap 'exit 130' INT TERM

# Runs "$@" and prints its peak RSS in MB; its stdout goes to stderr.
peak_rss_mb() {
    python3 - "$@" <<'PY'
import resource
import subprocess
import sys

subprocess.run(sys.argv[1:], check=True, stdout=sys.stderr)
kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"{kib / 1024:.1f}")
PY
}

# Runs "$@" (output to stderr) and prints its wall time in seconds.
wall_s() {
    local start end
    start=$(date +%s.%N)
    "$@" >&2
    end=$(date +%s.%N)
    python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$start" "$end"
}

# The path of the executable cargo builds for `cargo build --release "$@"`.
executable() {
    cargo build --release --message-format=json "$@" |
        python3 -c '
import json, sys
paths = [m["executable"] for m in map(json.loads, sys.stdin)
         if m.get("reason") == "compiler-artifact" and m.get("executable")]
print(paths[-1])'
}

echo "building digits_mlp and the throughput bench (release)" >&2
mlp_bin=$(executable --example digits_mlp)
bench_bin=$(executable --bench throughput)

rss_mlp=$(peak_rss_mb "$mlp_bin" --logdir "$tmp/logs" --ckpt-dir "$tmp/ckpt")
echo "- peak RSS, \`digits_mlp\` example (default 40 epochs on data/digits.csv): ${rss_mlp} MB"
rss_bench=$(peak_rss_mb "$bench_bin" --quick mlp)
echo "- peak RSS, throughput bench, MLP cases only (\`--quick mlp\`): ${rss_bench} MB"

if $build_times; then
    clean_dir=target/footprint-clean
    rm -rf "$clean_dir"
    echo "clean release build of the workspace into $clean_dir" >&2
    clean_s=$(wall_s env CARGO_TARGET_DIR="$clean_dir" cargo build --release --workspace)
    rm -rf "$clean_dir"
    echo "- clean \`cargo build --release --workspace\` (own target dir): ${clean_s} s"
fi

echo "rebuild of $example after a token change in a graph!" >&2
cargo build --release --example graph_basics >&2
# `f = x*x*y + y + 2` -> `f = (x*x*y + y + 2)`: the same graph, different tokens.
sed -i 's/let f = x \* x \* y + y + 2;/let f = (x * x * y + y + 2);/' "$example"
if cmp -s "$tmp/graph_basics.rs" "$example"; then
    echo "error: the edit of $example did not apply" >&2
    exit 1
fi
rebuild_s=$(wall_s cargo build --release --example graph_basics)
echo "- rebuild after editing one \`graph!\` in $example (\`cargo build --release --example graph_basics\`): ${rebuild_s} s"
