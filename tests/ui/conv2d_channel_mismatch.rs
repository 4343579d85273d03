use staticflow::prelude::*;

graph! {
    pub struct G {
        let images = placeholder(float32, shape = [None, 28, 28, 3]);
        let filter = Variable(zeros([5, 5, 4, 32]), name = "filter");
        let conv = nn.conv2d(images, filter, strides = [1, 1, 1, 1], padding = "SAME");
    }
}

fn main() {}
