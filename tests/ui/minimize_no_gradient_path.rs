use staticflow::prelude::*;

graph! {
    pub struct G {
        let X = placeholder(float32, shape = [None, 3], name = "X");
        let w = Variable(zeros([3, 1]), name = "w");
        let unrelated = Variable(1.0, name = "unrelated");
        let loss = reduce_mean(square(X));
        let training_op = GradientDescentOptimizer(learning_rate = 0.01).minimize(loss, var_list = [w]);
    }
}

fn main() {}
