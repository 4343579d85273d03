#!/usr/bin/env bash
# Checks with real TensorBoard (EventAccumulator) that it reads staticflow's event files:
# files written by `runtime/examples/write_events.rs` (graph, scalars with a 0.0,
# histograms, merged summaries), a copy cut inside its last record (every complete
# record must still load), and the event file written by real TensorFlow.
#
# TensorBoard lives in a virtualenv under target/tensorboard-venv, installed from PyPI on
# first use and reused afterwards. Prints one line per check and `N passed, N failed`;
# exits non-zero on a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/tensorboard-venv
python="$venv/bin/python"
if ! "$python" -c "import tensorboard" 2>/dev/null; then
    echo "installing tensorboard into $venv" >&2
    python3 -m venv "$venv"
    "$python" -m pip install --quiet --disable-pip-version-check tensorboard
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

events=$(cargo run --quiet -p staticflow-runtime --example write_events -- "$tmp/out")
echo "wrote $events" >&2

truncated="$tmp/truncated/$(basename "$events")"
mkdir -p "$(dirname "$truncated")"
"$python" - "$events" "$truncated" <<'PY'
"""Copies an event file, cutting it in the middle of its last record."""
import struct
import sys

src, dst = sys.argv[1:]
data = open(src, "rb").read()
pos = last = 0
while pos < len(data):
    last = pos
    (length,) = struct.unpack("<Q", data[pos:pos + 8])
    pos += 12 + length + 4
cut = last + (len(data) - last) // 2
with open(dst, "wb") as f:
    f.write(data[:cut])
print(f"truncated copy: {cut} of {len(data)} bytes, last record at byte {last}",
      file=sys.stderr)
PY

# Logs the examples write (seed 001's training curve and graphs, the main example).
# The summary `MSE` is `MSE_1` there: TF uniquifies it against the op `mse`.
cargo build --quiet --release --example linear_regression --example digits_mlp --example shared_relu
target/release/examples/linear_regression --logdir "$tmp/lr" --ckpt-dir "$tmp/ckpt" >/dev/null
target/release/examples/digits_mlp --epochs 3 --logdir "$tmp/digits" --ckpt-dir "$tmp/ckpt" >/dev/null
target/release/examples/shared_relu --logdir "$tmp/relu" >/dev/null

"$python" scripts/check_tensorboard.py \
    tests/fixtures/tf_events/events.out.tfevents.1700000000.oracle \
    --expect "@$tmp/out/expect.json" "$(dirname "$events")" \
    --expect "@$tmp/out/expect_truncated.json" "$truncated" \
    --expect '{"file_version": 2.0, "scalar_tags": {"MSE_1": 10}, "graph": {"names": ["X", "theta", "predictions", "mse", "gradients/mse_grad/MeanGrad", "GradientDescent/update_theta/ApplyGradientDescent", "MSE_1"], "ops": {"X": "Placeholder", "theta": "VariableV2", "predictions": "MatMul", "MSE_1": "ScalarSummary"}}}' "$tmp"/lr/run-* \
    --expect '{"scalar_tags": {"loss": 3, "accuracy": 3}, "histograms": {"hidden1/kernel": {"steps": [0, 1, 2]}, "outputs/bias": {"steps": [0, 1, 2]}}, "graph": {"names": ["X", "y", "dnn/hidden1/MatMul", "dnn/hidden1/BiasAdd", "dnn/hidden1/Relu", "loss/loss", "train/Adam", "eval/Mean"]}}' "$tmp"/digits/run-* \
    --expect '{"graph": {"names": ["X", "output", "relu/weights", "relu_4/max", "relu_4/z"], "ops": {"relu/max": "Maximum", "output": "AddN"}}}' "$tmp/relu/relu2"
