//! The runtime's errors: values, never panics, with TensorFlow's first line where TF has one.

/// Everything that can go wrong when running a graph.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A placeholder the fetches depend on was not fed.
    #[error("You must feed a value for placeholder tensor '{name}' with dtype {dtype} and shape {shape}")]
    MissingFeed {
        /// The placeholder's op name.
        name: String,
        /// TF's kernel-side dtype name (`float`).
        dtype: &'static str,
        /// The static shape, `[?,9]`.
        shape: String,
    },
    /// A fed value's shape does not fit the tensor's static shape.
    #[error("Cannot feed value of shape {got} for Tensor {tensor}, which has shape {expected}")]
    FeedShape {
        /// The tensor name (`X:0`).
        tensor: String,
        /// The fed shape, `(1, 2)`.
        got: String,
        /// The static shape, `(?, 3)`.
        expected: String,
    },
    /// A fed value's dtype differs from the tensor's.
    #[error("Cannot feed value of dtype {got} for Tensor {tensor}, which has dtype {expected}")]
    FeedDtype {
        /// The tensor name.
        tensor: String,
        /// The fed dtype.
        got: &'static str,
        /// The tensor's dtype.
        expected: &'static str,
    },
    /// A variable was read before it was initialized.
    #[error("Attempting to use uninitialized value {name}")]
    Uninitialized {
        /// The variable's name.
        name: String,
    },
    /// A kernel failed (shapes that only conflict at run time, a singular matrix, ...).
    #[error("{message}\n\t [[node {node} ({op})]]")]
    Kernel {
        /// The failing node's name.
        node: String,
        /// Its TF op type.
        op: &'static str,
        /// What the kernel reported.
        message: String,
    },
    /// A name looked up with `get_tensor_by_name` / `get_operation_by_name` does not exist.
    #[error("{0}")]
    NotFound(String),
    /// A dynamic fetch asked for another dtype or rank than the tensor has.
    #[error("tensor {tensor} holds {actual}, not {requested}")]
    FetchType {
        /// The tensor name.
        tensor: String,
        /// What the caller asked for.
        requested: String,
        /// What the tensor is.
        actual: String,
    },
    /// Reading or writing a checkpoint failed (names the file, and the tensor if any).
    #[error(transparent)]
    Checkpoint(#[from] crate::checkpoint::CheckpointError),
    /// A checkpoint holds a variable with another dtype or shape than the graph's.
    #[error("{file}: tensor {tensor} is {got} in the checkpoint but {expected} in the graph")]
    RestoreMismatch {
        /// The checkpoint prefix.
        file: String,
        /// The tensor's name in the checkpoint.
        tensor: String,
        /// The variable's dtype and shape.
        expected: String,
        /// The checkpoint's dtype and shape.
        got: String,
    },
    /// Exporting or importing a safetensors file failed (names the file, and the
    /// tensor if any).
    #[error("{path}: {reason}")]
    Safetensors {
        /// The safetensors file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The intra-op thread pool could not be started.
    #[error("could not start {threads} intra-op threads: {reason}")]
    ThreadPool {
        /// The threads asked for.
        threads: usize,
        /// What the operating system said.
        reason: String,
    },
    /// A handle of another graph was used with this session: TF's `Fetch argument ...
    /// cannot be interpreted as a Tensor. (Tensor ... is not an element of this graph.)`,
    /// or for a feed `Cannot interpret feed_dict key as Tensor: ...`.
    #[error("{message}")]
    ForeignHandle {
        /// TF's message, naming the handle as TF prints it.
        message: String,
    },
}

/// The runtime's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
