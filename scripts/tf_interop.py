"""TensorFlow reads staticflow's checkpoint, and writes one for staticflow to read.

Run by scripts/tf_interop.sh as

    python tf_interop.py RUST_DIR TF_DIR INSPECT_CHECKPOINT

RUST_DIR holds what `examples/interop_write.rs` wrote: `model.ckpt-5` (V2 checkpoint),
`values.json` (every variable, `inspect_checkpoint --json` format) and
`model.safetensors`. This script checks, printing `PASS ...` or `FAIL ...` per check:

1. `tf.train.load_checkpoint` lists exactly the dumped variables, with their dtypes and
   shapes, and reads every tensor bit for bit.
2. The same graph built in TF1 Python (`tf.compat.v1`, reference variables, an
   AdamOptimizer so that slot names line up) is restored by `tf.train.Saver().restore`
   from `tf.train.latest_checkpoint(RUST_DIR)`; every global variable equals the dump.
3. `safetensors.numpy.load_file` reads `model.safetensors` bit for bit (skipped when the
   `safetensors` package is missing); Python writes TF's values back with `save_file`
   for staticflow to load.
4. `inspect_checkpoint` (staticflow's tool) lists both checkpoints as
   `tf.train.list_variables` does.

Then TF trains one more Adam step, sets the float64, int64 and bool variables to new
probing values, saves with its Saver to TF_DIR/model.ckpt-6 and dumps every variable to
TF_DIR/values.txt (`NAME<TAB>DTYPE<TAB>d0,d1<TAB>little-endian bytes in hex`) for
`interop_write --read TF_DIR`.
"""

import json
import os
import subprocess
import sys
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

v1 = tf.compat.v1
tf.get_logger().setLevel("ERROR")  # no deprecation warnings between the checks
RESULTS = []


def check(ok, what):
    print(("PASS " if ok else "FAIL ") + what, flush=True)
    RESULTS.append(bool(ok))


def from_json(entry):
    """The dumped value as a NumPy array of its dtype (NaN and infinities are strings)."""
    special = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}

    def convert(x):
        if isinstance(x, list):
            return [convert(e) for e in x]
        return special.get(x, x) if isinstance(x, str) else x

    array = np.array(convert(entry["value"]), dtype=np.dtype(entry["dtype"]))
    return array.reshape(entry["shape"])


