#!/usr/bin/python3
"""Hand-assembled pickles of neuralforecast losses and tsfresh
transformers, libraries Debian does not package (allow.tsv's
neuralforecast and tsfresh ecosystems).

    /usr/bin/python3 formats/pickle/globals/testdata/ecosystems/forecast_samples.py

The classes are stand-ins registered under the real module names with the
members the real ones set in __init__ (read at the commits allow.tsv
names): neuralforecast.pkl is the data.pkl of torch.save of a
DistributionLoss("StudentT") (its StudentT class, student_scale_decouple
and its own bound _domain_map held) beside an MAE, as a Lightning
checkpoint's hyper_parameters keep the loss; tsfresh.pkl is a fitted
RelevantFeatureAugmenter with its FeatureAugmenter and FeatureSelector.
The values are small and fixed, so a rerun writes the same bytes.
"""
import io
import os
import pickle
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "testdata"))
from stubs import module  # noqa: E402


def neuralforecast():
    import torch
    from torch.distributions import StudentT

    class DistributionLoss(torch.nn.Module):
        def _domain_map(self, input):
            return torch.tensor_split(input, self.outputsize_multiplier, dim=2)

    class MAE(torch.nn.Module):
        pass

    def student_scale_decouple(output, loc=None, scale=None, eps=0.1):
        return output

    module("neuralforecast.losses.pytorch", DistributionLoss=DistributionLoss, MAE=MAE,
           student_scale_decouple=student_scale_decouple)
    loss = DistributionLoss()
    loss.output_names = ["", "-median", "-lo-90", "-lo-80", "-hi-80", "-hi-90"]
    loss.quantiles = torch.nn.Parameter(torch.tensor([0.05, 0.1, 0.5, 0.9, 0.95]), requires_grad=False)
    loss.horizon_weight = None
    loss.domain_map = loss._domain_map
    loss.distribution = "StudentT"
    loss._base_distribution = StudentT
    loss.scale_decouple = student_scale_decouple
    loss.distribution_kwargs = {}
    loss.num_samples = 1000
    loss.param_names = ["-df", "-loc", "-scale"]
    loss.return_params = False
    loss.outputsize_multiplier = 3
    loss.is_distribution_output = True
    loss.has_predicted = False
    mae = MAE()
    mae.horizon_weight = None
    mae.outputsize_multiplier = 1
    mae.output_names = [""]
    mae.is_distribution_output = False
    buf = io.BytesIO()
    torch.save({"hyper_parameters": {"loss": loss, "valid_loss": mae, "h": 12}}, buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        return z.read(next(n for n in z.namelist() if n.endswith("data.pkl")))


def tsfresh():
    import numpy as np
    import pandas as pd
    from sklearn.base import BaseEstimator, TransformerMixin

    rfa_cls = type("RelevantFeatureAugmenter", (BaseEstimator, TransformerMixin), {})
    fa_cls = type("FeatureAugmenter", (BaseEstimator, TransformerMixin), {})
    fs_cls = type("FeatureSelector", (BaseEstimator, TransformerMixin), {})
    module("tsfresh.transformers.relevant_feature_augmenter", RelevantFeatureAugmenter=rfa_cls)
    module("tsfresh.transformers.feature_augmenter", FeatureAugmenter=fa_cls)
    module("tsfresh.transformers.feature_selector", FeatureSelector=fs_cls)
    kind = {"value": {"mean": None, "maximum": None}}
    fa = fa_cls()
    fa.__dict__.update(default_fc_parameters=None, kind_to_fc_parameters=kind, column_id="id", column_sort="time",
                       column_kind=None, column_value=None, n_jobs=1, chunksize=None, show_warnings=False,
                       disable_progressbar=True, impute_function=None, profile=False, profiling_filename="profile.txt",
                       profiling_sorting="cumulative", timeseries_container=None)
    fs = fs_cls()
    fs.__dict__.update(fdr_level=0.05, hypotheses_independent=False, n_jobs=1, chunksize=None, ml_task="auto",
                       multiclass=False, n_significant=1, relevant_features=["value__mean"],
                       feature_importances_=np.array([1.0]), p_values=np.array([0.01]),
                       features=["value__mean", "value__maximum"])
    rfa = rfa_cls()
    rfa.__dict__.update(filter_only_tsfresh_features=True, default_fc_parameters=None, kind_to_fc_parameters=None,
                        column_id="id", column_sort="time", column_kind=None, column_value=None,
                        timeseries_container=None, chunksize=None, n_jobs=1, show_warnings=False,
                        disable_progressbar=True, profile=False, profiling_filename="profile.txt",
                        profiling_sorting="cumulative", fdr_level=0.05, hypotheses_independent=False,
                        ml_task="auto", multiclass=False, n_significant=1, multiclass_p_values="min",
                        feature_extractor=fa, feature_selector=fs,
                        relevant_features=pd.Index(["value__mean"]))
    return pickle.dumps(rfa, protocol=4)


def main():
    with open(os.path.join(HERE, "neuralforecast.pkl"), "wb") as f:
        f.write(neuralforecast())
    with open(os.path.join(HERE, "tsfresh.pkl"), "wb") as f:
        f.write(tsfresh())


if __name__ == "__main__":
    main()
