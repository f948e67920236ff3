# Makes the pickles in this folder: real files that name the saving
# program's own definitions in __main__, as notebooks and scripts write them.
# Loading one imports nothing: find_class("__main__", name) returns an
# attribute of the loading program's main module. Each name is only built
# as a class (NEWOBJ, copyreg._reconstructor with base object) or held as a
# value. Run with Debian's /usr/bin/python3 from this folder.
import pickle

import joblib
import numpy as np
import torch
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

torch.manual_seed(0)


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)


class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y


def custom_tokenizer(text):
    return text.lower().split()


def scaling_function(x):
    return x * 2.0


net = Net()
torch.save(net, "torch_module_zip.pt")
torch.save(net, "torch_module_legacy.pt", _use_new_zipfile_serialization=False)

docs = ["the cat sat", "the dog ran", "a cat ran"]
vec = TfidfVectorizer(tokenizer=custom_tokenizer)
vec.fit(docs)
with open("tfidf_main_tokenizer.pkl", "wb") as f:
    pickle.dump(vec, f, protocol=4)

X = np.arange(12, dtype=np.float64).reshape(6, 2)
y = np.array([0, 1, 0, 1, 0, 1])
pipe = Pipeline([("scale", FunctionTransformer(func=scaling_function)), ("clf", LogisticRegression())])
pipe.fit(X, y)
joblib.dump(pipe, "pipeline_function_transformer.joblib")
with open("pipeline_function_transformer.pkl", "wb") as f:
    pickle.dump(pipe, f, protocol=4)

for proto in (0, 2, 4):
    with open("point_p%d.pkl" % proto, "wb") as f:
        pickle.dump(Point(1, [2, 3]), f, protocol=proto)


# dill pickles a __main__ function by value whatever its settings; with
# byref it pickles a __main__ class, and an instance's class, by reference.
# Importing dill patches pickle's Python pickler, which joblib uses, so it
# comes last.
import dill  # noqa: E402

with open("dill_class_by_ref.pkl", "wb") as f:
    dill.dump({"cls": Point, "point": Point(1, 2)}, f, byref=True)