def same(a, b):
    """Bit-identical: dtype, shape and bytes (so -0.0 != 0.0, and NaN == NaN)."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def build_graph():
    """The graph of examples/interop_write.rs, in TF1 Python."""
    graph = tf.Graph()
    with graph.as_default():
        X = tf.constant([[1.0, 2.0, 0.5], [3.0, -1.0, 2.0], [0.0, 1.5, -2.0], [2.0, 2.0, 1.0]])
        y = tf.constant([[1.0], [0.0], [2.0], [-1.0]])
        with v1.variable_scope("dense"):
            kernel = v1.get_variable(
                "kernel", [3, 2], initializer=v1.random_uniform_initializer(-1.0, 1.0, seed=1))
            bias = v1.Variable(tf.zeros([2]), name="bias")
        with tf.name_scope("output"):
            out_kernel = v1.Variable(v1.random_uniform([2, 1], -1.0, 1.0, seed=3), name="kernel")
        cube = v1.Variable(v1.random_uniform([2, 2, 3], -1.0, 1.0, seed=5), name="cube")
        wide = v1.Variable(0.0, name="wide", dtype=tf.float64, trainable=False)
        count = v1.Variable(0, name="count", trainable=False)
        big = v1.Variable(0, name="big", dtype=tf.int64, trainable=False)
        flags = v1.Variable([False, False, False, False], name="flags", trainable=False)
        hidden = tf.nn.relu(tf.matmul(X, kernel) + bias)
        loss = (tf.reduce_mean(tf.square(tf.matmul(hidden, out_kernel) - y))
                + 0.01 * tf.reduce_sum(tf.square(cube)))
        global_step = v1.train.get_or_create_global_step()
        train_op = v1.train.AdamOptimizer(0.01).minimize(loss, global_step=global_step)
        ops = {
            "train": [train_op, v1.assign_add(count, 1)],
            "probe": [
                v1.assign(wide, np.float64(5e-324)),  # the smallest subnormal
                v1.assign(big, np.int64(-(2**62) - 1)),
                v1.assign(flags, [False, True, False, True]),
            ],
        }
        saver = v1.train.Saver()
    return graph, saver, ops


def listing(pairs):
    """`NAME DTYPE [d0,d1]` lines, sorted, as inspect_checkpoint prints them."""
    return "".join(f"{n} {d} [{','.join(map(str, s))}]\n" for n, d, s in sorted(pairs))


def inspect_matches(tool, directory, what):
    prefix = tf.train.latest_checkpoint(directory)
    reader = tf.train.load_checkpoint(prefix)
    dtypes = reader.get_variable_to_dtype_map()
    expected = listing((n, dtypes[n].name, s) for n, s in tf.train.list_variables(prefix))
    out = subprocess.run([tool, directory], capture_output=True, text=True)
    check(out.returncode == 0 and out.stdout == expected,
          f"inspect_checkpoint lists {what} as tf.train.list_variables does"
          + ("" if out.stdout == expected else f":\n{out.stdout}{out.stderr}vs\n{expected}"))
    out = subprocess.run([tool, "--json", directory], capture_output=True, text=True)
    dumped = json.loads(out.stdout) if out.returncode == 0 else {}
    bad = [n for n in dtypes if n not in dumped or not same(from_json(dumped[n]), reader.get_tensor(n))]
    check(out.returncode == 0 and not bad and len(dumped) == len(dtypes),
          f"inspect_checkpoint --json prints every value of {what} exactly" + (f": {bad}" if bad else ""))


def main():
    rust_dir, tf_dir, tool = sys.argv[1:]
    with open(os.path.join(rust_dir, "values.json")) as f:
        dump = json.load(f)

    # 1. The checkpoint reader.
    prefix = tf.train.latest_checkpoint(rust_dir)
    check(prefix is not None and prefix.endswith("model.ckpt-5"),
          f"tf.train.latest_checkpoint reads staticflow's state file: {prefix}")
    reader = tf.train.load_checkpoint(prefix)
    shapes = reader.get_variable_to_shape_map()
    dtypes = reader.get_variable_to_dtype_map()
    check(sorted(shapes) == sorted(dump),
          f"tf.train.load_checkpoint lists the {len(dump)} variables staticflow saved")
    for name, entry in sorted(dump.items()):
        ok = (name in shapes and dtypes[name].name == entry["dtype"]
              and list(shapes[name]) == entry["shape"]
              and same(reader.get_tensor(name), from_json(entry)))
        check(ok, f"tf.train.load_checkpoint: {name} {entry['dtype']} {entry['shape']} bit-identical")

    # 2. A TF1 Saver restoring into the same graph.
    v1.disable_v2_behavior()
    v1.disable_resource_variables()
    graph, saver, ops = build_graph()
    with v1.Session(graph=graph) as sess:
        try:
            saver.restore(sess, v1.train.latest_checkpoint(rust_dir))
            check(True, "TF1 Saver.restore into the same graph built in Python")
        except Exception as e:  # noqa: BLE001 - reported as a failed check
            check(False, f"TF1 Saver.restore into the same graph built in Python: {e}")
            return
        variables = {v.op.name: v for v in v1.global_variables()}
        check(sorted(variables) == sorted(dump),
              "the Python graph's global variables (Adam slots included) are the ones saved")
        for name in sorted(variables):
            value = sess.run(variables[name])
            ok = name in dump and same(value, from_json(dump[name]))
            check(ok, f"TF1 restore: {name} bit-identical")

        # Then TF's own checkpoint, for staticflow to read.
        sess.run(ops["train"])
        sess.run(ops["probe"])
        os.makedirs(tf_dir, exist_ok=True)
        saved = saver.save(sess, os.path.join(tf_dir, "model.ckpt"),
                           global_step=v1.train.get_global_step(graph))
        values = {name: np.asarray(sess.run(v)) for name, v in variables.items()}
        with open(os.path.join(tf_dir, "values.txt"), "w") as f:
            for name, value in sorted(values.items()):
                data = value.astype(value.dtype.newbyteorder("<")).tobytes()
                shape = ",".join(map(str, value.shape))
                f.write(f"{name}\t{value.dtype.name}\t{shape}\t{data.hex()}\n")
        print(f"TF saved {saved} and values.txt", file=sys.stderr)

    # 3. safetensors, both ways.
    try:
        from safetensors.numpy import load_file, save_file
    except ImportError:
        print("SKIP safetensors: the safetensors package is not installed", flush=True)
    else:
        tensors = load_file(os.path.join(rust_dir, "model.safetensors"))
        check(sorted(tensors) == sorted(dump),
              f"safetensors.numpy.load_file lists the {len(dump)} variables")
        for name, entry in sorted(dump.items()):
            check(name in tensors and same(tensors[name], from_json(entry)),
                  f"safetensors: {name} bit-identical")
        # np.array, not np.ascontiguousarray: the latter makes scalars shape [1].
        save_file({n: np.array(v, order="C") for n, v in values.items()},
                  os.path.join(tf_dir, "model.safetensors"))

    # 4. staticflow's inspect_checkpoint on both checkpoints.
    inspect_matches(tool, rust_dir, "staticflow's checkpoint")
    inspect_matches(tool, tf_dir, "TF's checkpoint")


if __name__ == "__main__":
    main()
    sys.exit(0 if all(RESULTS) else 1)
