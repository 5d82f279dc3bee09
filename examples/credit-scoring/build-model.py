#!/usr/bin/python3
"""Build the credit-scoring example models for Inferbus.

Trains a standardized logistic regression on the German Credit data set
(Statlog / Prof. Hans Hofmann, Univ. Hamburg, via the UCI ML Repository) as
shipped by Debian's `weka` package, writes it as a hand-built ONNX graph, and
writes a sample request plus the expected outputs for that request.

It builds two versions of the model, with the same signature, for a blue/green
rollout:

    v1  (blue)   LogisticRegression with default (equal) class weights
    v2  (green)  the same, retrained on the same rows with class_weight="balanced":
                 each class weighs n / (2 * n_class), so in the 750 training
                 rows a bad risk (225 rows, weight 1.667) counts 2.33 times a
                 good one (525 rows, weight 0.714). v2 flags more applicants as
                 bad: higher P(bad) for every row, more recall on bad risks,
                 lower accuracy.

Prerequisites (Debian 12 "bookworm"; no PyPI needed):

    sudo apt-get install weka python3-onnx python3-sklearn python3-scipy python3-numpy

    (`weka` is only needed for its data file
     /usr/share/doc/weka/examples/credit-g.arff)

Run from anywhere, with Debian's own interpreter:

    /usr/bin/python3 examples/credit-scoring/build-model.py

Outputs (paths relative to this script's directory, all checked in):

    model/german-credit-bad-risk.onnx      v1
    sample-request.json                    the first 4 records of credit-g.arff
    expected-outputs.json                  v1's outputs for sample-request.json
    model/german-credit-bad-risk-v2.onnx   v2 (class_weight="balanced")
    expected-outputs-v2.json               v2's outputs for sample-request.json

The ONNX models (v1 and v2 alike)
---------------------------------
input   features       float32 [batch, 7]  raw, unstandardized values, in the
                                           order of FEATURES below
output  probabilities  float32 [batch, 2]  [P(good), P(bad)] per row, i.e.
                                           sklearn's predict_proba column order
output  label          int64   [batch]     0 = good, 1 = bad (sklearn's predict)

Graph: (features - mean) / scale -> MatMul(coef) -> Add(intercept) = logit;
P(bad) = Sigmoid(logit); P(good) = 1 - P(bad); label = Cast(logit > 0).
Opset 13, IR version 8. The ONNX model_version field is 1 for v1 and 2 for v2.

Checks: onnx.checker; the saved graph is evaluated in float32 (onnx.reference
.ReferenceEvaluator when onnx >= 1.13, else the small NumpyEvaluator below,
since Debian 12 ships onnx 1.12) and must match sklearn's predict_proba within
1e-5 and predict exactly, on all 1000 rows and on the sample rows (each
model against its own sklearn pipeline).

Deterministic: fixed train/test split (random_state=0), lbfgs solver; reruns
reproduce the output files byte for byte.
"""

import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from scipy.io import arff
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, recall_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

DATA_PATH = "/usr/share/doc/weka/examples/credit-g.arff"  # Debian package: weka

# The 7 numeric attributes of credit-g.arff, in model input order.
# (name in the ARFF file, meaning and unit)
FEATURES = [
    ("duration", "loan duration, months"),
    ("credit_amount", "credit amount, Deutsche Mark (DM)"),
    ("installment_commitment", "installment rate as % of disposable income, coded 1-4"),
    ("residence_since", "years at present residence, coded 1-4"),
    ("age", "age, years"),
    ("existing_credits", "number of existing credits at this bank, count"),
    ("num_dependents", "number of people liable to provide maintenance for, count"),
]
TARGET = "class"          # nominal {good, bad}
POSITIVE = b"bad"         # class 1 = bad credit risk, class 0 = good

MODEL_NAME = "german-credit-bad-risk"
MODEL_V2_NAME = MODEL_NAME + "-v2"
OPSET = 13
IR_VERSION = 8
TOLERANCE = 1e-5
N_SAMPLE_ROWS = 4         # the first records of credit-g.arff

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_PATH = os.path.join(HERE, "model", MODEL_NAME + ".onnx")
REQUEST_PATH = os.path.join(HERE, "sample-request.json")
EXPECTED_PATH = os.path.join(HERE, "expected-outputs.json")
MODEL_V2_PATH = os.path.join(HERE, "model", MODEL_V2_NAME + ".onnx")
EXPECTED_V2_PATH = os.path.join(HERE, "expected-outputs-v2.json")

V1_DOC = ("Logistic regression (standardized inputs) predicting bad credit risk on the "
          "German Credit data (Statlog, UCI; credit-g.arff from Debian's weka package). "
          "probabilities = [P(good), P(bad)]; label = 1 if bad.")
V2_DOC = ("Version 2: logistic regression (standardized inputs) trained with "
          "class_weight='balanced' (bad risks weigh 2.33 times good ones), predicting bad "
          "credit risk on the German Credit data (Statlog, UCI; credit-g.arff from Debian's "
          "weka package). probabilities = [P(good), P(bad)]; label = 1 if bad.")


