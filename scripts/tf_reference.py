#!/usr/bin/env python3
"""Generate reference numbers from real TensorFlow (TF1 graph mode) for staticflow's tests.

Usage (needs `pip install tensorflow-cpu tf-keras`; tf-keras provides tf.layers on TF >= 2.16):

    python scripts/tf_reference.py [OUTPUT_JSON]

Default output: tests/fixtures/tf_reference.json (relative to the current directory).
The tests only read the JSON; this script is here so the numbers can be regenerated.

All computations are float32.  Values are dumped as float64 conversions of the float32
results, so each float in the JSON round-trips exactly to the float32 TF produced.
"""
import json
import os
import sys

# Must be set before TensorFlow is imported.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # plain Eigen kernels, no oneDNN reordering
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")    # tf.layers needs Keras 2 (tf_keras)

import numpy as np
import tensorflow as tf2
import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()
tf.disable_resource_variables()  # reference (RefVariable) variables, TF1 update ops
tf.logging.set_verbosity(tf.logging.ERROR)


def to_json(x):
    """float32/int ndarray (or scalar) -> nested Python lists of float64/int."""
    a = np.asarray(x)
    if a.dtype.kind == "f":
        return a.astype(np.float64).tolist()
    if a.dtype.kind in "iu":
        return a.astype(np.int64).tolist()
    if a.dtype.kind == "b":
        return a.tolist()
    if a.dtype.kind in "SO":
        return [v.decode() if isinstance(v, bytes) else v for v in a.ravel().tolist()]
    return a.tolist()


def dumps_readable(obj, level=0, width=100):
    """JSON with one key per line, but short lists (numbers, [name, type] pairs) kept on one line."""
    pad, pad1 = " " * level, " " * (level + 1)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = ["%s%s: %s" % (pad1, json.dumps(k), dumps_readable(v, level + 1, width))
                 for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list):
        flat = json.dumps(obj)
        if len(flat) + level <= width or not any(isinstance(v, (list, dict)) for v in obj):
            return flat
        items = [pad1 + dumps_readable(v, level + 1, width) for v in obj]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(obj)


def ops_of(graph, ops=None):
    ops = graph.get_operations() if ops is None else ops
    return [[op.name, op.type] for op in ops]


# ---------------------------------------------------------------------------
# A/B/D. Linear regression with several optimizers
# ---------------------------------------------------------------------------
X_DATA = [[1.0, 2.0, 0.5], [0.3, -1.0, 2.0], [-0.7, 0.4, 1.5], [2.0, 0.1, -0.3]]
Y_DATA = [[1.0], [-2.0], [0.5], [3.0]]
THETA0 = [[0.5], [-0.3], [0.8]]


def build_linreg():
    X = tf.constant(X_DATA, dtype=tf.float32)
    y = tf.constant(Y_DATA, dtype=tf.float32)
    theta = tf.Variable(THETA0, dtype=tf.float32, name="theta")
    loss = tf.reduce_mean(tf.square(tf.matmul(X, theta) - y), name="mse")
    return X, y, theta, loss


OPTIMIZERS = {
    "gd": lambda: tf.train.GradientDescentOptimizer(0.1),
    "momentum": lambda: tf.train.MomentumOptimizer(0.1, 0.9),
    "nesterov": lambda: tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True),
    "adam": lambda: tf.train.AdamOptimizer(0.1),
    "rmsprop": lambda: tf.train.RMSPropOptimizer(0.1),
    "rmsprop_momentum": lambda: tf.train.RMSPropOptimizer(0.1, momentum=0.5, centered=False),
    "adagrad": lambda: tf.train.AdagradOptimizer(0.1),
}
OPTIMIZER_CODE = {
    "gd": "tf.train.GradientDescentOptimizer(0.1)",
    "momentum": "tf.train.MomentumOptimizer(0.1, 0.9)",
    "nesterov": "tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True)",
    "adam": "tf.train.AdamOptimizer(0.1)",
    "rmsprop": "tf.train.RMSPropOptimizer(0.1)",
    "rmsprop_momentum": "tf.train.RMSPropOptimizer(0.1, momentum=0.5, centered=False)",
    "adagrad": "tf.train.AdagradOptimizer(0.1)",
}


def run_optimizer(key):
    g = tf.Graph()
    with g.as_default():
        _, _, theta, loss = build_linreg()
        train_op = OPTIMIZERS[key]().minimize(loss)
        init = tf.global_variables_initializer()
        gvars = tf.global_variables()
        with tf.Session(graph=g) as sess:
            sess.run(init)
            initial_vars = {v.op.name: to_json(sess.run(v)) for v in gvars}
            loss0 = sess.run(loss)
            res = {"code": OPTIMIZER_CODE[key], "loss_initial": to_json(loss0)}
            for step in range(1, 11):
                sess.run(train_op)
                if step in (1, 2, 10):
                    res["after_%d" % step] = to_json(sess.run(theta))
            res["loss_after_10"] = to_json(sess.run(loss))
            res["variable_names"] = [v.op.name for v in gvars]
            res["variable_dtypes"] = [v.dtype.base_dtype.name for v in gvars]
            res["variables_initial"] = initial_vars
            res["variables"] = {v.op.name: to_json(sess.run(v)) for v in gvars}
            res["train_op"] = [train_op.name, train_op.type]
    return res


