//! The `GraphDef` TensorBoard's Graphs tab draws, from a static plan (formats.md §2.5):
//! what TF1's `as_graph_def(add_shapes=True)` writes for the same nodes.

use super::proto::attr_value::{ListValue, Value};
use super::proto::tensor_shape_proto::Dim as DimProto;
use super::proto::{AttrValue, DataType, GraphDef, NodeDef, TensorProto, TensorShapeProto};
use crate::graph::StaticGraph;
use prost::Message;
use staticflow_ir::op::Padding;
use staticflow_ir::{ConstValue, DType, Dim, Node, Op};
use std::collections::BTreeMap;

/// The serialized `GraphDef` of `graph`: one `NodeDef` per node, in plan order, with its
/// name (scopes as `/`), TF op type, inputs (`name`, `name:1`, `^control`) and attrs:
/// `dtype` (Const, Placeholder, VariableV2, random ops) or `T` (the element type of the
/// op's first input), `value` for Const (a `TensorProto`), `shape` for Placeholder and
/// VariableV2, `_output_shapes` (unknown dims as `-1`), and the op-specific attrs TF
/// also has (`transpose_a`, `keep_dims`, `seed`, ...). Attrs are sorted by name, so the
/// bytes are stable. No `versions` is written: the plan is not a graph of any TF release.
pub fn graph_def(graph: &StaticGraph) -> Vec<u8> {
    graph_def_proto(graph).encode_to_vec()
}

/// The `GraphDef` of `graph`, as a message.
pub(crate) fn graph_def_proto(graph: &StaticGraph) -> GraphDef {
    GraphDef {
        node: graph
            .nodes
            .iter()
            .map(|node| node_def(graph.nodes, node))
            .collect(),
        versions: None,
    }
}

fn node_def(nodes: &[Node], node: &Node) -> NodeDef {
    let name_of = |i: u32| nodes.get(i as usize).map_or("<missing>", |n| &n.name);
    let input = node
        .inputs
        .iter()
        .map(|r| match r.index {
            0 => name_of(r.node).to_string(),
            k => format!("{}:{k}", name_of(r.node)),
        })
        .chain(
            node.control_inputs
                .iter()
                .map(|&c| format!("^{}", name_of(c))),
        )
        .collect();
    let input_dtype = node
        .inputs
        .first()
        .and_then(|r| nodes.get(r.node as usize))
        .map_or(node.dtype, |n| n.dtype);
    NodeDef {
        name: node.name.to_string(),
        op: node.op.tf_type().to_string(),
        input,
        device: String::new(),
        attr: attrs(node, input_dtype)
            .into_iter()
            .map(|(k, v)| (k.to_string(), AttrValue { value: Some(v) }))
            .collect(),
    }
}

fn attrs(node: &Node, input_dtype: DType) -> BTreeMap<&'static str, Value> {
    let mut a = BTreeMap::new();
    match &node.op {
        Op::Const(value) => {
            a.insert("dtype", dtype_attr(node.dtype));
            a.insert("value", Value::Tensor(tensor_proto(value, &node.shape)));
        }
        Op::Placeholder | Op::Variable { .. } => {
            a.insert("dtype", dtype_attr(node.dtype));
            a.insert("shape", Value::Shape(shape_proto(&node.shape)));
        }
        Op::Random { seed, seed2, .. } => {
            a.insert("dtype", dtype_attr(node.dtype));
            a.insert("seed", Value::I(*seed));
            a.insert("seed2", Value::I(*seed2));
        }
        Op::NoOp => {}
        // The summary ops of the op table, by TF type: `MergeSummary` has `N`, no `T`.
        op if op.tf_type() == "MergeSummary" => {
            a.insert("N", Value::I(node.inputs.len() as i64));
        }
        Op::Cast => {
            a.insert("SrcT", dtype_attr(input_dtype));
            a.insert("DstT", dtype_attr(node.dtype));
        }
        op => {
            a.insert("T", dtype_attr(input_dtype));
            op_attrs(op, node, &mut a);
        }
    }
    if node.op.has_output() {
        a.insert(
            "_output_shapes",
            Value::List(ListValue {
                shape: vec![shape_proto(&node.shape)],
                ..ListValue::default()
            }),
        );
    }
    a
}

