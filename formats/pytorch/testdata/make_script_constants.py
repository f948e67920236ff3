# Makes script_constants.pt: a TorchScript module whose traced graph holds a
# constant tensor, which torch.jit.save writes as constants.pkl plus a raw
# constants/<key> storage record. Run with Debian's /usr/bin/python3.
import torch


C = torch.arange(12, dtype=torch.float64).reshape(3, 4)


class M(torch.nn.Module):
    def forward(self, x):
        return x + C  # a tensor from outside the module: traced as a constant


torch.jit.save(torch.jit.trace(M(), torch.zeros(3, 4, dtype=torch.float64)), "script_constants.pt")
