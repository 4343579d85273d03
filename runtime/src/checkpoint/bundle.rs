//! The protocol buffers stored in a bundle's index (formats.md §1.3;
//! `tensorflow/core/protobuf/tensor_bundle.proto`, `framework/tensor_shape.proto`,
//! `tensor_slice.proto`, `versions.proto`), written by hand as `prost` messages, and
//! TF's `DataType` numbers (`framework/types.proto`, formats.md §1.4).

use staticflow_ir::DType;

/// The value stored under the empty key: how the bundle is laid out.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct BundleHeaderProto {
    /// Number of data files.
    #[prost(int32, tag = "1")]
    pub(crate) num_shards: i32,
    /// Byte order of the tensor data: [`ENDIANNESS_LITTLE`] or [`ENDIANNESS_BIG`].
    #[prost(int32, tag = "2")]
    pub(crate) endianness: i32,
    /// Who wrote the bundle and who may read it.
    #[prost(message, optional, tag = "3")]
    pub(crate) version: Option<VersionDef>,
}

/// `BundleHeaderProto.Endianness.LITTLE`.
pub(crate) const ENDIANNESS_LITTLE: i32 = 0;
/// `BundleHeaderProto.Endianness.BIG`.
pub(crate) const ENDIANNESS_BIG: i32 = 1;

/// TF's `VersionDef`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct VersionDef {
    /// The writer's version.
    #[prost(int32, tag = "1")]
    pub(crate) producer: i32,
    /// The oldest reader version that may read the data.
    #[prost(int32, tag = "2")]
    pub(crate) min_consumer: i32,
    /// Reader versions that must not read the data.
    #[prost(int32, repeated, tag = "3")]
    pub(crate) bad_consumers: Vec<i32>,
}

/// `kTensorBundleVersion`: the producer version we write and the consumer version we are.
pub(crate) const BUNDLE_VERSION: i32 = 1;
/// `kTensorBundleMinProducer`: the oldest producer TF still reads.
pub(crate) const BUNDLE_MIN_PRODUCER: i32 = 0;

/// The value stored under a tensor's name: where its bytes are and what they hold.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct BundleEntryProto {
    /// The TF `DataType` number.
    #[prost(int32, tag = "1")]
    pub(crate) dtype: i32,
    /// The full tensor's shape (present, and empty, for scalars).
    #[prost(message, optional, tag = "2")]
    pub(crate) shape: Option<TensorShapeProto>,
    /// Which data file holds the bytes.
    #[prost(int32, tag = "3")]
    pub(crate) shard_id: i32,
    /// Byte offset in that data file.
    #[prost(int64, tag = "4")]
    pub(crate) offset: i64,
    /// Byte length in that data file.
    #[prost(int64, tag = "5")]
    pub(crate) size: i64,
    /// `mask(crc32c(bytes))`.
    #[prost(fixed32, tag = "6")]
    pub(crate) crc32c: u32,
    /// Set for partitioned variables only; we never write it.
    #[prost(message, repeated, tag = "7")]
    pub(crate) slices: Vec<TensorSliceProto>,
}

/// TF's `TensorShapeProto`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct TensorShapeProto {
    /// Dimensions, outermost first.
    #[prost(message, repeated, tag = "2")]
    pub(crate) dim: Vec<Dim>,
    /// True when even the rank is unknown (never valid in a checkpoint).
    #[prost(bool, tag = "3")]
    pub(crate) unknown_rank: bool,
}

/// `TensorShapeProto.Dim`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Dim {
    /// The size; -1 means unknown.
    #[prost(int64, tag = "1")]
    pub(crate) size: i64,
    /// An optional name.
    #[prost(string, tag = "2")]
    pub(crate) name: String,
}

/// TF's `TensorSliceProto`, decoded only to notice that an entry is partitioned.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct TensorSliceProto {
    /// One extent per dimension.
    #[prost(message, repeated, tag = "1")]
    pub(crate) extent: Vec<Extent>,
}

/// `TensorSliceProto.Extent`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Extent {
    /// First index of the slice.
    #[prost(int64, tag = "1")]
    pub(crate) start: i64,
    /// Length of the slice (absent: the whole dimension).
    #[prost(oneof = "ExtentLength", tags = "2")]
    pub(crate) has_length: Option<ExtentLength>,
}

