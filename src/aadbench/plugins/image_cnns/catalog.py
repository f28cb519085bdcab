"""The image CNNs, one row each: adding a torchvision CNN is adding a row here.

Listed statically (no torch import) so that ``aadbench list`` and ``aadbench weights list``
stay light. The hex part of each checkpoint's name is the prefix of its SHA-256 that
``torch.hub`` checks.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...weights import WeightsFile

_BASE = "https://download.pytorch.org/models/"
LICENCE = "BSD-3-Clause (torchvision); trained on ImageNet, whose terms restrict commercial use"


@dataclass(frozen=True)
class CNN:
    """One extractor: its torchvision constructor, the paper's layer and its ImageNet checkpoint.

    ``head`` says where the paper taps the network: ``pool`` (the global average pooling of a
    ResNet), ``penultimate`` (AlexNet's second fully connected layer after its ReLU) or
    ``pool2x2`` (SqueezeNet's final feature map average-pooled to 2x2 and flattened).
    """

    arch: str          # torchvision constructor
    dim: int           # feature dimension at the paper's layer
    head: str
    summary: str
    checkpoint: str    # torchvision's file name
    enum: str          # torchvision's weight enum member

    @property
    def weights(self) -> WeightsFile:
        prefix = self.checkpoint.rsplit("-", 1)[1].split(".")[0]
        return WeightsFile(url=_BASE + self.checkpoint, filename=self.checkpoint, sha256=prefix, licence=LICENCE,
                           non_commercial=True, source=f"torchvision:{self.enum}")


#: extractor name -> CNN (``squeezenet`` is SqueezeNet 1.0, the version of Iandola et al. 2016)
CNNS = {
    "alexnet": CNN("alexnet", 4096, "penultimate", "AlexNet, penultimate fully connected layer (4096-d).",
                   "alexnet-owt-7be5be79.pth", "AlexNet_Weights.IMAGENET1K_V1"),
    "resnet18": CNN("resnet18", 512, "pool", "ResNet18, global average pooling (512-d).",
                    "resnet18-f37072fd.pth", "ResNet18_Weights.IMAGENET1K_V1"),
    "resnet34": CNN("resnet34", 512, "pool", "ResNet34, global average pooling (512-d).",
                    "resnet34-b627a593.pth", "ResNet34_Weights.IMAGENET1K_V1"),
    "squeezenet": CNN("squeezenet1_0", 2048, "pool2x2",
                      "SqueezeNet 1.0, final feature map average-pooled to 2x2 (2048-d).",
                      "squeezenet1_0-b66bff10.pth", "SqueezeNet1_0_Weights.IMAGENET1K_V1"),
    "squeezenet1_1": CNN("squeezenet1_1", 2048, "pool2x2",
                         "SqueezeNet 1.1, final feature map average-pooled to 2x2 (2048-d).",
                         "squeezenet1_1-b8a52dc0.pth", "SqueezeNet1_1_Weights.IMAGENET1K_V1"),
}

#: torchvision architecture -> its row (each architecture appears once)
BY_ARCH = {cnn.arch: cnn for cnn in CNNS.values()}
