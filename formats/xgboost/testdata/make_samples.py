"""Makes the XGBoost samples with the real library (python3-xgboost 1.7):
benign models in every format save_model writes, and variants a real
XGBoost never writes. Run with /usr/bin/python3 from this directory."""
import json
import struct

import numpy as np
import xgboost as xgb

rng = np.random.default_rng(0)
X = rng.normal(size=(40, 3))
y = (X[:, 0] > 0).astype(int)
d = xgb.DMatrix(X, label=y)


def train(**params):
    return xgb.train({"max_depth": 2, **params}, d, 2)


tree = train(objective="binary:logistic", eval_metric=["auc", "error@0.6"])
tree.save_model("benign.json")
tree.save_model("benign.ubj")
open("benign_binf.model", "wb").write(tree.save_raw("deprecated"))
dart = train(objective="reg:squarederror", booster="dart")
open("benign_dart.deprecated", "wb").write(dart.save_raw("deprecated"))
dart.save_model("benign_dart.json")
open("benign_gblinear.bin", "wb").write(train(objective="count:poisson", booster="gblinear").save_raw("deprecated"))

# An objective only a plugin build of XGBoost registers.
m = json.load(open("benign.json"))
m["learner"]["objective"]["name"] = "plugin:mylogistic"
json.dump(m, open("plugin_objective.json", "w"), separators=(",", ":"))

raw = bytearray(tree.save_raw("deprecated"))
# The legacy binary layout: "binf", the 136-byte learner parameters, two
# strings, the 160-byte GBTreeModelParam, then the first tree's 148-byte
# TreeParam and its nodes (20 bytes each: parent, left, right, ...).
p = 4 + 136
for _ in range(2):
    n = struct.unpack_from("<Q", raw, p)[0]
    p += 8 + n
node0 = p + 160 + 148
bad = bytearray(raw)
struct.pack_into("<ii", bad, node0 + 4, 1000, 1001)
open("bad_child.model", "wb").write(bytes(bad))
open("trailing.model", "wb").write(bytes(raw) + b"\x80\x04cos\nsystem\n.")

# Booster.save_config: the training configuration, also a {"learner": ...}
# document, with metric names carrying parameters.
ranked = xgb.train({"objective": "binary:logistic", "eval_metric": ["auc", "error@0.6", "ndcg@5-"]}, d, 2)
open("booster_config.json", "w").write(ranked.save_config())
