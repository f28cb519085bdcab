"""What every neural detector of aadbench shares: checks, seeding, the training loop, scoring.

The loop trains in float32 with Adam on the whole training set held on the device,
shuffles with a seeded generator, shows a progress bar over epochs with the loss, records
the seconds of every epoch and stops with :class:`DivergenceError` when the loss stops
being finite. Subclasses of :class:`TorchDetector` only build a network, a loss and a
per-row score.
"""
from __future__ import annotations

import contextlib
import time
from abc import abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..components import Detector

LossFn = Callable[[torch.Tensor], torch.Tensor]


class DivergenceError(RuntimeError):
    """Training produced a NaN or infinite loss."""


def as_float32(X: np.ndarray, who: str, dim: int | None = None) -> np.ndarray:
    """2-D float32 array, with a clear error for the wrong shape or non-finite values."""
    arr = np.ascontiguousarray(X, dtype=np.float32)
    if arr.ndim != 2 or arr.shape[0] == 0:
        raise ValueError(f"{who}: expected features of shape (n_samples, dim), got {arr.shape}")
    if dim is not None and arr.shape[1] != dim:
        raise ValueError(f"{who}: expected {dim}-d features, got {arr.shape[1]}-d")
    if not np.isfinite(arr).all():
        raise ValueError(f"{who}: features contain NaN or infinite values")
    return arr


def seeded(build: Callable[[], torch.nn.Module], seed: int) -> torch.nn.Module:
    """Build a module with its initial weights drawn under ``seed`` (global RNG untouched)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        return build()


@contextlib.contextmanager
def deterministic_cudnn() -> Iterator[None]:
    """cuDNN's deterministic kernels, no autotuning; restores the previous flags."""
    cudnn = torch.backends.cudnn
    old = cudnn.deterministic, cudnn.benchmark
    cudnn.deterministic, cudnn.benchmark = True, False
    try:
        yield
    finally:
        cudnn.deterministic, cudnn.benchmark = old


@dataclass(frozen=True)
class TrainSettings:
    who: str
    epochs: int
    lr: float
    batch_size: int
    seed: int
    device: torch.device
    weight_decay: float = 0.0
    progress: bool = True


def divergence_message(s: TrainSettings, epoch: int, loss: float) -> str:
    return (f"{s.who}: the training loss became {loss} in epoch {epoch} of {s.epochs} (lr={s.lr:g}, "
            f"batch_size={s.batch_size}); training diverged. Try a lower learning rate, e.g. "
            f"--set {s.who}.lr={s.lr / 10:.2g}, and check the features for extreme values")


def train(net: torch.nn.Module, data: torch.Tensor, loss_fn: LossFn,
          s: TrainSettings) -> tuple[list[float], list[float]]:
    """Train ``net`` on the rows of ``data`` (already on the device) for ``s.epochs`` epochs.

    Returns the mean loss and the seconds of every epoch. The loss is checked once per
    epoch (a NaN or inf batch poisons the weights, so the epoch mean shows it).
    """
    from ..progress import bar

    opt = torch.optim.Adam(net.parameters(), lr=s.lr, weight_decay=s.weight_decay)
    order_gen = torch.Generator().manual_seed(int(s.seed))
    n = data.shape[0]
    losses: list[float] = []
    seconds: list[float] = []
    net.train()
    with deterministic_cudnn(), bar(total=s.epochs, desc=s.who, unit="epoch", enabled=s.progress) as pbar:
        for epoch in range(1, s.epochs + 1):
            start = time.perf_counter()
            order = torch.randperm(n, generator=order_gen).to(data.device)
            total = torch.zeros((), device=data.device)
            for i in range(0, n, s.batch_size):
                batch = data[order[i: i + s.batch_size]]
                loss = loss_fn(batch)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                total += loss.detach() * batch.shape[0]
            value = total.item() / n
            seconds.append(time.perf_counter() - start)
            if not np.isfinite(value):
                raise DivergenceError(divergence_message(s, epoch, value))
            losses.append(value)
            pbar.set_postfix(loss=f"{value:.4g}")
            pbar.update(1)
    net.eval()
    return losses, seconds