/// `TensorSliceProto.Extent.has_length`.
#[derive(Clone, PartialEq, prost::Oneof)]
pub(crate) enum ExtentLength {
    /// The slice's length.
    #[prost(int64, tag = "2")]
    Length(i64),
}

/// TF's `DataType` number for a dtype.
pub(crate) fn tf_dtype(dtype: DType) -> i32 {
    match dtype {
        DType::Float32 => 1,
        DType::Float64 => 2,
        DType::Int32 => 3,
        DType::Int64 => 9,
        DType::Bool => 10,
    }
}

/// The dtype of a TF `DataType` number, if staticflow has one.
pub(crate) fn from_tf_dtype(number: i32) -> Option<DType> {
    DType::ALL.into_iter().find(|&d| tf_dtype(d) == number)
}

/// TF's name for a `DataType` number, for error messages.
pub(crate) fn tf_dtype_name(number: i32) -> &'static str {
    match number {
        0 => "DT_INVALID",
        1 => "DT_FLOAT",
        2 => "DT_DOUBLE",
        3 => "DT_INT32",
        4 => "DT_UINT8",
        5 => "DT_INT16",
        6 => "DT_INT8",
        7 => "DT_STRING",
        8 => "DT_COMPLEX64",
        9 => "DT_INT64",
        10 => "DT_BOOL",
        14 => "DT_BFLOAT16",
        17 => "DT_UINT16",
        18 => "DT_COMPLEX128",
        19 => "DT_HALF",
        _ => "unknown DataType",
    }
}

/// Bytes per element of a dtype in the data file.
pub(crate) fn element_size(dtype: DType) -> usize {
    match dtype {
        DType::Float32 | DType::Int32 => 4,
        DType::Float64 | DType::Int64 => 8,
        DType::Bool => 1,
    }
}

/// The header TF's `BundleWriter` writes: one shard, little-endian, producer 1.
pub(crate) fn header() -> BundleHeaderProto {
    BundleHeaderProto {
        num_shards: 1,
        endianness: ENDIANNESS_LITTLE,
        version: Some(VersionDef {
            producer: BUNDLE_VERSION,
            min_consumer: 0,
            bad_consumers: Vec::new(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    #[test]
    fn header_encodes_as_tf_writes_it() {
        assert_eq!(
            header().encode_to_vec(),
            [0x08, 0x01, 0x1a, 0x02, 0x08, 0x01]
        );
    }

    #[test]
    fn entry_encodes_as_the_formats_md_example() {
        let entry = BundleEntryProto {
            dtype: 1,
            shape: Some(TensorShapeProto {
                dim: vec![
                    Dim {
                        size: 2,
                        name: String::new(),
                    },
                    Dim {
                        size: 20,
                        name: String::new(),
                    },
                ],
                unknown_rank: false,
            }),
            shard_id: 0,
            offset: 80,
            size: 160,
            crc32c: 0x0403_0201,
            slices: Vec::new(),
        };
        assert_eq!(
            entry.encode_to_vec(),
            [
                0x08, 0x01, 0x12, 0x08, 0x12, 0x02, 0x08, 0x02, 0x12, 0x02, 0x08, 0x14, 0x20, 0x50,
                0x28, 0xa0, 0x01, 0x35, 0x01, 0x02, 0x03, 0x04
            ]
        );
        let scalar = BundleEntryProto {
            shape: Some(TensorShapeProto::default()),
            ..entry
        };
        assert_eq!(&scalar.encode_to_vec()[..4], [0x08, 0x01, 0x12, 0x00]);
    }

    #[test]
    fn dtype_numbers_match_types_proto() {
        assert_eq!(tf_dtype(DType::Float32), 1);
        assert_eq!(tf_dtype(DType::Float64), 2);
        assert_eq!(tf_dtype(DType::Int32), 3);
        assert_eq!(tf_dtype(DType::Int64), 9);
        assert_eq!(tf_dtype(DType::Bool), 10);
        for d in DType::ALL {
            assert_eq!(from_tf_dtype(tf_dtype(d)), Some(d));
        }
        assert_eq!(from_tf_dtype(7), None);
        assert_eq!(tf_dtype_name(7), "DT_STRING");
    }
}
