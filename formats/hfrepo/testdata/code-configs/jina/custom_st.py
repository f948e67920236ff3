import torch
from torch import nn

class Transformer(nn.Module):
    pass