/// The attrs TF gives the op besides `T`, where staticflow keeps the same information.
fn op_attrs(op: &Op, node: &Node, a: &mut BTreeMap<&'static str, Value>) {
    match op {
        Op::MatMul {
            transpose_a,
            transpose_b,
        } => {
            a.insert("transpose_a", Value::B(*transpose_a));
            a.insert("transpose_b", Value::B(*transpose_b));
        }
        Op::Reduce { keep_dims, .. } => {
            a.insert("keep_dims", Value::B(*keep_dims));
        }
        Op::Transpose { perm } => {
            let i = perm.iter().map(|&p| p as i64).collect();
            a.insert(
                "perm",
                Value::List(ListValue {
                    i,
                    ..ListValue::default()
                }),
            );
        }
        Op::Concat { axis } => {
            a.insert("N", Value::I(node.inputs.len() as i64));
            a.insert("axis", Value::I(*axis as i64));
        }
        Op::AddN => {
            a.insert("N", Value::I(node.inputs.len() as i64));
        }
        Op::ArgMax { .. } => {
            a.insert("output_type", dtype_attr(node.dtype));
        }
        Op::DropoutMask { rate, seed, seed2 } => {
            a.insert("rate", Value::F(*rate as f32));
            a.insert("seed", Value::I(*seed));
            a.insert("seed2", Value::I(*seed2));
        }
        Op::Conv2D { strides, padding }
        | Op::Conv2DBackpropInput { strides, padding }
        | Op::Conv2DBackpropFilter { strides, padding } => {
            window_attrs(None, *strides, *padding, a);
            // What TF1's `tf.nn.conv2d` writes besides: no dilation, no explicit padding.
            a.insert("dilations", int_list(&[1, 1, 1, 1]));
            a.insert("explicit_paddings", int_list(&[]));
            a.insert("use_cudnn_on_gpu", Value::B(true));
        }
        Op::MaxPool {
            ksize,
            strides,
            padding,
        }
        | Op::MaxPoolGrad {
            ksize,
            strides,
            padding,
        }
        | Op::AvgPool {
            ksize,
            strides,
            padding,
        }
        | Op::AvgPoolGrad {
            ksize,
            strides,
            padding,
        } => window_attrs(Some(*ksize), *strides, *padding, a),
        Op::Apply(staticflow_ir::ApplyKind::Momentum { nesterov }) => {
            a.insert("use_nesterov", Value::B(*nesterov));
        }
        _ => {}
    }
}

/// The NHWC attrs of a convolution or pooling: `strides` and `ksize` as TF's 4-element
/// lists (`[1, h, w, 1]`), `padding` and `data_format` as strings.
fn window_attrs(
    ksize: Option<[usize; 2]>,
    strides: [usize; 2],
    padding: Padding,
    a: &mut BTreeMap<&'static str, Value>,
) {
    let nhwc = |[h, w]: [usize; 2]| int_list(&[1, h as i64, w as i64, 1]);
    a.insert("strides", nhwc(strides));
    if let Some(k) = ksize {
        a.insert("ksize", nhwc(k));
    }
    a.insert("padding", Value::S(padding.tf_name().as_bytes().to_vec()));
    a.insert("data_format", Value::S(b"NHWC".to_vec()));
}

/// A list-of-ints attr.
fn int_list(i: &[i64]) -> Value {
    Value::List(ListValue {
        i: i.to_vec(),
        ..ListValue::default()
    })
}

pub(crate) fn data_type(dtype: DType) -> DataType {
    match dtype {
        DType::Float32 => DataType::DtFloat,
        DType::Float64 => DataType::DtDouble,
        DType::Int32 => DataType::DtInt32,
        DType::Int64 => DataType::DtInt64,
        DType::Bool => DataType::DtBool,
    }
}

fn dtype_attr(dtype: DType) -> Value {
    Value::Type(data_type(dtype) as i32)
}

/// A static shape with unknown dims as `-1`.
pub(crate) fn shape_proto(dims: &[Dim]) -> TensorShapeProto {
    TensorShapeProto {
        dim: dims
            .iter()
            .map(|d| DimProto {
                size: d.map_or(-1, |n| n as i64),
                name: String::new(),
            })
            .collect(),
        unknown_rank: false,
    }
}