def load_data():
    if not os.path.exists(DATA_PATH):
        sys.exit(f"{DATA_PATH} not found: install it with `sudo apt-get install weka`")
    data, _meta = arff.loadarff(DATA_PATH)
    x = np.column_stack([data[name] for name, _ in FEATURES]).astype(np.float64)
    y = (data[TARGET] == POSITIVE).astype(np.int64)
    assert x.shape == (1000, len(FEATURES)) and not np.isnan(x).any()
    return x, y


def fit(x, y, class_weight=None, tag="v1"):
    """class_weight=None is LogisticRegression's default (v1); "balanced" for v2."""
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.25, random_state=0, stratify=y)
    pipe = make_pipeline(StandardScaler(), LogisticRegression(
        solver="lbfgs", max_iter=1000, class_weight=class_weight))
    pipe.fit(x_train, y_train)
    p_test = pipe.predict_proba(x_test)[:, 1]
    print(f"{tag}: held-out rows: {len(y_test)}, accuracy {accuracy_score(y_test, pipe.predict(x_test)):.3f}, "
          f"ROC AUC {roc_auc_score(y_test, p_test):.3f}, recall on bad {recall_score(y_test, pipe.predict(x_test)):.3f} "
          f"(share of bad: {y_test.mean():.2f})")
    return pipe


