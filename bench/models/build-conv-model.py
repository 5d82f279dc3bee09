#!/usr/bin/python3
"""Build the small convolutional model of the dynamic-batching benchmark (BENCHMARKS.md, B).

A stand-in for an image classifier whose single-row run costs a fraction of a millisecond, so that
dynamic batching has something to win: per-run overhead (ONNX Runtime's call, a worker hand-off) is
shared by the rows of a batch, and convolutions run more efficiently on several images at once.
The weights are random (seeded, He-initialized): the benchmark measures cost, not accuracy.

Prerequisites (Debian 12 "bookworm"; no PyPI needed):

    sudo apt-get install python3-onnx python3-numpy

Run with Debian's own interpreter:

    /usr/bin/python3 bench/models/build-conv-model.py

Outputs (next to this script, both checked in):

    conv-classifier.onnx       the model
    conv-sample-request.json   one image as an Azure ML style request: {"input_data": [[[[...]]]]}

The model
---------
input   images         float32 [batch, 3, 32, 32]
        Conv 3->16, 3x3, pad 1 -> Relu -> Conv 16->16, 3x3, pad 1 -> Relu
        -> GlobalAveragePool -> Flatten -> Gemm 16->10 -> Softmax
output  probabilities  float32 [batch, 10]
About 2.8 M multiply-adds per image.
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = os.path.join(HERE, "conv-classifier.onnx")
SAMPLE = os.path.join(HERE, "conv-sample-request.json")
# opset 13 with IR version 7: old enough for any ONNX Runtime the project may pin, new enough for all ops used
OPSET = 13
IR_VERSION = 7


def he(rng, shape, fan_in):
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)


def build():
    rng = np.random.default_rng(20241201)
    init = [
        numpy_helper.from_array(he(rng, (16, 3, 3, 3), 3 * 9), "conv1.weight"),
        numpy_helper.from_array(np.zeros(16, np.float32), "conv1.bias"),
        numpy_helper.from_array(he(rng, (16, 16, 3, 3), 16 * 9), "conv2.weight"),
        numpy_helper.from_array(np.zeros(16, np.float32), "conv2.bias"),
        numpy_helper.from_array(he(rng, (10, 16), 16), "fc.weight"),
        numpy_helper.from_array(np.zeros(10, np.float32), "fc.bias"),
    ]
    nodes = [
        helper.make_node("Conv", ["images", "conv1.weight", "conv1.bias"], ["c1"], kernel_shape=[3, 3],
                         pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("Conv", ["r1", "conv2.weight", "conv2.bias"], ["c2"], kernel_shape=[3, 3],
                         pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c2"], ["r2"]),
        helper.make_node("GlobalAveragePool", ["r2"], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"], transB=1),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
    ]
    graph = helper.make_graph(
        nodes, "conv-classifier",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, ["batch", 3, 32, 32])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", 10])],
        initializer=init)
    model = helper.make_model(graph, producer_name="inferbus-bench",
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    onnx.save(model, MODEL)

    # One image with pixel values in [0, 1], three decimals, as a client would send them.
    image = np.round(rng.random((1, 3, 32, 32)), 3).tolist()
    with open(SAMPLE, "w") as f:
        json.dump({"input_data": image}, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    build()
    print("wrote", MODEL, "and", SAMPLE)
