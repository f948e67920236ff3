#!/usr/bin/python3
"""Reinforcement-learning pickles: Stable-Baselines3's vecnormalize.pkl,
Stable-Baselines (v2)'s obs_rms.pkl and agent data, with gym and gymnasium
spaces, for the stable_baselines and gym ecosystems allow.tsv lists from
their source (Debian packages none of them), and hostile variants.

    /usr/bin/python3 formats/pickle/testdata/rl/make.py

The classes are stand-ins registered under the real module names, with
the attributes the real objects keep (read at the commits allow.tsv
names): VecNormalize.__getstate__ drops venv, class_attributes and
returns, and the spaces hold a numpy RandomState (gym) or Generator
(gymnasium) as _np_random. SB3 writes pickle.dump(self, f) (protocol 3 on
the Python 3.7 of rl-trained-agents, 4 later); SB2 agents are
cloudpickle.dump((data, params)), here plain pickle of the same data
without the learning-rate function (that one is bytecode: MG102). Seeds
and values are fixed, so a rerun writes the same bytes.
"""
import os
import pickle
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from stubs import module  # noqa: E402


def obj(cls, **attrs):
    o = cls.__new__(cls)
    o.__dict__.update(attrs)
    return o


def classes(modname, *names):
    have = sys.modules.get(modname)
    made = {n: getattr(have, n, None) or type(n, (object,), {}) for n in names}
    module(modname, **made)
    return made


class Call:
    """Pickles as a call of fn with args: what a hostile file writes."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def spaces(pkg, rng, legacy_names=False):
    box = classes(pkg + ".spaces.box", "Box")["Box"]
    disc = classes(pkg + ".spaces.discrete", "Discrete")["Discrete"]
    md = classes(pkg + ".spaces.multi_discrete", "MultiDiscrete")["MultiDiscrete"]
    dct = classes(pkg + ".spaces.dict", "Dict")["Dict"]
    low = np.full((3,), -10.0, np.float32)
    high = np.full((3,), 10.0, np.float32)
    obs = obj(box, dtype=np.dtype(np.float32), _shape=(3,), low=low, high=high,
              bounded_below=np.ones(3, bool), bounded_above=np.ones(3, bool),
              low_repr="-10.0", high_repr="10.0", _np_random=rng)
    act = obj(disc, n=4, start=0, dtype=np.dtype(np.int64), _shape=(), _np_random=rng)
    multi = obj(md, nvec=np.array([2, 3]), start=np.zeros(2, np.int64), dtype=np.dtype(np.int64),
                _shape=(2,), _np_random=None)
    return box, obs, act, obj(dct, spaces={"pos": obs, "mode": multi}, _shape=None, dtype=None, _np_random=None)


def rms(cls, n):
    return obj(cls, mean=np.linspace(0, 1, n), var=np.ones(n), count=1000.0001)


def vecnormalize(spaces_pkg, rng, dict_obs, extra=None):
    vn = classes("stable_baselines3.common.vec_env.vec_normalize", "VecNormalize")["VecNormalize"]
    rmsc = classes("stable_baselines3.common.running_mean_std", "RunningMeanStd")["RunningMeanStd"]
    _, obs, act, dobs = spaces(spaces_pkg, rng)
    state = dict(num_envs=1, observation_space=dobs if dict_obs else obs, action_space=act,
                 render_mode=None, norm_obs=True, norm_obs_keys=["pos"] if dict_obs else None,
                 obs_rms={"pos": rms(rmsc, 3)} if dict_obs else rms(rmsc, 3), ret_rms=rms(rmsc, 1),
                 clip_obs=10.0, clip_reward=10.0, gamma=0.99, epsilon=1e-8, training=True,
                 norm_reward=True, old_obs=np.array([]), old_reward=np.array([]))
    state.update(extra or {})
    return obj(vn, **state)


def write(name, value, protocol):
    with open(os.path.join(HERE, name), "wb") as f:
        pickle.dump(value, f, protocol=protocol)


def main():
    rs = np.random.RandomState(0)
    gen = np.random.default_rng(0)
    write("sb3_vecnormalize_gym.pkl", vecnormalize("gym", rs, False), 3)
    write("sb3_vecnormalize_gymnasium.pkl", vecnormalize("gymnasium", gen, True), 4)
    sb2_rms = classes("stable_baselines.common.running_mean_std", "RunningMeanStd")["RunningMeanStd"]
    write("sb2_obs_rms.pkl", rms(sb2_rms, 8), 3)
    policy = classes("stable_baselines.common.policies", "MlpPolicy")["MlpPolicy"]
    _, obs, act, _ = spaces("gym", rs)
    data = {"gamma": 0.99, "n_steps": 5, "policy": policy, "observation_space": obs,
            "action_space": act, "n_envs": 1, "policy_kwargs": {}}
    params = {"model/pi/w:0": np.zeros((3, 4), np.float32)}
    write("sb2_agent.pkl", (data, params), 3)

    box = sys.modules["gym.spaces.box"].Box
    write("hostile_vecnormalize_system.pkl",
          vecnormalize("gym", rs, False, {"norm_obs_keys": Call(os.system, "id")}), 3)
    write("hostile_vecnormalize_holds_system.pkl",
          vecnormalize("gym", rs, False, {"venv_factory": os.system}), 3)
    write("hostile_box_called.pkl", Call(box, "/etc/passwd"), 3)
    write("hostile_policy_called.pkl", {"policy": Call(policy, "/tmp/x")}, 3)


if __name__ == "__main__":
    main()
