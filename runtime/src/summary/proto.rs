//! Hand-written protobuf messages of event files (formats.md §2.3–2.5), as `prost`
//! structs. Field numbers are those of TensorFlow's `event.proto`, `summary.proto`,
//! `graph.proto`, `node_def.proto`, `attr_value.proto`, `tensor.proto`,
//! `tensor_shape.proto`, `types.proto` and `versions.proto`. Only what event files need is
//! modelled; decoding skips the rest. Oneofs are Rust enums, so a oneof member equal to
//! its default (a `simple_value` of 0.0, a `b` of false) is still written, as protobuf
//! requires.

use std::collections::BTreeMap;

/// One record of an event file.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Event {
    /// Seconds since the Unix epoch.
    #[prost(double, tag = "1")]
    pub wall_time: f64,
    /// The global step.
    #[prost(int64, tag = "2")]
    pub step: i64,
    /// What the event carries.
    #[prost(oneof = "event::What", tags = "3, 4, 5, 7, 9")]
    pub what: Option<event::What>,
    /// Which writer wrote the file (first event only; optional).
    #[prost(message, optional, tag = "10")]
    pub source_metadata: Option<SourceMetadata>,
}

/// The oneof of [`Event`].
pub mod event {
    /// What an [`Event`](super::Event) carries.
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum What {
        /// `brain.Event:2` in the first event of a file.
        #[prost(string, tag = "3")]
        FileVersion(String),
        /// A serialized `GraphDef`.
        #[prost(bytes = "vec", tag = "4")]
        GraphDef(Vec<u8>),
        /// Summary values.
        #[prost(message, tag = "5")]
        Summary(super::Summary),
        /// A session start, stop or checkpoint.
        #[prost(message, tag = "7")]
        SessionLog(super::SessionLog),
        /// A serialized `MetaGraphDef`.
        #[prost(bytes = "vec", tag = "9")]
        MetaGraphDef(Vec<u8>),
    }
}

/// The writer of an event file.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SourceMetadata {
    /// Its name (`tensorflow.core.util.events_writer`).
    #[prost(string, tag = "1")]
    pub writer: String,
}

/// A session start, stop or checkpoint marker.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SessionLog {
    /// START 1, STOP 2, CHECKPOINT 3.
    #[prost(int32, tag = "1")]
    pub status: i32,
    /// The checkpoint written, for CHECKPOINT.
    #[prost(string, tag = "2")]
    pub checkpoint_path: String,
    /// A message.
    #[prost(string, tag = "3")]
    pub msg: String,
}

/// Summary values of one step.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Summary {
    /// The values.
    #[prost(message, repeated, tag = "1")]
    pub value: Vec<summary::Value>,
}

/// The nested messages of [`Summary`].
pub mod summary {
    /// One tagged value.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Value {
        /// The tag (`loss/MSE`).
        #[prost(string, tag = "1")]
        pub tag: String,
        /// Deprecated.
        #[prost(string, tag = "7")]
        pub node_name: String,
        /// Plugin data (optional for scalars and histograms).
        #[prost(message, optional, tag = "9")]
        pub metadata: Option<super::SummaryMetadata>,
        /// The value.
        #[prost(oneof = "value::Value", tags = "2, 5, 8")]
        pub value: Option<value::Value>,
    }

    /// The oneof of [`Value`].
    pub mod value {
        /// What a summary value holds.
        #[derive(Clone, PartialEq, prost::Oneof)]
        pub enum Value {
            /// A scalar.
            #[prost(float, tag = "2")]
            SimpleValue(f32),
            /// A histogram.
            #[prost(message, tag = "5")]
            Histo(super::super::HistogramProto),
            /// A tensor (the TF2 summary form).
            #[prost(message, tag = "8")]
            Tensor(super::super::TensorProto),
        }
    }
}

