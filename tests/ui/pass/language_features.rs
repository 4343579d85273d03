use staticflow::prelude::*;

// Comprehensions, tuple `let`, graph fns with defaults and several returns,
// `with ... as s` re-entry, `for` unrolling, control dependencies, dtype literals.
graph! {
    pub struct Features {
        const K: usize = 4;
        let a = constant([[1.0, 2.0], [3.0, 4.0]], name = "a");
        let i = constant([1, 2, 3]);
        let f64v = constant(2.5, dtype = float64);
        let f64sum = f64v + 2.0;
        let halves = i / 2;
        let flags = constant([true, false]);
        fn affine(x, scale = 2.0, shift = 1.0) {
            return x * scale + shift;
        }
        fn stats(x) {
            return (reduce_mean(x), reduce_max(x), reduce_sum(x, axis = 0, keepdims = True));
        }
        let (mean, max, colsum) = stats(a);
        let outs = [affine(a, scale = k) for k in 1..K];
        let total = add_n(outs);
        with name_scope("block") as s {
            let c1 = constant(1);
        }
        with name_scope(s) {
            let c2 = constant(2);
        }
        let acc = Variable(0.0, name = "acc", trainable = false);
        for step in 0..3 {
            let inc = acc.assign_add(1.0);
        }
        with control_dependencies([inc]) {
            let after = identity(acc);
        }
        let flat = reshape(a, [-1]);
        let both = concat([a, a], axis = -1);
        let best = argmax(a, axis = 1);
        let as_int = cast(a, int32);
        let probs = tf.nn.softmax(a);
        let init = global_variables_initializer();
    }
}

fn main() {
    let g = Features::new();
    assert_eq!(g.c1.op_name(), "block/Const");
    assert_eq!(g.c2.op_name(), "block/Const_1");
    let _ = (&g.mean, &g.max, &g.colsum, &g.total, &g.after, &g.flat, &g.both);
    let _ = (&g.best, &g.as_int, &g.probs, &g.halves, &g.flags, &g.f64sum);
}
