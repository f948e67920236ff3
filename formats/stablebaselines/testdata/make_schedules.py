#!/usr/bin/python3
"""Writes benign/sb3_old_schedules.zip: a Stable-Baselines3 archive whose data
member keeps lr_schedule and exploration_schedule as stable-baselines3 before
2.4 wrote them, base64 of cloudpickle.dumps of closures in the shape of its
get_schedule_fn(constant_fn(x)) and get_linear_fn(start, end, fraction).
BaseAlgorithm.load's _setup_model replaces both before anything calls them.
Also schedule.pkl, the lr_schedule stream alone, which the tests edit.

Needs Debian's python3-cloudpickle: /usr/bin/python3 make_schedules.py
"""
import base64
import json
import os
import zipfile

import cloudpickle

HERE = os.path.dirname(os.path.abspath(__file__))


def constant_fn(val):
    def func(_):
        return val
    return func


def get_schedule_fn(value_schedule):
    return lambda progress_remaining: float(value_schedule(progress_remaining))


def get_linear_fn(start, end, end_fraction):
    def func(progress_remaining):
        if (1 - progress_remaining) > end_fraction:
            return end
        return start + (1 - progress_remaining) * (end - start) / end_fraction
    return func


def serialized(obj):
    return {":type:": "<class 'function'>", ":serialized:": base64.b64encode(cloudpickle.dumps(obj)).decode()}


data = {
    "learning_rate": 0.0003,
    "lr_schedule": serialized(get_schedule_fn(constant_fn(0.0003))),
    "exploration_initial_eps": 1.0, "exploration_final_eps": 0.05, "exploration_fraction": 0.1,
    "exploration_schedule": serialized(get_linear_fn(1.0, 0.05, 0.1)),
}
with open(os.path.join(HERE, "schedule.pkl"), "wb") as f:
    f.write(cloudpickle.dumps(get_schedule_fn(constant_fn(0.0003))))
with zipfile.ZipFile(os.path.join(HERE, "benign", "sb3_old_schedules.zip"), "w") as z:
    z.writestr("data", json.dumps(data, indent=4))
    z.writestr("_stable_baselines3_version", "2.3.2")