/// Which plugin reads a summary value.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SummaryMetadata {
    /// The plugin and its data.
    #[prost(message, optional, tag = "1")]
    pub plugin_data: Option<PluginData>,
    /// Display name.
    #[prost(string, tag = "2")]
    pub display_name: String,
    /// Description.
    #[prost(string, tag = "3")]
    pub summary_description: String,
    /// Data class (scalar = 1).
    #[prost(int32, tag = "4")]
    pub data_class: i32,
}

/// A plugin's name and content.
#[derive(Clone, PartialEq, prost::Message)]
pub struct PluginData {
    /// `scalars`, `histograms`, ...
    #[prost(string, tag = "1")]
    pub plugin_name: String,
    /// Plugin-specific bytes.
    #[prost(bytes = "vec", tag = "2")]
    pub content: Vec<u8>,
}

/// A histogram: bucket `i` counts values in `[bucket_limit[i-1], bucket_limit[i])`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct HistogramProto {
    /// Smallest value.
    #[prost(double, tag = "1")]
    pub min: f64,
    /// Largest value.
    #[prost(double, tag = "2")]
    pub max: f64,
    /// Number of values.
    #[prost(double, tag = "3")]
    pub num: f64,
    /// Sum of the values.
    #[prost(double, tag = "4")]
    pub sum: f64,
    /// Sum of their squares.
    #[prost(double, tag = "5")]
    pub sum_squares: f64,
    /// Right edges of the buckets (packed).
    #[prost(double, repeated, tag = "6")]
    pub bucket_limit: Vec<f64>,
    /// Counts (packed), one per limit.
    #[prost(double, repeated, tag = "7")]
    pub bucket: Vec<f64>,
}

/// TF's element types (`types.proto`), the ones staticflow uses plus a few neighbours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum DataType {
    /// `DT_INVALID`
    DtInvalid = 0,
    /// `DT_FLOAT`
    DtFloat = 1,
    /// `DT_DOUBLE`
    DtDouble = 2,
    /// `DT_INT32`
    DtInt32 = 3,
    /// `DT_UINT8`
    DtUint8 = 4,
    /// `DT_STRING`
    DtString = 7,
    /// `DT_INT64`
    DtInt64 = 9,
    /// `DT_BOOL`
    DtBool = 10,
}

/// A graph: the nodes TensorBoard's Graphs tab draws.
#[derive(Clone, PartialEq, prost::Message)]
pub struct GraphDef {
    /// The nodes.
    #[prost(message, repeated, tag = "1")]
    pub node: Vec<NodeDef>,
    /// Producer version (TensorBoard ignores it).
    #[prost(message, optional, tag = "4")]
    pub versions: Option<VersionDef>,
}

/// Graph versions.
#[derive(Clone, PartialEq, prost::Message)]
pub struct VersionDef {
    /// The version of the code that produced the graph.
    #[prost(int32, tag = "1")]
    pub producer: i32,
    /// The oldest consumer version that can read it.
    #[prost(int32, tag = "2")]
    pub min_consumer: i32,
    /// Consumer versions that must not read it.
    #[prost(int32, repeated, tag = "3")]
    pub bad_consumers: Vec<i32>,
}

/// One op of a graph.
#[derive(Clone, PartialEq, prost::Message)]
pub struct NodeDef {
    /// Unique name; scopes are `/`-separated.
    #[prost(string, tag = "1")]
    pub name: String,
    /// The TF op type.
    #[prost(string, tag = "2")]
    pub op: String,
    /// `node`, `node:k`, then `^node` control inputs.
    #[prost(string, repeated, tag = "3")]
    pub input: Vec<String>,
    /// Placement (`""` = unplaced).
    #[prost(string, tag = "4")]
    pub device: String,
    /// Attributes, sorted by name so output is byte-stable.
    #[prost(btree_map = "string, message", tag = "5")]
    pub attr: BTreeMap<String, AttrValue>,
}

/// An attribute value.
#[derive(Clone, PartialEq, prost::Message)]
pub struct AttrValue {
    /// The value.
    #[prost(oneof = "attr_value::Value", tags = "1, 2, 3, 4, 5, 6, 7, 8, 9")]
    pub value: Option<attr_value::Value>,
}

