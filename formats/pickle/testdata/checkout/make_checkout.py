"""Writes a real YOLO training checkpoint the way train.py of a research
git checkout makes best.pt/last.pt, with that checkout's own code and a
tiny model config, so the pickle names the checkout-relative globals
(models.yolo.DetectionModel, models.common.Conv, ...) exactly as
torch.save writes them:

  yolov5_checkout_last.pt  ultralytics/yolov5 at tag v7.0 (915bbf294; later
                           commits import the pip-only ultralytics package):
                           DetectionModel, Detect, Conv, C3, Bottleneck,
                           SPPF, Concat
  yolov7_checkout_last.pt  WongKinYiu/yolov7 at a207844: Model, IDetect,
                           ImplicitA, ImplicitM, Conv, MP, SPPCSPC, RepConv,
                           Concat
  yolov9_checkout_last.pt  WongKinYiu/yolov9 at 5b1ea9a (train_dual.py):
                           DetectionModel, DualDDetect, DFL, Silence, Conv,
                           RepNCSPELAN4, RepNCSP, RepNBottleneck, RepConvN,
                           ADown, SPPELAN, SP, Concat
  yolov6_checkout_last.pt  meituan/YOLOv6 at e86a483 (yolov6/core/engine.py):
                           yolov6.models.yolo.Model, EfficientRep,
                           RepBiFPANNeck, effidehead.Detect, RepVGGBlock,
                           RepBlock, ConvBNReLU, ConvBNSiLU, BiFusion,
                           CSPSPPF, Transpose, ConvModule

Run with Debian's interpreter (python3-torch, python3-opencv, python3-yaml,
python3-pandas, python3-requests, python3-matplotlib, python3-seaborn,
python3-ipython, python3-psutil):

    /usr/bin/python3 make_checkout.py yolov5 path/to/yolov5 .
    /usr/bin/python3 make_checkout.py yolov7 path/to/yolov7 .
    /usr/bin/python3 make_checkout.py yolov9 path/to/yolov9 .
    /usr/bin/python3 make_checkout.py yolov6 path/to/YOLOv6 .

Nothing is stubbed: the classes are the checkout's. YOLOv6 reads its model
config through addict (not in Debian); the config is never pickled, so it is
given here as a small attribute dictionary with the fields of
configs/yolov6n.py. Each checkpoint dict
has its train.py's keys (yolov5 v7.0 train.py lines 372-381, yolov7
train.py lines 454-461, yolov9 train_dual.py lines 378-387, YOLOv6
yolov6/core/engine.py lines 192-200); seeds and the date are fixed so the files are
reproducible.
"""
import os
import sys
from copy import deepcopy

project, checkout, out = sys.argv[1], os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])
sys.path.insert(0, checkout)
os.chdir(checkout)

import torch  # noqa: E402

torch.manual_seed(0)
hyp = {"lr0": 0.01, "momentum": 0.937, "weight_decay": 0.0005, "box": 0.05, "cls": 0.5, "obj": 1.0}
anchors = [[10, 13, 16, 30, 33, 23], [30, 61, 62, 45, 59, 119]]

if project == "yolov5":
    from models.yolo import DetectionModel
    from utils.torch_utils import ModelEMA, de_parallel, smart_optimizer

    cfg = {
        "nc": 2, "depth_multiple": 0.33, "width_multiple": 0.125, "anchors": anchors,
        "backbone": [
            [-1, 1, "Conv", [64, 6, 2, 2]],
            [-1, 1, "Conv", [128, 3, 2]],
            [-1, 1, "C3", [128]],
            [-1, 1, "Conv", [256, 3, 2]],
            [-1, 1, "SPPF", [256, 5]],
        ],
        "head": [
            [-1, 1, "Conv", [128, 1, 1]],
            [-1, 1, "nn.Upsample", [None, 2, "nearest"]],
            [[-1, 2], 1, "Concat", [1]],
            [-1, 1, "C3", [128, False]],
            [[8, 5], 1, "Detect", ["nc", "anchors"]],
        ],
    }
    model = DetectionModel(cfg, ch=3)
    model.names = {0: "a", 1: "b"}
    optimizer = smart_optimizer(model, "SGD", hyp["lr0"], hyp["momentum"], hyp["weight_decay"])
