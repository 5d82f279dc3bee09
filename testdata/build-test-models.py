#!/usr/bin/python3
"""Builds the small ONNX models Inferbus's tests use; the .onnx files are checked in beside this script.

Run with Debian's Python (apt-get install python3-onnx): /usr/bin/python3 testdata/build-test-models.py
Each model is written by hand with onnx.helper, so no converter package is needed.
"""
import os
import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "models")
os.makedirs(OUT, exist_ok=True)


def save(model, name):
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(OUT, name))
    print("wrote", name)


def opsets(*extra):
    return [helper.make_opsetid("", 13)] + list(extra)


# slow-matmul: y[N,1] = x[N,1] + sum(A @ A) / size^3, where A = ones(size, size).
# The work grows with `size` (an input, so ONNX Runtime cannot fold it away at load time): tests use
# it to hold an instance busy for a chosen time and so exercise queueing, 429 and 408.
slow = helper.make_graph(
    [
        helper.make_node("ConstantOfShape", ["size"], ["a"],
                         value=helper.make_tensor("one", TensorProto.FLOAT, [1], [1.0])),
        helper.make_node("MatMul", ["a", "a"], ["aa"]),
        helper.make_node("ReduceSum", ["aa"], ["total"], keepdims=0),
        helper.make_node("Mul", ["total", "zero"], ["nothing"]),
        helper.make_node("Add", ["x", "nothing"], ["y"]),
    ],
    "slow_matmul",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 1]),
     helper.make_tensor_value_info("size", TensorProto.INT64, [2])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 1])],
    [helper.make_tensor("zero", TensorProto.FLOAT, [], [0.0])],
)
save(helper.make_model(slow, opset_imports=opsets(), ir_version=8), "slow-matmul.onnx")

def seq_of_maps(name):
    """A value info of type seq(map(int64, float)) (built by hand: onnx 1.12 has no helper for maps)."""
    info = onnx.ValueInfoProto()
    info.name = name
    info.type.sequence_type.elem_type.map_type.key_type = TensorProto.INT64
    info.type.sequence_type.elem_type.map_type.value_type.tensor_type.elem_type = TensorProto.FLOAT
    return info


# zipmap-classifier: probabilities p[N,2] in, the scikit-learn converter's ZipMap out: a sequence
# of maps {0: p0, 1: p1} (a non-tensor output), plus the argmax label.
zipmap = helper.make_graph(
    [
        helper.make_node("ZipMap", ["p"], ["probabilities"], domain="ai.onnx.ml", classlabels_int64s=[0, 1]),
        helper.make_node("ArgMax", ["p"], ["label"], axis=1, keepdims=0),
    ],
    "zipmap_classifier",
    [helper.make_tensor_value_info("p", TensorProto.FLOAT, ["batch", 2])],
    [seq_of_maps("probabilities"),
     helper.make_tensor_value_info("label", TensorProto.INT64, ["batch"])],
)
save(helper.make_model(zipmap, opset_imports=opsets(helper.make_opsetid("ai.onnx.ml", 1)), ir_version=8),
     "zipmap-classifier.onnx")

# two-inputs: several inputs and outputs of different types; sum = a + b (FP64), flag = a > b (BOOL),
# count = cast(a) (INT32).
two = helper.make_graph(
    [
        helper.make_node("Add", ["a", "b"], ["sum"]),
        helper.make_node("Greater", ["a", "b"], ["flag"]),
        helper.make_node("Cast", ["a"], ["count"], to=TensorProto.INT32),
    ],
    "two_inputs",
    [helper.make_tensor_value_info("a", TensorProto.DOUBLE, ["batch", 3]),
     helper.make_tensor_value_info("b", TensorProto.DOUBLE, ["batch", 3])],
    [helper.make_tensor_value_info("sum", TensorProto.DOUBLE, ["batch", 3]),
     helper.make_tensor_value_info("flag", TensorProto.BOOL, ["batch", 3]),
     helper.make_tensor_value_info("count", TensorProto.INT32, ["batch", 3])],
)
save(helper.make_model(two, opset_imports=opsets(), ir_version=8), "two-inputs.onnx")

# fixed-shape: input [2, 3] with no dynamic dimension (not batchable; shape checks).
fixed = helper.make_graph(
    [helper.make_node("Neg", ["x"], ["y"])],
    "fixed_shape",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])],
)
save(helper.make_model(fixed, opset_imports=opsets(), ir_version=8), "fixed-shape.onnx")

# sequence-input: a valid model ONNX Runtime loads, whose input is a sequence of tensors rather than
# a tensor. The registry accepts it (it loads); an instance cannot serve it (scoring bodies carry
# tensors only), so its deployment ends Failed with the reason: tests of failed deployments use it.
seq = helper.make_graph(
    [helper.make_node("SequenceLength", ["xs"], ["n"])],
    "sequence_input",
    [helper.make_tensor_sequence_value_info("xs", TensorProto.FLOAT, None)],
    [helper.make_tensor_value_info("n", TensorProto.INT64, [])],
)
save(helper.make_model(seq, opset_imports=opsets(), ir_version=8), "sequence-input.onnx")

# flatten-rows: first dimensions dynamic in and out, but the output does not have one row per input
# row (y = x reshaped to one dimension, [batch * 3]): batching cannot split a stacked run back, so an
# instance must notice and serve such a model one request at a time.
flat_shape = helper.make_tensor("flat", TensorProto.INT64, [1], [-1])
flat = helper.make_graph(
    [helper.make_node("Reshape", ["x", "flat"], ["y"])],
    "flatten_rows",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n"])],
    [flat_shape],
)
save(helper.make_model(flat, opset_imports=opsets(), ir_version=8), "flatten-rows.onnx")


def matmul_chain(name, size, depth):
    """chain-<...>: y[N,4] = x + 0 * sum(A^depth), A a size x size matrix of 1/size (so A^k = A, no
    overflow) built from the input, which keeps ONNX Runtime from folding the chain away at load
    time. One signature, any cost: canary rollout tests serve a cheap one as the stable deployment
    and a slow one as a canary whose latency breaches its limit."""
    nodes = [
        helper.make_node("ReduceSum", ["x"], ["xs"], keepdims=0),
        helper.make_node("Mul", ["xs", "zero"], ["xz"]),
        helper.make_node("Add", ["xz", "inv"], ["a_value"]),
        helper.make_node("Expand", ["a_value", "shape"], ["a0"]),
    ]
    previous = "a0"
    for i in range(depth):
        nodes.append(helper.make_node("MatMul", [previous, "a0"], ["a%d" % (i + 1)]))
        previous = "a%d" % (i + 1)
    nodes += [
        helper.make_node("ReduceSum", [previous], ["total"], keepdims=0),
        helper.make_node("Mul", ["total", "zero"], ["nothing"]),
        helper.make_node("Add", ["x", "nothing"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        name.replace("-", "_"),
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor("zero", TensorProto.FLOAT, [], [0.0]),
         helper.make_tensor("inv", TensorProto.FLOAT, [], [1.0 / size]),
         helper.make_tensor("shape", TensorProto.INT64, [2], [size, size])],
    )
    save(helper.make_model(graph, opset_imports=opsets(), ir_version=8), name + ".onnx")


# chain-fast: one 4x4 product (under 0.1 ms); chain-slow: eight 1024x1024 products (8.6 * 10^9
# multiply-adds: about 100 ms on one core of the 2-core test machine).
matmul_chain("chain-fast", 4, 1)
matmul_chain("chain-slow", 1024, 8)
