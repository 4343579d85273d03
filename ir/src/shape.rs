//! Static shapes: a known rank with dims that may be unknown (`None`, printed `?`).

/// One dimension of a static shape: `None` is unknown until run time.
pub type Dim = Option<usize>;

/// Formats a static shape the two ways TensorFlow prints them.
pub struct ShapeDisplay<'a> {
    dims: &'a [Dim],
    python: bool,
}

impl<'a> ShapeDisplay<'a> {
    /// `[?,9]`: the form of TF's shape-inference messages.
    pub fn brackets(dims: &'a [Dim]) -> Self {
        ShapeDisplay {
            dims,
            python: false,
        }
    }

    /// `(?, 9)`: the form of `TensorShape` in Python messages (`(2,)` for rank 1).
    pub fn python(dims: &'a [Dim]) -> Self {
        ShapeDisplay { dims, python: true }
    }
}

impl std::fmt::Display for ShapeDisplay<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let dim = |d: &Dim| d.map_or("?".to_string(), |n| n.to_string());
        if self.python {
            let parts: Vec<String> = self.dims.iter().map(dim).collect();
            match parts.len() {
                1 => write!(f, "({},)", parts[0]),
                _ => write!(f, "({})", parts.join(", ")),
            }
        } else {
            let parts: Vec<String> = self.dims.iter().map(dim).collect();
            write!(f, "[{}]", parts.join(","))
        }
    }
}

/// Formats concrete run-time dims as TF's run-time messages do: `(1, 2)`.
pub fn python_concrete(dims: &[usize]) -> String {
    let parts: Vec<String> = dims.iter().map(|d| d.to_string()).collect();
    match parts.len() {
        1 => format!("({},)", parts[0]),
        _ => format!("({})", parts.join(", ")),
    }
}

/// True when a run-time shape fits a static one (same rank, known dims equal).
pub fn fits(static_dims: &[Dim], dims: &[usize]) -> bool {
    static_dims.len() == dims.len()
        && static_dims
            .iter()
            .zip(dims)
            .all(|(s, d)| s.is_none_or(|s| s == *d))
}

/// Number of elements of a concrete shape.
pub fn num_elements(dims: &[usize]) -> usize {
    dims.iter().product()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_tf() {
        let s = [None, Some(9)];
        assert_eq!(ShapeDisplay::brackets(&s).to_string(), "[?,9]");
        assert_eq!(ShapeDisplay::python(&s).to_string(), "(?, 9)");
        assert_eq!(ShapeDisplay::python(&[Some(2)]).to_string(), "(2,)");
        assert_eq!(ShapeDisplay::python(&[]).to_string(), "()");
        assert_eq!(python_concrete(&[1, 2]), "(1, 2)");
    }

    #[test]
    fn fits_checks_rank_and_known_dims() {
        assert!(fits(&[None, Some(3)], &[5, 3]));
        assert!(!fits(&[None, Some(3)], &[5, 4]));
        assert!(!fits(&[None, Some(3)], &[3]));
    }
}