elif project == "yolov7":
    from models.yolo import Model
    from utils.torch_utils import ModelEMA

    def de_parallel(m):
        return m

    cfg = {
        "nc": 2, "depth_multiple": 1.0, "width_multiple": 1.0, "anchors": anchors,
        "backbone": [
            [-1, 1, "Conv", [8, 3, 2]],
            [-1, 1, "Conv", [16, 3, 2]],
            [-1, 1, "MP", []],
            [-1, 1, "Conv", [16, 1, 1]],
            [-1, 1, "SPPCSPC", [16]],
        ],
        "head": [
            [-1, 1, "Conv", [8, 1, 1]],
            [-1, 1, "nn.Upsample", [None, 2, "nearest"]],
            [[-1, 1], 1, "Concat", [1]],
            [-1, 1, "RepConv", [16, 3, 1]],
            [[8, 4], 1, "IDetect", ["nc", "anchors"]],
        ],
    }
    model = Model(cfg, ch=3)
    model.names = ["a", "b"]
    optimizer = torch.optim.SGD(model.parameters(), lr=hyp["lr0"], momentum=hyp["momentum"], nesterov=True)
elif project == "yolov9":
    from models.yolo import DetectionModel
    from utils.torch_utils import ModelEMA, de_parallel, smart_optimizer

    cfg = {
        "nc": 2, "depth_multiple": 1.0, "width_multiple": 1.0, "anchors": 3,
        "backbone": [
            [-1, 1, "Silence", []],
            [-1, 1, "Conv", [8, 3, 2]],
            [-1, 1, "Conv", [16, 3, 2]],
            [-1, 1, "RepNCSPELAN4", [16, 16, 8, 1]],
            [-1, 1, "ADown", [16]],
            [-1, 1, "SPPELAN", [16, 8]],
        ],
        "head": [
            [-1, 1, "nn.Upsample", [None, 2, "nearest"]],
            [[-1, 3], 1, "Concat", [1]],
            [-1, 1, "RepNCSPELAN4", [16, 16, 8, 1]],
            [[8, 8], 1, "DualDDetect", ["nc"]],
        ],
    }
    model = DetectionModel(cfg, ch=3)
    model.names = {0: "a", 1: "b"}
    optimizer = smart_optimizer(model, "SGD", hyp["lr0"], hyp["momentum"], hyp["weight_decay"])
elif project == "yolov6":
    from yolov6.models.yolo import Model
    from yolov6.utils.ema import ModelEMA

    class Cfg(dict):
        __getattr__ = dict.__getitem__

    def de_parallel(m):
        return m

    cfg = Cfg(training_mode="repvgg", model=Cfg(
        depth_multiple=0.01, width_multiple=0.03125,
        backbone=Cfg(type="EfficientRep", num_repeats=[1, 6, 12, 18, 6], out_channels=[64, 128, 256, 512, 1024],
                     fuse_P2=True, cspsppf=True),
        neck=Cfg(type="RepBiFPANNeck", num_repeats=[12, 12, 12, 12], out_channels=[256, 128, 128, 256, 256, 512]),
        head=Cfg(num_layers=3, use_dfl=False, reg_max=0)))
    model = Model(cfg, channels=3, num_classes=2)
    optimizer = torch.optim.SGD(model.parameters(), lr=hyp["lr0"], momentum=hyp["momentum"], nesterov=True)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda=lambda x: 1.0)
else:
    sys.exit("project must be yolov5, yolov6, yolov7 or yolov9")

if project != "yolov6":
    # train.py sets these on the model before training.
    model.nc = 2
    model.hyp = hyp
    model.gr = 1.0
    model.class_weights = torch.ones(2)
ema = ModelEMA(model)
ckpt = {
    "epoch": 0,
    "best_fitness": 0.0,
    "model": deepcopy(de_parallel(model)).half(),
    "ema": deepcopy(ema.ema).half(),
    "updates": ema.updates,
    "optimizer": optimizer.state_dict(),
}
if project in ("yolov5", "yolov9"):
    ckpt.update({"opt": {"weights": "", "cfg": "tiny.yaml", "data": "data.yaml", "epochs": 1,
                         "batch_size": 2, "imgsz": 64, "save_dir": "runs/train/exp"},
                 "git": None, "date": "2026-12-07T00:00:00"})
elif project == "yolov7":
    ckpt.update({"training_results": "", "wandb_id": None})
else:
    ckpt.update({"scheduler": scheduler.state_dict(), "epoch": 0, "results": (0.0, 0.0)})
torch.save(ckpt, os.path.join(out, "%s_checkout_last.pt" % project))