def run_gd_global_step():
    g = tf.Graph()
    with g.as_default():
        _, _, theta, loss = build_linreg()
        global_step = tf.train.get_or_create_global_step()
        before = set(op.name for op in g.get_operations())
        train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=global_step)
        added = [[op.name, op.type] for op in g.get_operations() if op.name not in before]
        with tf.Session(graph=g) as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(10):
                sess.run(train_op)
            return {
                "global_step_after_10": to_json(sess.run(global_step)),
                "global_step_dtype": global_step.dtype.base_dtype.name,
                "global_step_name": global_step.op.name,
                "theta_after_10": to_json(sess.run(theta)),
                "variable_names": [v.op.name for v in tf.global_variables()],
                "train_op": [train_op.name, train_op.type],
                "ops_added_by_minimize": added,
            }


def run_linreg_gradients():
    g = tf.Graph()
    with g.as_default():
        X, y, theta, loss = build_linreg()
        grad = tf.gradients(loss, [theta])[0]
        m = 4.0
        manual = 2.0 / m * tf.matmul(tf.transpose(X), tf.matmul(X, theta) - y)
        with tf.Session(graph=g) as sess:
            sess.run(tf.global_variables_initializer())
            gv, mv, lv = sess.run([grad, manual, loss])
            return {"loss": to_json(lv), "tf_gradients": to_json(gv), "manual": to_json(mv),
                    "grad_tensor_name": grad.name}


def run_gd_graph_ops():
    g = tf.Graph()
    with g.as_default():
        _, _, _, loss = build_linreg()
        before = set(op.name for op in g.get_operations())
        train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        return {
            "ops": ops_of(g),
            "ops_added_by_minimize": [[op.name, op.type] for op in g.get_operations()
                                      if op.name not in before],
            "train_op": [train_op.name, train_op.type],
        }


# ---------------------------------------------------------------------------
# C. Seed 004: gradients of a matmul
# ---------------------------------------------------------------------------
def run_seed004():
    g = tf.Graph()
    with g.as_default():
        aa = tf.constant([[1.0, 2.0]])
        b = tf.constant([[1.0, 3.0], [2.0, 3.0]])
        c = tf.matmul(aa, b)
        a = tf.constant(2.0)
        out = {}
        fetches = {
            "c": c,
            "grad_c_aa": tf.gradients(c, aa),
            "grad_c_times_a_aa": tf.gradients(c * a, aa),
            # grad_ys given with the same shape as c ([1, 2])
            "grad_c_aa_grad_ys_2x_shaped_1x2": tf.gradients(c, aa, grad_ys=[[[2.0, 2.0]]]),
        }
        # Literally grad_ys=[[2.0, 2.0]]: a list with one grad_y of shape [2] for c of shape [1, 2].
        try:
            fetches["grad_c_aa_grad_ys_literal"] = tf.gradients(c, aa, grad_ys=[[2.0, 2.0]])
        except Exception as e:  # record what TF does
            out["grad_c_aa_grad_ys_literal_error"] = "%s: %s" % (type(e).__name__, e)
        with tf.Session(graph=g) as sess:
            for k, t in fetches.items():
                try:
                    v = sess.run(t)
                    out[k] = [to_json(x) for x in v] if isinstance(v, list) else to_json(v)
                except Exception as e:
                    out[k + "_error"] = "%s: %s" % (type(e).__name__, str(e).splitlines()[0])
        out["note"] = ("tf.gradients returns a list (one entry per xs). "
                       "'grad_c_aa_grad_ys_literal' uses grad_ys=[[2.0, 2.0]] verbatim, "
                       "'..._shaped_1x2' uses grad_ys=[[[2.0, 2.0]]] (grad_y of c's shape).")
    return out


# ---------------------------------------------------------------------------
# E. Losses, clip_by_global_norm, tf.layers.dense naming
# ---------------------------------------------------------------------------
LOGITS = [[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]]
W_ELEM = [[1.0, -2.0, 0.5], [0.3, 1.0, -1.0]]
W_EXAMPLE = [1.0, -2.0]
LABELS_DENSE = [[0.0, 1.0, 0.0], [0.2, 0.3, 0.5]]
LABELS_SPARSE = [1, 2]
LABELS_SIGMOID = [[0.0, 1.0, 1.0], [1.0, 0.0, 0.5]]


