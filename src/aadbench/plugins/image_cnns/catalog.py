"""The torchvision ImageNet checkpoints, listed statically so listing them never imports torch.

The hex part of each name is the prefix of the file's SHA-256 that ``torch.hub`` checks.
"""
from __future__ import annotations

from ...harness.weights import WeightsFile

_BASE = "https://download.pytorch.org/models/"
_LICENCE = "BSD-3-Clause (torchvision); trained on ImageNet, whose terms restrict commercial use"

#: architecture -> (torchvision file name, weight enum)
_FILES = {
    "alexnet": ("alexnet-owt-7be5be79.pth", "AlexNet_Weights.IMAGENET1K_V1"),
    "resnet18": ("resnet18-f37072fd.pth", "ResNet18_Weights.IMAGENET1K_V1"),
    "resnet34": ("resnet34-b627a593.pth", "ResNet34_Weights.IMAGENET1K_V1"),
    "squeezenet1_0": ("squeezenet1_0-b66bff10.pth", "SqueezeNet1_0_Weights.IMAGENET1K_V1"),
    "squeezenet1_1": ("squeezenet1_1-b8a52dc0.pth", "SqueezeNet1_1_Weights.IMAGENET1K_V1"),
}


def _file(arch: str) -> WeightsFile:
    filename, enum = _FILES[arch]
    prefix = filename.rsplit("-", 1)[1].split(".")[0]
    return WeightsFile(url=_BASE + filename, filename=filename, sha256=prefix, licence=_LICENCE,
                       non_commercial=True, source=f"torchvision:{enum}")


#: torchvision architecture -> its ImageNet checkpoint
WEIGHTS = {arch: _file(arch) for arch in _FILES}
#: extractor name -> architecture
EXTRACTOR_ARCH = {"alexnet": "alexnet", "resnet18": "resnet18", "resnet34": "resnet34",
                  "squeezenet": "squeezenet1_0", "squeezenet1_1": "squeezenet1_1"}


def weights_for(extractor: str) -> WeightsFile:
    return WEIGHTS[EXTRACTOR_ARCH[extractor]]
