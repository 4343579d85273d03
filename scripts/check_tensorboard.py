#!/usr/bin/env python3
"""Checks event files with real TensorBoard's EventAccumulator.

Usage:
    check_tensorboard.py [[--expect JSON_OR_@FILE] LOGDIR_OR_FILE...]...

Each path (an event file, or a run directory whose *tfevents* files are read in name
order) is loaded with
`tensorboard.backend.event_processing.event_accumulator.EventAccumulator` and checked
against the expectation given by the last --expect before it (inline JSON, or @path to
a JSON file), or, with none before it, for TensorFlow's fixture
`events.out.tfevents.1700000000.oracle`, the built-in one.

Expectation keys (all optional):
    file_version: float            what TensorBoard parsed from `brain.Event:2`
    scalars: {tag: [[step, value], ...]}
                                    the exact scalar tag set, steps and values
                                    (relative tolerance 1e-6)
    scalar_tags: {tag: min_steps}  these scalars present with at least min_steps events
    histograms: {tag: {"steps": [...], "first": {"min", "max", "num", "sum",
                 "buckets"}}}      present in Histograms and Distributions
    graph: {"nodes": N, "names": [...], "ops": {name: op},
            "output_shapes": {name: [[dim, ...], ...]}}

Prints one PASS/FAIL line per check, then `N passed, N failed`; exits 1 on a failure.
"""

import json
import math
import os
import sys

FIXTURE_NAME = "events.out.tfevents.1700000000.oracle"
FIXTURE_EXPECT = {
    "file_version": 2.0,
    "scalars": {
        "MSE": [[0, 4.25], [1, 0.7432000637054443], [2, 0.17428286373615265],
                [3, 0.08174524456262589]],
        "zero": [[0, 0.0], [1, 0.0], [2, 0.0], [3, 0.0]],
    },
    "histograms": {
        "theta_1": {
            "steps": [0, 1, 2, 3],
            "first": {"min": -0.5, "max": 0.5, "num": 2, "sum": 0.0, "buckets": 5},
        },
    },
    "graph": {
        "nodes": 57,
        "names": ["X", "y", "theta", "theta/read", "predictions", "loss/sub",
                  "loss/Square", "loss/Const", "loss/mse", "GradientDescent"],
        "ops": {"X": "Placeholder", "theta": "VariableV2", "loss/mse": "Mean"},
        "output_shapes": {"X": [[-1, 2]], "loss/mse": [[]]},
    },
}


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what, detail=""):
        if ok:
            self.passed += 1
            print(f"PASS {what}")
        else:
            self.failed += 1
            print(f"FAIL {what}" + (f": {detail}" if detail else ""))
        return ok


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-12)


def load(path):
    from tensorboard.backend.event_processing import event_accumulator as ea

    acc = ea.EventAccumulator(
        path,
        size_guidance={
            ea.SCALARS: 0,
            ea.HISTOGRAMS: 0,
            ea.COMPRESSED_HISTOGRAMS: 0,
            ea.TENSORS: 0,
        },
    )
    acc.Reload()
    return acc


def check_scalars(c, acc, name, expected):
    tags = acc.Tags()["scalars"]
    c.check(sorted(tags) == sorted(expected), f"{name}: scalar tags {sorted(expected)}",
            f"got {sorted(tags)}")
    for tag, points in expected.items():
        if not c.check(tag in tags, f"{name}: scalar {tag} present"):
            continue
        got = [(e.step, e.value) for e in acc.Scalars(tag)]
        steps_ok = [s for s, _ in got] == [s for s, _ in points]
        values_ok = steps_ok and all(close(g, v) for (_, g), (_, v) in zip(got, points))
        c.check(values_ok, f"{name}: scalar {tag} steps and values", f"got {got}")


