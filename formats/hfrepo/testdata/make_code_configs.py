#!/usr/bin/python3
"""Writes the repositories for the code-importing configuration checks
(codeimports.go), shaped like real public repositories' files:
sentence-transformers/all-MiniLM-L6-v2, jinaai/jina-embeddings-v3 (custom
modules.json type), a Dense model (sentence-transformers/LaBSE), a Router
model, runwayml/stable-diffusion-v1-5's model_index.json, a PEFT LoRA
adapter, and attackers' variants of each. Run from this directory with
/usr/bin/python3. Nothing here is ever executed by the scanner."""
import json, pathlib

here = pathlib.Path(__file__).parent


def write(rel, obj):
    p = here / "code-configs" / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(obj, indent=2) + "\n" if not isinstance(obj, str) else obj)


def st_modules(*types):
    paths = {"Transformer": "", "Pooling": "1_Pooling", "Normalize": "2_Normalize", "Dense": "2_Dense"}
    out = []
    for i, t in enumerate(types):
        out.append({"idx": i, "name": str(i), "path": paths.get(t.rsplit(".", 1)[-1], f"{i}_{t.rsplit('.', 1)[-1]}"), "type": t})
    return out


POOLING = {"word_embedding_dimension": 384, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True,
           "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False,
           "pooling_mode_weightedmean_tokens": False, "pooling_mode_lasttoken": False, "include_prompt": True}
ST_CONFIG = {"__version__": {"sentence_transformers": "2.0.0", "transformers": "4.6.1", "pytorch": "1.8.1"},
             "prompts": {}, "default_prompt_name": None, "similarity_fn_name": "cosine"}

# all-MiniLM-L6-v2: only sentence_transformers classes (clean).
write("minilm/modules.json", st_modules("sentence_transformers.models.Transformer",
                                        "sentence_transformers.models.Pooling",
                                        "sentence_transformers.models.Normalize"))
write("minilm/1_Pooling/config.json", POOLING)
write("minilm/config_sentence_transformers.json", ST_CONFIG)
write("minilm/sentence_bert_config.json", {"max_seq_length": 256, "do_lower_case": False})
write("minilm/config.json", {"architectures": ["BertModel"], "model_type": "bert", "hidden_act": "gelu",
                             "hidden_size": 384, "num_hidden_layers": 6, "vocab_size": 30522})

# LaBSE: a Dense module with a torch activation (clean).
write("labse/modules.json", st_modules("sentence_transformers.models.Transformer",
                                       "sentence_transformers.models.Pooling",
                                       "sentence_transformers.models.Dense",
                                       "sentence_transformers.models.Normalize"))
write("labse/2_Dense/config.json", {"in_features": 768, "out_features": 768, "bias": True,
                                    "activation_function": "torch.nn.modules.activation.Tanh"})