/// The nested messages of [`AttrValue`].
pub mod attr_value {
    /// A list attribute.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ListValue {
        /// Strings.
        #[prost(bytes = "vec", repeated, tag = "2")]
        pub s: Vec<Vec<u8>>,
        /// Integers (packed).
        #[prost(int64, repeated, tag = "3")]
        pub i: Vec<i64>,
        /// Floats (packed).
        #[prost(float, repeated, tag = "4")]
        pub f: Vec<f32>,
        /// Bools (packed).
        #[prost(bool, repeated, tag = "5")]
        pub b: Vec<bool>,
        /// Types (packed).
        #[prost(enumeration = "super::DataType", repeated, tag = "6")]
        pub r#type: Vec<i32>,
        /// Shapes.
        #[prost(message, repeated, tag = "7")]
        pub shape: Vec<super::TensorShapeProto>,
        /// Tensors.
        #[prost(message, repeated, tag = "8")]
        pub tensor: Vec<super::TensorProto>,
    }

    /// The oneof of [`AttrValue`](super::AttrValue).
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Value {
        /// A list.
        #[prost(message, tag = "1")]
        List(ListValue),
        /// A string.
        #[prost(bytes = "vec", tag = "2")]
        S(Vec<u8>),
        /// An integer.
        #[prost(int64, tag = "3")]
        I(i64),
        /// A float.
        #[prost(float, tag = "4")]
        F(f32),
        /// A bool.
        #[prost(bool, tag = "5")]
        B(bool),
        /// An element type.
        #[prost(enumeration = "super::DataType", tag = "6")]
        Type(i32),
        /// A shape.
        #[prost(message, tag = "7")]
        Shape(super::TensorShapeProto),
        /// A tensor.
        #[prost(message, tag = "8")]
        Tensor(super::TensorProto),
        /// A function placeholder name.
        #[prost(string, tag = "9")]
        Placeholder(String),
    }
}

/// A static shape.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TensorShapeProto {
    /// The dims, outermost first.
    #[prost(message, repeated, tag = "2")]
    pub dim: Vec<tensor_shape_proto::Dim>,
    /// True when even the rank is unknown.
    #[prost(bool, tag = "3")]
    pub unknown_rank: bool,
}

/// The nested messages of [`TensorShapeProto`].
pub mod tensor_shape_proto {
    /// One dimension.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Dim {
        /// Its size, `-1` when unknown.
        #[prost(int64, tag = "1")]
        pub size: i64,
        /// An optional name.
        #[prost(string, tag = "2")]
        pub name: String,
    }
}

/// A tensor value (`Const` values; TF2 summaries).
#[derive(Clone, PartialEq, prost::Message)]
pub struct TensorProto {
    /// The element type.
    #[prost(enumeration = "DataType", tag = "1")]
    pub dtype: i32,
    /// The shape.
    #[prost(message, optional, tag = "2")]
    pub tensor_shape: Option<TensorShapeProto>,
    /// Version of the representation.
    #[prost(int32, tag = "3")]
    pub version_number: i32,
    /// Raw little-endian row-major elements.
    #[prost(bytes = "vec", tag = "4")]
    pub tensor_content: Vec<u8>,
    /// float elements (packed).
    #[prost(float, repeated, tag = "5")]
    pub float_val: Vec<f32>,
    /// double elements (packed).
    #[prost(double, repeated, tag = "6")]
    pub double_val: Vec<f64>,
    /// int32 (and smaller) elements (packed).
    #[prost(int32, repeated, tag = "7")]
    pub int_val: Vec<i32>,
    /// string elements.
    #[prost(bytes = "vec", repeated, tag = "8")]
    pub string_val: Vec<Vec<u8>>,
    /// int64 elements (packed).
    #[prost(int64, repeated, tag = "10")]
    pub int64_val: Vec<i64>,
    /// bool elements (packed).
    #[prost(bool, repeated, tag = "11")]
    pub bool_val: Vec<bool>,
}
