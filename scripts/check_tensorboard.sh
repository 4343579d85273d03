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

"$python" scripts/check_tensorboard.py \
    tests/fixtures/tf_events/events.out.tfevents.1700000000.oracle \
    --expect "@$tmp/out/expect.json" "$(dirname "$events")" \
    --expect "@$tmp/out/expect_truncated.json" "$truncated"