@torch.inference_mode()
def row_scores(score_fn: LossFn, X: np.ndarray, batch_size: int, device: torch.device) -> np.ndarray:
    """``score_fn`` over batches of ``X``, as float64 numpy of shape ``(n,)``."""
    out = [score_fn(torch.from_numpy(X[i: i + batch_size]).to(device)).double().cpu()
           for i in range(0, X.shape[0], batch_size)]
    return torch.cat(out).numpy()


class TorchDetector(Detector):
    """A detector that trains one torch network with :func:`train`.

    Subclasses set ``name`` and implement :meth:`_network`, :meth:`_loss` and
    :meth:`_scores`; ``input_dim`` fixes the feature dimension where the network needs one.
    """

    name = "neural"
    input_dim: int | None = None

    def _init_training(self, epochs: int, lr: float, batch_size: int, random_state: int, device: str,
                       progress: bool) -> None:
        if int(epochs) < 1 or int(batch_size) < 1 or not float(lr) > 0:
            raise ValueError(f"{self.name}: epochs and batch_size must be at least 1 and lr positive "
                             f"(got epochs={epochs!r}, batch_size={batch_size!r}, lr={lr!r})")
        self.epochs, self.lr, self.batch_size = int(epochs), float(lr), int(batch_size)
        self.random_state, self.device, self.progress = int(random_state), device, bool(progress)

    @abstractmethod
    def _network(self, dim: int) -> torch.nn.Module:
        """The untrained network for ``dim``-d features."""

    @abstractmethod
    def _loss(self, net: torch.nn.Module, batch: torch.Tensor) -> torch.Tensor:
        """The scalar training loss of one batch."""

    @abstractmethod
    def _scores(self, net: torch.nn.Module, batch: torch.Tensor) -> torch.Tensor:
        """Per-row anomaly scores of one batch (the network in eval mode)."""

    def _weight_decay(self) -> float:
        return 0.0

    def _prepare(self, net: torch.nn.Module, data: torch.Tensor) -> None:
        """Hook run after the network is on the device, before training."""

    def fit(self, X: np.ndarray) -> TorchDetector:
        from ..devices import resolve_device

        X = as_float32(X, self.name, self.input_dim)
        device = resolve_device(self.device)
        net = seeded(lambda: self._network(X.shape[1]), self.random_state).to(device)
        data = torch.from_numpy(X).to(device)
        self._prepare(net, data)
        settings = TrainSettings(self.name, self.epochs, self.lr, self.batch_size, self.random_state, device,
                                 self._weight_decay(), self.progress)
        self.loss_history_, self.epoch_seconds_ = train(net, data, lambda b: self._loss(net, b), settings)
        self.network_, self.device_, self.n_features_in_ = net, device, X.shape[1]
        return self

    def state(self) -> dict[str, Any]:
        """The network as its state dict (tensors on the CPU); the device is chosen again on load."""
        state = {k: v for k, v in super().state().items() if k not in ("network_", "device_")}
        state["network_"] = {k: v.detach().cpu() for k, v in self.network_.state_dict().items()}
        return state

    def restore(self, state: Mapping[str, Any]) -> None:
        from ..devices import resolve_device

        values = dict(state)
        weights = values.pop("network_")
        self.device_ = resolve_device(self.device)
        super().restore({k: v.to(self.device_) if isinstance(v, torch.Tensor) else v for k, v in values.items()})
        net = self._network(int(self.n_features_in_))
        net.load_state_dict(weights)
        self.network_ = net.to(self.device_).eval()

    def score(self, X: np.ndarray) -> np.ndarray:
        X = as_float32(X, self.name, self.n_features_in_)
        return row_scores(lambda b: self._scores(self.network_, b), X, max(self.batch_size, 256), self.device_)