# jina-embeddings-v3 shape: a custom module in the repository.
write("jina/modules.json", [
    {"idx": 0, "name": "transformer", "path": "", "type": "custom_st.Transformer"},
    {"idx": 1, "name": "pooler", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
    {"idx": 2, "name": "normalizer", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}])
write("jina/custom_st.py", "import torch\nfrom torch import nn\n\nclass Transformer(nn.Module):\n    pass\n")
write("jina/1_Pooling/config.json", POOLING)

# The same module taken from another repository.
write("crossrepo-st/modules.json", [
    {"idx": 0, "name": "0", "path": "", "type": "attacker/embeddings--custom_st.Transformer"},
    {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}])

# An installed module imported by name, a Dense activation that is not
# torch's, and a Router whose route imports an installed module.
write("st-imports/modules.json", st_modules("sentence_transformers.models.Transformer",
                                            "sentence_transformers.models.Pooling",
                                            "sentence_transformers.models.Dense",
                                            "sentence_transformers.models.Router"))
write("st-imports/2_Dense/config.json", {"in_features": 384, "out_features": 384, "bias": True,
                                         "activation_function": "os.fork"})
write("st-imports/3_Router/router_config.json", {
    "types": {"query_0_Dense": "sentence_transformers.models.Dense", "document_1_X": "evilpkg.modules.Loader"},
    "structure": {"query": ["query_0_Dense"], "document": ["document_1_X"]}, "parameters": {"default_route": "query"}})
write("st-imports/3_Router/query_0_Dense/config.json", {"in_features": 384, "out_features": 384,
                                                        "activation_function": "pdb.set_trace"})
write("st-imports/sentence_bert_config.json", {"max_seq_length": 512, "do_lower_case": False,
                                               "model_args": {"weights_only": False, "trust_remote_code": True}})
write("st-imports/config.json", {"architectures": ["BertForSequenceClassification"], "model_type": "bert",
                                 "sentence_transformers": {"activation_fn": "code.interact", "version": "4.0.1"}})

# runwayml/stable-diffusion-v1-5 model_index.json (clean).
SD15 = {"_class_name": "StableDiffusionPipeline", "_diffusers_version": "0.6.0",
        "feature_extractor": ["transformers", "CLIPImageProcessor"],
        "safety_checker": ["stable_diffusion", "StableDiffusionSafetyChecker"],
        "scheduler": ["diffusers", "PNDMScheduler"], "text_encoder": ["transformers", "CLIPTextModel"],
        "tokenizer": ["transformers", "CLIPTokenizer"], "unet": ["diffusers", "UNet2DConditionModel"],
        "vae": ["diffusers", "AutoencoderKL"]}
write("sd15/model_index.json", SD15)
write("sd15/unet/config.json", {"_class_name": "UNet2DConditionModel", "_diffusers_version": "0.6.0",
                                "act_fn": "silu", "in_channels": 4, "out_channels": 4, "sample_size": 64})
write("sd15/scheduler/scheduler_config.json", {"_class_name": "PNDMScheduler", "_diffusers_version": "0.6.0",
                                               "beta_schedule": "scaled_linear", "num_train_timesteps": 1000})

# Custom pipeline and component code in the repository.
write("diffusers-custom/model_index.json", dict(SD15, _class_name=["pipeline_x", "XPipeline"],
                                                unet=["my_unet", "MyUNet"]))
write("diffusers-custom/pipeline_x.py", "from diffusers import DiffusionPipeline\n\nclass XPipeline(DiffusionPipeline):\n    pass\n")
write("diffusers-custom/unet/my_unet.py", "from diffusers import ModelMixin\n\nclass MyUNet(ModelMixin):\n    pass\n")

# A community pipeline, another repository's pipeline and a foreign library.
write("diffusers-remote/model_index.json", dict(SD15, _class_name=["lpw_stable_diffusion", "StableDiffusionLongPromptWeightingPipeline"],
                                                scheduler=["evilpkg.schedulers", "Scheduler"]))
write("diffusers-crossrepo/model_index.json", dict(SD15, _class_name=["attacker/pipes", "XPipeline"]))

# A PEFT LoRA adapter (clean) and one whose auto_mapping imports another
# package and whose base model is a host path.
LORA = {"alpha_pattern": {}, "auto_mapping": None, "base_model_name_or_path": "meta-llama/Llama-2-7b-hf",
        "bias": "none", "fan_in_fan_out": False, "inference_mode": True, "init_lora_weights": True,
        "layers_pattern": None, "layers_to_transform": None, "lora_alpha": 16, "lora_dropout": 0.05,
        "megatron_config": None, "megatron_core": "megatron.core", "modules_to_save": None, "peft_type": "LORA",
        "r": 8, "rank_pattern": {}, "revision": None, "target_modules": ["q_proj", "v_proj"], "task_type": "CAUSAL_LM"}
write("peft-lora/adapter_config.json", LORA)
write("peft-automap/adapter_config.json", dict(LORA, task_type=None, auto_mapping={
    "base_model_class": "BertModel", "parent_library": "transformers.models.bert.modeling_bert"}))
write("peft-evil/adapter_config.json", dict(LORA, task_type=None, base_model_name_or_path="/home/user/models/base",
                                            auto_mapping={"base_model_class": "Model", "parent_library": "evilpkg.models"}))

# A modular pipeline (modular_model_index.json, as ModularPipeline's
# save_pretrained writes it) taking components from the base model's
# repository (low), and one taking them from a host path with a foreign
# type_hint library.
def spec(repo, sub, lib, cls):
    return {"pretrained_model_name_or_path": repo, "revision": None, "subfolder": sub,
            "type_hint": [lib, cls], "variant": None}
write("modular/modular_model_index.json", {
    "_blocks_class_name": "StableDiffusionXLAutoBlocks", "_class_name": "StableDiffusionXLModularPipeline",
    "_diffusers_version": "0.35.0", "force_zeros_for_empty_prompt": True,
    "unet": ["diffusers", "UNet2DConditionModel", spec("stabilityai/stable-diffusion-xl-base-1.0", "unet", "diffusers", "UNet2DConditionModel")],
    "vae": ["diffusers", "AutoencoderKL", spec("/mnt/models/vae", None, "evilpkg.vae", "AutoencoderKL")],
    "scheduler": [None, None, {"pretrained_model_name_or_path": None, "type_hint": [None, None]}]})
