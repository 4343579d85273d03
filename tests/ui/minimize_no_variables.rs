use staticflow::prelude::*;

graph! {
    pub struct G {
        let X = placeholder(float32, shape = [None, 3], name = "X");
        let loss = reduce_mean(square(X));
        let training_op = GradientDescentOptimizer(learning_rate = 0.01).minimize(loss);
    }
}

fn main() {}