def build_onnx(pipe, model_version=1, doc_string=V1_DOC, extra_props=None):
    scaler, logreg = pipe[0], pipe[1]
    assert list(logreg.classes_) == [0, 1]
    n = len(FEATURES)
    f32 = np.float32
    inits = [
        numpy_helper.from_array(scaler.mean_.astype(f32).reshape(1, n), "scaler_mean"),
        numpy_helper.from_array(scaler.scale_.astype(f32).reshape(1, n), "scaler_scale"),
        numpy_helper.from_array(logreg.coef_.astype(f32).reshape(n, 1), "coef"),
        numpy_helper.from_array(logreg.intercept_.astype(f32).reshape(1), "intercept"),
        numpy_helper.from_array(np.array([1.0], dtype=f32), "one"),
        numpy_helper.from_array(np.array([0.0], dtype=f32), "zero"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "squeeze_axes"),
    ]
    nodes = [
        helper.make_node("Sub", ["features", "scaler_mean"], ["centered"], name="center"),
        helper.make_node("Div", ["centered", "scaler_scale"], ["standardized"], name="scale"),
        helper.make_node("MatMul", ["standardized", "coef"], ["weighted"], name="dot_coef"),
        helper.make_node("Add", ["weighted", "intercept"], ["logit"], name="add_intercept"),
        helper.make_node("Sigmoid", ["logit"], ["p_bad"], name="sigmoid"),
        helper.make_node("Sub", ["one", "p_bad"], ["p_good"], name="complement"),
        helper.make_node("Concat", ["p_good", "p_bad"], ["probabilities"], axis=1,
                         name="stack_probabilities"),
        # sklearn's predict is decision_function > 0, i.e. logit > 0
        helper.make_node("Greater", ["logit", "zero"], ["is_bad"], name="threshold"),
        helper.make_node("Cast", ["is_bad"], ["label_2d"], to=TensorProto.INT64, name="to_int64"),
        helper.make_node("Squeeze", ["label_2d", "squeeze_axes"], ["label"], name="flatten_label"),
    ]
    feature_doc = "; ".join(f"{i}: {name} ({unit})" for i, (name, unit) in enumerate(FEATURES))
    graph = helper.make_graph(
        nodes,
        "german_credit_logistic_regression",
        inputs=[helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", n])],
        outputs=[
            helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", 2]),
            helper.make_tensor_value_info("label", TensorProto.INT64, ["batch"]),
        ],
        initializer=inits,
        doc_string="Input columns, raw values: " + feature_doc,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="inferbus-examples/credit-scoring/build-model.py",
        producer_version="1",
        model_version=model_version,
        doc_string=doc_string,
    )
    model.ir_version = IR_VERSION
    helper.set_model_props(model, {
        "features": ",".join(name for name, _ in FEATURES),
        "classes": "0=good,1=bad",
        "dataset": "German Credit (Statlog), credit-g.arff, Debian package weka",
        **(extra_props or {}),
    })
    onnx.checker.check_model(model, full_check=True)
    return model


class NumpyEvaluator:
    """Minimal evaluator for the ops this graph uses, run node by node on the
    saved ONNX file in float32. Debian 12's python3-onnx is 1.12, which has no
    onnx.reference; where onnx >= 1.13 is installed its ReferenceEvaluator is
    used instead (see make_evaluator)."""

    OPS = {
        "Sub": lambda a, b: a - b,
        "Div": lambda a, b: a / b,
        "Add": lambda a, b: a + b,
        "MatMul": np.matmul,
        "Greater": np.greater,
        "Sigmoid": lambda a: (np.float32(1) / (np.float32(1) + np.exp(-a))).astype(a.dtype),
    }

    def __init__(self, path):
        self.graph = onnx.load(path).graph

    def run(self, _output_names, feeds):
        env = {t.name: numpy_helper.to_array(t) for t in self.graph.initializer}
        env.update(feeds)
        for node in self.graph.node:
            args = [env[name] for name in node.input]
            attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
            if node.op_type in self.OPS:
                out = self.OPS[node.op_type](*args)
            elif node.op_type == "Concat":
                out = np.concatenate(args, axis=attrs["axis"])
            elif node.op_type == "Cast":
                out = args[0].astype({TensorProto.INT64: np.int64, TensorProto.FLOAT: np.float32}[attrs["to"]])
            elif node.op_type == "Squeeze":
                out = np.squeeze(args[0], axis=tuple(int(i) for i in args[1]))
            else:
                raise NotImplementedError(node.op_type)
            env[node.output[0]] = out
        return [env[o.name] for o in self.graph.output]


def make_evaluator(path):
    try:
        from onnx.reference import ReferenceEvaluator  # onnx >= 1.13
        print("evaluating with onnx.reference.ReferenceEvaluator")
        return ReferenceEvaluator(path)
    except ImportError:
        print(f"onnx {onnx.__version__} has no onnx.reference: evaluating with NumpyEvaluator")
        return NumpyEvaluator(path)


def to_json(obj, indent=""):
    """Pretty JSON with each innermost list (one row) on a single line.
    Floats are written as json does: repr(float), exact for float32 values."""
    if isinstance(obj, dict):
        inner = indent + "  "
        items = [f"{inner}{json.dumps(k)}: {to_json(v, inner).strip()}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}" + ("\n" if not indent else "")
    if isinstance(obj, list) and obj and isinstance(obj[0], list):
        inner = indent + "  "
        return "[\n" + ",\n".join(inner + json.dumps(row) for row in obj) + "\n" + indent + "]"
    return json.dumps(obj)


def save_and_check(model, pipe, path, x):
    """Saves model to path, evaluates the saved file in float32 on all rows of x
    and checks it against pipe (float64). Answers the evaluator."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    onnx.save_model(model, path)
    onnx.checker.check_model(path, full_check=True)

    sess = make_evaluator(path)

    # Whole data set: ONNX (float32) vs sklearn (float64).
    prob_all, label_all = sess.run(None, {"features": x.astype(np.float32)})
    assert prob_all.dtype == np.float32 and prob_all.shape == (len(x), 2)
    assert label_all.dtype == np.int64 and label_all.shape == (len(x),)
    max_diff = float(np.abs(prob_all - pipe.predict_proba(x)).max())
    assert max_diff <= TOLERANCE, max_diff
    assert np.array_equal(label_all, pipe.predict(x)), "label differs from sklearn predict"
    print(f"all {len(x)} rows: max |onnx - sklearn| probability diff {max_diff:.2e}, labels identical")
    return sess


def sample_outputs(sess, pipe, rows):
    """The saved model's outputs for the float32 sample rows, checked against pipe."""
    prob, label = sess.run(None, {"features": rows})
    assert np.abs(prob - pipe.predict_proba(rows.astype(np.float64))).max() <= TOLERANCE
    assert np.array_equal(label, pipe.predict(rows.astype(np.float64)))
    assert set(label.tolist()) == {0, 1}, "sample rows should include both predicted classes"
    return prob, label


def write_expected(path, input_data, prob, label):
    expected = {
        "input_data": input_data,
        "outputs": {
            # float(np.float32) keeps the exact float32 value; json writes its repr.
            "probabilities": [[float(v) for v in row] for row in prob],
            "label": [int(v) for v in label],
        },
    }
    with open(path, "w") as f:
        f.write(to_json(expected))


def main():
    x, y = load_data()

    # v1 (blue): default class weights.
    pipe = fit(x, y)
    sess = save_and_check(build_onnx(pipe), pipe, MODEL_PATH, x)

    # Sample request: the first records of the file, raw values as floats.
    rows = x[:N_SAMPLE_ROWS].astype(np.float32)
    prob, label = sample_outputs(sess, pipe, rows)

    input_data = [[float(v) for v in row] for row in rows]
    with open(REQUEST_PATH, "w") as f:
        f.write(to_json({"input_data": input_data}))
    write_expected(EXPECTED_PATH, input_data, prob, label)

    # v2 (green): the same data, split and pipeline, retrained with balanced class weights.
    pipe_v2 = fit(x, y, class_weight="balanced", tag="v2")
    model_v2 = build_onnx(pipe_v2, model_version=2, doc_string=V2_DOC,
                          extra_props={"class_weight": "balanced"})
    sess_v2 = save_and_check(model_v2, pipe_v2, MODEL_V2_PATH, x)
    prob_v2, label_v2 = sample_outputs(sess_v2, pipe_v2, rows)
    # The retrain weighs bad risks more: every sample row gets a higher P(bad).
    assert (prob_v2[:, 1] > prob[:, 1]).all(), "v2 should give every sample row a higher P(bad)"
    write_expected(EXPECTED_V2_PATH, input_data, prob_v2, label_v2)

    for path in (MODEL_PATH, REQUEST_PATH, EXPECTED_PATH, MODEL_V2_PATH, EXPECTED_V2_PATH):
        print("wrote", os.path.relpath(path, os.getcwd()))


if __name__ == "__main__":
    main()
