use staticflow::prelude::*;

graph! {
    /// No ops at all.
    pub struct Empty {}
}

graph! {
    /// Run-time data as a graph parameter (design.md section 2).
    pub struct WithData(data: f32[None, 3]) {
        let X = constant(data, name = "X");
        let mean = reduce_mean(X, axis = 0);
    }
}

fn main() -> Result<(), Error> {
    let _ = Empty::new();
    let data = staticflow::ndarray::Array2::<f32>::ones((4, 3));
    let g = WithData::new(data.view())?;
    let _ = &g.mean;
    Ok(())
}