def check_histograms(c, acc, name, expected):
    tags = acc.Tags()
    for tag, want in expected.items():
        if not c.check(tag in tags["histograms"], f"{name}: histogram {tag} present",
                       f"histograms {tags['histograms']}"):
            continue
        c.check(tag in tags["distributions"], f"{name}: distribution {tag} present")
        events = acc.Histograms(tag)
        steps = [e.step for e in events]
        if "steps" in want:
            c.check(steps == want["steps"], f"{name}: histogram {tag} steps", f"got {steps}")
        first = want.get("first")
        if first and events:
            h = events[0].histogram_value
            got = {"min": h.min, "max": h.max, "num": h.num, "sum": h.sum,
                   "buckets": len(h.bucket)}
            ok = all(close(got[k], v) for k, v in first.items())
            ok = ok and len(h.bucket) == len(h.bucket_limit)
            c.check(ok, f"{name}: histogram {tag} first values", f"got {got}")


def check_graph(c, acc, name, expected):
    if not c.check(acc.Tags()["graph"], f"{name}: graph present"):
        return
    graph = acc.Graph()
    nodes = {n.name: n for n in graph.node}
    if "nodes" in expected:
        c.check(len(graph.node) == expected["nodes"], f"{name}: graph has {expected['nodes']} nodes",
                f"got {len(graph.node)}")
    missing = [n for n in expected.get("names", []) if n not in nodes]
    c.check(not missing, f"{name}: graph node names", f"missing {missing}")
    for node, op in expected.get("ops", {}).items():
        got = nodes[node].op if node in nodes else None
        c.check(got == op, f"{name}: node {node} is {op}", f"got {got}")
    for node, shapes in expected.get("output_shapes", {}).items():
        got = None
        if node in nodes and "_output_shapes" in nodes[node].attr:
            got = [[d.size for d in s.dim] for s in nodes[node].attr["_output_shapes"].list.shape]
        c.check(got == shapes, f"{name}: node {node} _output_shapes {shapes}", f"got {got}")


def check_path(c, path, expected):
    name = os.path.basename(os.path.normpath(path))
    try:
        acc = load(path)
    except Exception as e:  # noqa: BLE001 - any failure to load is a failed check
        c.check(False, f"{name}: TensorBoard loads {path}", repr(e))
        return
    c.check(True, f"{name}: TensorBoard loads {path}")
    if "file_version" in expected:
        got = getattr(acc, "file_version", None)
        c.check(got == expected["file_version"], f"{name}: file_version {expected['file_version']}",
                f"got {got}")
    if "scalars" in expected:
        check_scalars(c, acc, name, expected["scalars"])
    for tag, min_steps in expected.get("scalar_tags", {}).items():
        tags = acc.Tags()["scalars"]
        steps = len(acc.Scalars(tag)) if tag in tags else 0
        c.check(steps >= min_steps, f"{name}: scalar {tag} has >= {min_steps} steps",
                f"got {steps} (tags {sorted(tags)})")
    if "histograms" in expected:
        check_histograms(c, acc, name, expected["histograms"])
    if "graph" in expected:
        check_graph(c, acc, name, expected["graph"])


def parse_expect(text):
    if text.startswith("@"):
        with open(text[1:], encoding="utf-8") as f:
            return json.load(f)
    return json.loads(text)


def main(argv):
    jobs = []  # (path, expectation or None)
    expect = None
    args = iter(argv)
    for arg in args:
        if arg == "--expect" or arg.startswith("--expect="):
            text = arg[len("--expect="):] if "=" in arg else next(args, None)
            if text is None:
                print("--expect needs a value", file=sys.stderr)
                return 2
            expect = parse_expect(text)
        elif arg in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            jobs.append((arg, expect))
    if not jobs:
        print(__doc__, file=sys.stderr)
        return 2
    c = Checks()
    for path, expected in jobs:
        if expected is None and os.path.basename(path) == FIXTURE_NAME:
            expected = FIXTURE_EXPECT
        if expected is None:
            c.check(False, f"{path}: an expectation", "give --expect JSON before it")
            continue
        check_path(c, path, expected)
    print(f"{c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
