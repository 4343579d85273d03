#!/usr/bin/env bash
# TensorFlow and staticflow read each other's checkpoints (not part of .ci/run: TF is a
# large download). `examples/interop_write.rs` trains a graph with Adam and saves it;
# `scripts/tf_interop.py` has TF read it (`tf.train.load_checkpoint`, and a TF1
# `Saver.restore` into the same graph built in Python), compares every value bit for
# bit, checks the safetensors export and `inspect_checkpoint`, then saves TF's own
# checkpoint, which `interop_write --read` restores and compares.
#
# TensorFlow lives in a scratch virtualenv, $TF_INTEROP_VENV (default
# /tmp/tf-interop-venv), created with `pip install tensorflow-cpu safetensors` on first
# use and reused afterwards; point it at an existing one to skip the download. Prints one
# line per check and `N passed, N failed`; exits non-zero on a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=${TF_INTEROP_VENV:-/tmp/tf-interop-venv}
python="$venv/bin/python"
if ! "$python" -c "import tensorflow" 2>/dev/null; then
    echo "installing tensorflow-cpu and safetensors into $venv" >&2
    python3 -m venv "$venv"
    "$python" -m pip install --quiet --disable-pip-version-check tensorflow-cpu safetensors
elif ! "$python" -c "import safetensors.numpy" 2>/dev/null; then
    # An existing TF venv without safetensors: add it if PyPI is reachable, else the
    # safetensors checks are skipped.
    "$python" -m pip install --quiet --disable-pip-version-check safetensors >&2 || true
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cargo build --quiet --release --example interop_write --example inspect_checkpoint
target/release/examples/interop_write "$tmp/rust" >&2

status=0
"$python" scripts/tf_interop.py "$tmp/rust" "$tmp/tf" target/release/examples/inspect_checkpoint \
    | tee "$tmp/checks.log" || status=1
if [ -f "$tmp/tf/values.txt" ]; then
    target/release/examples/interop_write --read "$tmp/tf" | tee -a "$tmp/checks.log" || status=1
else
    echo "FAIL TF wrote no checkpoint for staticflow to read" | tee -a "$tmp/checks.log"
fi

passed=$(grep -c '^PASS' "$tmp/checks.log" || true)
failed=$(grep -c '^FAIL' "$tmp/checks.log" || true)
echo "$passed passed, $failed failed"
if [ "$failed" -ne 0 ] || [ "$status" -ne 0 ]; then
    exit 1
fi