/// A constant as TF's `make_tensor_proto` encodes it: raw `tensor_content` for more than
/// one element, the typed `*_val` field for a single element (which TF also uses for a
/// value broadcast to the whole shape), nothing for none.
fn tensor_proto(value: &ConstValue, dims: &[Dim]) -> TensorProto {
    let mut t = TensorProto {
        dtype: data_type(value.dtype()) as i32,
        tensor_shape: Some(shape_proto(dims)),
        ..TensorProto::default()
    };
    if value.len() > 1 {
        t.tensor_content = match value {
            ConstValue::Float32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            ConstValue::Float64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            ConstValue::Int32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            ConstValue::Int64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            ConstValue::Bool(v) => v.iter().map(|&x| u8::from(x)).collect(),
        };
    } else {
        match value {
            ConstValue::Float32(v) => t.float_val = v.to_vec(),
            ConstValue::Float64(v) => t.double_val = v.to_vec(),
            ConstValue::Int32(v) => t.int_val = v.to_vec(),
            ConstValue::Int64(v) => t.int64_val = v.to_vec(),
            ConstValue::Bool(v) => t.bool_val = v.to_vec(),
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::tests::regression_graph;
    use staticflow_ir::OutputRef;
    use std::borrow::Cow;

    fn decoded(graph: &StaticGraph) -> GraphDef {
        GraphDef::decode(&graph_def(graph)[..]).unwrap()
    }

    fn attr(v: Value) -> AttrValue {
        AttrValue { value: Some(v) }
    }

    fn shape(dims: &[i64]) -> TensorShapeProto {
        TensorShapeProto {
            dim: dims
                .iter()
                .map(|&size| DimProto {
                    size,
                    name: String::new(),
                })
                .collect(),
            unknown_rank: false,
        }
    }

    fn output_shapes(dims: &[i64]) -> AttrValue {
        attr(Value::List(ListValue {
            shape: vec![shape(dims)],
            ..ListValue::default()
        }))
    }

    #[test]
    fn decodes_to_the_expected_node_defs() {
        let g = decoded(regression_graph());
        let names: Vec<&str> = g.node.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names.len(), 14);
        assert_eq!(names[..3], ["X", "y", "theta/initial_value"]);

        let x = NodeDef {
            name: "X".into(),
            op: "Placeholder".into(),
            input: vec![],
            device: String::new(),
            attr: BTreeMap::from([
                ("dtype".to_string(), attr(Value::Type(1))),
                ("shape".to_string(), attr(Value::Shape(shape(&[-1, 2])))),
                ("_output_shapes".to_string(), output_shapes(&[-1, 2])),
            ]),
        };
        assert_eq!(g.node[0], x);

        let init = &g.node[13];
        assert_eq!(
            (init.op.as_str(), &init.input[..]),
            ("NoOp", &["^theta/Assign".to_string()][..])
        );
        assert!(init.attr.is_empty(), "{:?}", init.attr);

        let mse = &g.node[10];
        assert_eq!(mse.op, "Mean");
        assert_eq!(mse.input, ["loss/Square", "loss/Const"]);
        assert_eq!(mse.attr["T"], attr(Value::Type(1)));
        assert_eq!(mse.attr["keep_dims"], attr(Value::B(false)));
        assert_eq!(mse.attr["_output_shapes"], output_shapes(&[]));

        let Some(Value::Tensor(t)) = &g.node[2].attr["value"].value else {
            panic!("{:?}", g.node[2].attr)
        };
        assert_eq!(t.tensor_content, [0, 0, 0, 0x3f, 0, 0, 0, 0xbf]);
        assert_eq!(t.tensor_shape, Some(shape(&[2, 1])));
    }

    #[test]
    fn inputs_dtypes_and_other_outputs() {
        let nodes = vec![
            Node {
                name: "n".into(),
                op: Op::Const(ConstValue::Int64(Cow::Borrowed(&[7]))),
                inputs: Cow::Borrowed(&[]),
                control_inputs: Cow::Borrowed(&[]),
                dtype: DType::Int64,
                shape: Cow::Borrowed(&[]),
            },
            Node {
                name: "scope/cast".into(),
                op: Op::Cast,
                inputs: vec![OutputRef { node: 0, index: 1 }].into(),
                control_inputs: vec![0].into(),
                dtype: DType::Float64,
                shape: Cow::Borrowed(&[]),
            },
            Node {
                name: "eq".into(),
                op: Op::Binary(staticflow_ir::BinaryOp::Equal),
                inputs: vec![OutputRef { node: 1, index: 0 }; 2].into(),
                control_inputs: Cow::Borrowed(&[]),
                dtype: DType::Bool,
                shape: Cow::Borrowed(&[]),
            },
        ];
        let graph = StaticGraph {
            type_name: "G",
            nodes: Box::leak(nodes.into_boxed_slice()),
            variables: &[],
            collections: &[],
        };
        let g = decoded(&graph);
        let Some(Value::Tensor(t)) = &g.node[0].attr["value"].value else {
            unreachable!()
        };
        assert_eq!(
            (t.dtype, &t.int64_val[..]),
            (DataType::DtInt64 as i32, &[7][..])
        );
        assert_eq!(g.node[1].input, ["n:1", "^n"]);
        assert_eq!(g.node[1].attr["SrcT"], attr(Value::Type(9)));
        assert_eq!(g.node[1].attr["DstT"], attr(Value::Type(2)));
        assert!(!g.node[1].attr.contains_key("T"));
        // `T` of Equal is its inputs' type, not its bool output.
        assert_eq!(g.node[2].attr["T"], attr(Value::Type(2)));
        // Byte-stable: attrs sorted by key.
        assert_eq!(graph_def(&graph), graph_def(&graph));
    }

    #[test]
    fn window_ops_carry_tf_attrs() {
        let node = |name: &'static str, op: Op, inputs: &'static [OutputRef]| Node {
            name: name.into(),
            op,
            inputs: Cow::Borrowed(inputs),
            control_inputs: Cow::Borrowed(&[]),
            dtype: DType::Float32,
            shape: Cow::Borrowed(&[None, Some(14), Some(14), Some(32)]),
        };
        const X: &[OutputRef] = &[OutputRef { node: 0, index: 0 }];
        const XF: &[OutputRef] = &[
            OutputRef { node: 0, index: 0 },
            OutputRef { node: 1, index: 0 },
        ];
        let nodes = vec![
            node("x", Op::Placeholder, &[]),
            node("w", Op::Placeholder, &[]),
            node(
                "conv",
                Op::Conv2D {
                    strides: [1, 2],
                    padding: Padding::Same,
                },
                XF,
            ),
            node(
                "pool",
                Op::MaxPool {
                    ksize: [2, 3],
                    strides: [2, 2],
                    padding: Padding::Valid,
                },
                X,
            ),
        ];
        let graph = StaticGraph {
            type_name: "G",
            nodes: Box::leak(nodes.into_boxed_slice()),
            variables: &[],
            collections: &[],
        };
        let g = decoded(&graph);
        let list = |i: &[i64]| {
            attr(Value::List(ListValue {
                i: i.to_vec(),
                ..ListValue::default()
            }))
        };
        let conv = &g.node[2];
        assert_eq!(conv.op, "Conv2D");
        assert_eq!(conv.input, ["x", "w"]);
        assert_eq!(conv.attr["T"], attr(Value::Type(1)));
        assert_eq!(conv.attr["strides"], list(&[1, 1, 2, 1]));
        assert_eq!(conv.attr["padding"], attr(Value::S(b"SAME".to_vec())));
        assert_eq!(conv.attr["data_format"], attr(Value::S(b"NHWC".to_vec())));
        assert_eq!(conv.attr["dilations"], list(&[1, 1, 1, 1]));
        assert_eq!(conv.attr["use_cudnn_on_gpu"], attr(Value::B(true)));
        assert!(!conv.attr.contains_key("ksize"));
        let pool = &g.node[3];
        assert_eq!(pool.op, "MaxPool");
        assert_eq!(pool.attr["ksize"], list(&[1, 2, 3, 1]));
        assert_eq!(pool.attr["strides"], list(&[1, 2, 2, 1]));
        assert_eq!(pool.attr["padding"], attr(Value::S(b"VALID".to_vec())));
        let keys: Vec<&str> = pool.attr.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "T",
                "_output_shapes",
                "data_format",
                "ksize",
                "padding",
                "strides"
            ]
        );
    }
}
