use staticflow::prelude::*;

// Fail soft (style.md 4.4): the user's code that uses a field whose op failed must
// not get a second, follow-on error; only the graph's own error is reported.
graph! {
    pub struct G {
        let X = placeholder(float32, shape = [None, 9], name = "X");
        let theta = Variable(zeros([8, 1]), name = "theta");
        let y_pred = matmul(X, theta, name = "predictions");
    }
}

fn main() {
    let g = G::new();
    let _ = (&g.X, &g.theta, &g.y_pred);
}