def run_losses():
    g = tf.Graph()
    out = {"inputs": {"logits": LOGITS, "w_elementwise": W_ELEM, "w_per_example": W_EXAMPLE,
                      "labels_softmax": LABELS_DENSE, "labels_sparse": LABELS_SPARSE,
                      "labels_sigmoid_and_mse": LABELS_SIGMOID}}
    with g.as_default():
        logits = tf.constant(LOGITS, name="logits")
        w_elem = tf.constant(W_ELEM)
        w_ex = tf.constant(W_EXAMPLE)
        cases = {
            # name: (value tensor, weight or None for scalar losses, weighting description)
            "softmax_cross_entropy_with_logits_v2": (
                tf.nn.softmax_cross_entropy_with_logits_v2(
                    labels=tf.constant(LABELS_DENSE), logits=logits), w_ex),
            "sparse_softmax_cross_entropy_with_logits": (
                tf.nn.sparse_softmax_cross_entropy_with_logits(
                    labels=tf.constant(LABELS_SPARSE), logits=logits), w_ex),
            "sigmoid_cross_entropy_with_logits": (
                tf.nn.sigmoid_cross_entropy_with_logits(
                    labels=tf.constant(LABELS_SIGMOID), logits=logits), w_elem),
            "l2_loss": (tf.nn.l2_loss(logits), None),
            "losses_mean_squared_error": (
                tf.losses.mean_squared_error(labels=tf.constant(LABELS_SIGMOID),
                                             predictions=logits), None),
            "log_softmax": (tf.nn.log_softmax(logits), w_elem),
            "softmax": (tf.nn.softmax(logits), w_elem),
        }
        grads = {}
        for name, (val, w) in cases.items():
            obj = val if w is None else tf.reduce_sum(val * w)
            grads[name] = tf.gradients(obj, logits)[0]
        with tf.Session(graph=g) as sess:
            for name, (val, w) in cases.items():
                v, gr = sess.run([val, grads[name]])
                out[name] = {
                    "value": to_json(v),
                    "grad_wrt_logits": to_json(gr),
                    "grad_of": ("loss" if w is None else
                                "reduce_sum(value * w_per_example)" if w is w_ex else
                                "reduce_sum(value * w_elementwise)"),
                    "value_op": [val.op.name, val.op.type],
                }
        out["losses_mean_squared_error"]["ops"] = ops_of(
            g, [op for op in g.get_operations() if op.name.startswith("mean_squared_error")])
    return out


def run_clip_by_global_norm():
    g = tf.Graph()
    with g.as_default():
        t1 = tf.constant([[3.0, 4.0]])
        t2 = tf.constant([12.0])
        clipped, norm = tf.clip_by_global_norm([t1, t2], 1.0)
        # also a case where no clipping happens (clip_norm larger than the norm)
        clipped_big, norm_big = tf.clip_by_global_norm([t1, t2], 20.0)
        with tf.Session(graph=g) as sess:
            c, n, cb, nb = sess.run([clipped, norm, clipped_big, norm_big])
    return {"inputs": {"t1": [[3.0, 4.0]], "t2": [12.0]},
            "clip_norm_1": {"clipped": [to_json(x) for x in c], "global_norm": to_json(n)},
            "clip_norm_20": {"clipped": [to_json(x) for x in cb], "global_norm": to_json(nb)}}


def run_dense_names():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 3], name="x")
        n0 = len(g.get_operations())
        y1 = tf.layers.dense(x, 4, name=None)
        n1 = len(g.get_operations())
        y2 = tf.layers.dense(x, 4, name=None)
        ops = g.get_operations()
        return {
            "outputs": [y1.name, y2.name],
            "global_variables": [v.op.name for v in tf.global_variables()],
            "global_variable_shapes": [v.shape.as_list() for v in tf.global_variables()],
            "trainable_variables": [v.op.name for v in tf.trainable_variables()],
            "ops_first_dense": ops_of(g, ops[n0:n1]),
            "ops_second_dense": ops_of(g, ops[n1:]),
        }


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join("tests", "fixtures", "tf_reference.json")
    result = {
        "tensorflow_version": tf2.__version__,
        "generator": "scripts/tf_reference.py (tensorflow.compat.v1, disable_v2_behavior, "
                     "disable_resource_variables, float32)",
        "linreg_problem": {"X": X_DATA, "y": Y_DATA, "theta_initial": THETA0,
                           "loss": "reduce_mean(square(matmul(X, theta) - y), name='mse')"},
        "optimizers": {k: run_optimizer(k) for k in OPTIMIZERS},
        "gd_with_global_step": run_gd_global_step(),
        "linreg_gradients": run_linreg_gradients(),
        "seed004": run_seed004(),
        "gd_graph_ops": run_gd_graph_ops(),
        "losses": run_losses(),
        "clip_by_global_norm": run_clip_by_global_norm(),
        "dense_layer_names": run_dense_names(),
    }
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write(dumps_readable(result) + "\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
