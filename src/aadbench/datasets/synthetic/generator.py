"""Deterministic synthetic MIMII-style machine sounds with labelled anomalies (numpy + scipy).

* Every machine ID has fixed parameters (blade-pass / shaft frequency, resonances, stroke
  period, click pattern, ...) and a fixed recording site (background colour, mains hum, clatter
  rate, how erratic the machine is, how salient its faults are), all derived from
  ``(machine_type, id number)`` only, never from ``seed``.
* Every clip has its own random stream seeded by ``(seed, type, id, label, index)``: normal
  clips jitter a little (speed, levels, timing) and anomalous clips get one kind from
  ``ANOMALY_KINDS`` (balanced over consecutive indices) with a severity drawn uniformly from
  ``SEVERITY_RANGE``.  The acoustic effect is ``min(1, severity * site salience)``, so small
  severities are subtle and some IDs hide their faults better than others.
* The machine signal is mixed with factory background at ``snr_db`` (powers over the clip) and
  peak-normalised to 0.5.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
from scipy import fft as sfft

MACHINE_TYPES = ("fan", "pump", "slider", "valve")
ANOMALY_KINDS: dict[str, tuple[str, ...]] = {
    "fan": ("speed_shift", "extra_harmonic", "rubbing", "amplitude_modulation", "resonance_change"),
    "pump": ("speed_shift", "extra_harmonic", "grinding", "speed_modulation",
             "amplitude_modulation"),
    "slider": ("missing_impact", "extra_impact", "rubbing", "speed_modulation", "resonance_change"),
    "valve": ("missing_click", "extra_click", "resonance_change", "speed_modulation", "leak"),
}
SEVERITY_RANGE = (0.05, 1.0)
_ID_SALT = 0xAAD5EED  # keeps per-ID parameter streams apart from per-clip streams
_ID_RE = re.compile(r"^id_(\d+)$")
_TWO_PI = 2.0 * np.pi

Params = dict[str, Any]  # parameters of one machine ID or recording site
Spectrum = Callable[[np.ndarray], np.ndarray]  # amplitude as a function of frequency (Hz)


@dataclass(frozen=True)
class ClipInfo:
    machine_type: str
    machine_id: str
    label: int
    index: int
    anomaly: str | None
    severity: float


# ----------------------------------------------------------------------------- helpers
def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x)))) + 1e-12


def _noise(rng: np.random.Generator, n: int, sr: int, amp_fn: Spectrum) -> np.ndarray:
    """Unit-RMS Gaussian noise whose spectral amplitude follows ``amp_fn(f)``."""
    m = sfft.next_fast_len(max(n, 2), real=True)
    f = np.fft.rfftfreq(m, 1.0 / sr)
    spec = rng.standard_normal((f.size, 2), dtype=np.float32).view(np.complex64)[:, 0]
    spec *= amp_fn(f).astype(np.float32)
    spec[0] = 0.0
    x: np.ndarray = sfft.irfft(spec, m)[:n].astype(np.float64)
    return x / _rms(x)


def _peaks(f: np.ndarray, res: np.ndarray) -> np.ndarray:
    """Sum of Lorentzian resonance bumps; rows of ``res`` are (centre Hz, width Hz, gain)."""
    out = np.zeros_like(f)
    for fc, bw, gain in res:
        out += gain / (1.0 + ((f - fc) / (0.5 * bw)) ** 2)
    return out


def _band(lo: float, hi: float) -> Spectrum:
    """Amplitude shape of a smooth band-pass between lo and hi Hz."""
    centre, width = np.sqrt(lo * hi), np.log(hi / lo) / 2.0
    return lambda f: np.exp(-0.5 * (np.log(np.maximum(f, 1.0) / centre) / width) ** 2)


def _logu(rng: np.random.Generator, lo: float, hi: float, size: int | None = None) -> np.ndarray | float:
    """Log-uniform draw(s) in [lo, hi]."""
    return np.exp(rng.uniform(np.log(lo), np.log(hi), size))


def _random_res(rng: np.random.Generator, k: int, lo: float, hi: float) -> np.ndarray:
    fc = np.sort(_logu(rng, lo, hi, k))
    return np.column_stack([fc, fc * rng.uniform(0.05, 0.25, k), rng.uniform(1.0, 6.0, k)])


def _random_modes(rng: np.random.Generator, k: int, lo: float, hi: float, tau_lo: float,
                  tau_hi: float) -> np.ndarray:
    """Damped modes as rows (frequency Hz, decay time s, amplitude)."""
    f, tau = _logu(rng, lo, hi, k), rng.uniform(tau_lo, tau_hi, k)
    return np.column_stack([f, tau, rng.uniform(0.3, 1.0, k)])


def _smooth(rng: np.random.Generator, n: int, sr: int, rate: float) -> np.ndarray:
    """Smooth random curve (unit variance knots, ``rate`` knots per second)."""
    k = int(n / sr * rate) + 2
    return np.interp(np.arange(n), np.linspace(0, n, k), rng.standard_normal(k))


def _sin(cycles: np.ndarray | float) -> np.ndarray:
    """sin(2*pi*cycles) in fast float32 (callers keep ``cycles`` small)."""
    out: np.ndarray = np.sin(np.float32(_TWO_PI) * np.asarray(cycles, dtype=np.float32))
    return out


def _tones(rng: np.random.Generator, cycles: np.ndarray, ratios: Sequence[float] | np.ndarray,
           amps: Sequence[float] | np.ndarray, f_peak: float, sr: int) -> np.ndarray:
    """Sum of ``a * sin(2 pi r cycles)`` with random phases, skipping partials near Nyquist."""
    frac = (cycles - np.floor(cycles)).astype(np.float32)
    out = np.zeros(cycles.size, np.float32)
    for r, a in zip(ratios, amps):
        if a > 0 and r * f_peak < 0.45 * sr:
            base = frac * np.float32(r) if float(r).is_integer() else np.mod(r * cycles, 1.0)
            out += np.float32(a) * _sin(base + np.float32(rng.uniform(0.0, 1.0)))
    return out.astype(np.float64)


def _click(modes: np.ndarray, sr: int, dur: float = 0.15, rng: np.random.Generator | None = None,
           v: float = 0.0, shift: float = 0.0) -> np.ndarray:
    """Impulse response of damped modes (unit peak); per-clip jitter and frequency shift."""
    if rng is not None:  # mounting / temperature: mode frequencies and levels vary a little
        k = len(modes)
        modes = modes * np.column_stack([(1.0 + 0.005 * v * rng.standard_normal(k)) * (1.0 + shift),
                                         np.ones(k), 1.0 + 0.1 * v * rng.standard_normal(k)])
    t = np.arange(int(dur * sr)) / sr
    out = np.zeros_like(t)
    for f, tau, a in modes:
        if f < 0.45 * sr:
            out += a * np.exp(-t / tau) * np.sin(_TWO_PI * f * t)
    unit_peak: np.ndarray = out / (np.max(np.abs(out)) + 1e-12)
    return unit_peak


def _add_events(buf: np.ndarray, template: np.ndarray, times: Sequence[float] | np.ndarray,
                amps: Sequence[float] | np.ndarray, sr: int) -> None:
    for t0, a in zip(times, amps):
        i = int(round(t0 * sr))
        lo, hi = max(i, 0), min(i + template.size, buf.size)
        if hi > lo:
            buf[lo:hi] += a * template[lo - i:hi - i]


def _edit_events(rng: np.random.Generator, times: np.ndarray, amps: np.ndarray, dur: float, kind: str | None,
                 sev: float, bounce: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Drop ("missing_*") or add ("extra_*") events; returns times, amps, source of each event."""
    src, visible = np.arange(times.size), np.flatnonzero((times > 0) & (times < dur))
    k = min(visible.size, max(1, round(0.8 * sev * visible.size)))
    if kind is None or visible.size == 0:
        return times, amps, src
    if kind.startswith("missing_"):
        amps = amps.copy()
        amps[rng.choice(visible, k, replace=False)] = 0.0
    elif kind.startswith("extra_"):
        new = rng.choice(visible, k)
        new_t = times[new] + rng.uniform(0.02, 0.08, k) if bounce else rng.uniform(0, dur, k)
        times = np.append(times, new_t)
        amps = np.append(amps, amps[new] * (0.15 + 0.6 * sev))
        src = np.append(src, new)
    return times, amps, src


def _sign(rng: np.random.Generator) -> float:
    return float(rng.choice([-1.0, 1.0]))


@overload
def _db(x: float) -> float: ...
@overload
def _db(x: np.ndarray) -> np.ndarray: ...
def _db(x: np.ndarray | float) -> np.ndarray | float:
    """Decibels to amplitude factor."""
    return 10.0 ** (np.asarray(x) / 20.0)


def _modulate(rng: np.random.Generator, sig: np.ndarray, sr: int, depth: float) -> np.ndarray:
    t = np.arange(sig.size) / sr
    return sig * (1.0 + depth * _sin(rng.uniform(0.5, 4.0) * t + rng.uniform(0.0, 1.0)))


def _rotation(rng: np.random.Generator, p: Params, n: int, sr: int, kind: str | None,
              sev: float) -> tuple[np.ndarray, np.ndarray]:
    """Shaft frequency (Hz) and accumulated revolutions, with jitter and speed anomalies."""
    v, t = p["var"], np.arange(n) / sr
    speed = 1.0 + 0.003 * v * rng.standard_normal()
    if kind == "speed_shift":
        speed *= 1.0 + _sign(rng) * p.get("shift", 0.08) * sev
    f0 = p["shaft"] * speed * (1.0 + 0.002 * v * _smooth(rng, n, sr, 1.0))
    if kind == "speed_modulation":
        f0 *= 1.0 + 0.08 * sev * _sin(rng.uniform(0.3, 2.0) * t + rng.uniform(0.0, 1.0))
    return f0, np.cumsum(f0) / sr


# ----------------------------------------------------------------------------- fan
def _fan_id(rng: np.random.Generator) -> Params:
    return {"shaft": rng.uniform(14, 28), "blades": int(rng.integers(5, 10)), "shift": 0.05,
            "amps": rng.uniform(0.3, 1.0, 6) / np.arange(1, 7), "res": _random_res(rng, 4, 250, 5000),
            "corner": rng.uniform(150, 800), "tone_db": rng.uniform(-6, 0)}


def _fan(p: Params, rng: np.random.Generator, n: int, sr: int, kind: str | None,
         sev: float) -> np.ndarray:
    v = p["var"]
    f0, cyc = _rotation(rng, p, n, sr, kind, sev)
    amps = p["amps"] * _db(v * rng.standard_normal(6))
    tone = _tones(rng, cyc, p["blades"] * np.arange(1, 7), amps, f0.max(), sr)
    tone += 0.05 * _sin(cyc - np.floor(cyc))  # residual imbalance at shaft rate
    tone *= _db(p["tone_db"] + v * rng.standard_normal()) / _rms(tone)
    if kind == "extra_harmonic":
        ratio = p["blades"] * rng.uniform(1.3, 2.7)
        tone += _tones(rng, cyc, [ratio], [_rms(tone) * _db(-20 + 24 * sev)], f0.max(), sr)
    res = p["res"].copy()
    res[:, 2] *= _db(v * rng.standard_normal(len(res)))
    if kind == "resonance_change":
        res[rng.integers(len(res)), 0] *= 1.0 + _sign(rng) * 0.2 * sev
    corner = p["corner"]
    broad = _noise(rng, n, sr, lambda f: (1.0 + _peaks(f, res)) / (1.0 + f / corner))
    sig: np.ndarray = tone + broad
    if kind == "rubbing":
        rub = _noise(rng, n, sr, _band(2000, 6000)) * (0.5 + 0.5 * _sin(cyc - np.floor(cyc))) ** 4
        sig += rub / _rms(rub) * _db(-30 + 24 * sev) * _rms(sig)
    if kind == "amplitude_modulation":
        sig = _modulate(rng, sig, sr, 0.4 * sev)
    return sig


# ----------------------------------------------------------------------------- pump
def _pump_id(rng: np.random.Generator) -> Params:
    return {"shaft": rng.uniform(24, 49), "vanes": int(rng.integers(5, 8)), "shift": 0.1,
            "amps": rng.uniform(0.2, 1.0, 12) / np.sqrt(np.arange(1, 13)),
            "vane_amps": rng.uniform(0.2, 0.6, 3), "res": _random_res(rng, 3, 80, 1500),
            "corner": rng.uniform(60, 250), "pulse": rng.uniform(0.7, 3.0),
            "depth": rng.uniform(0.2, 0.5), "tone_db": rng.uniform(-2, 4)}


def _pump(p: Params, rng: np.random.Generator, n: int, sr: int, kind: str | None,
          sev: float) -> np.ndarray:
    v, t = p["var"], np.arange(n) / sr
    f0, cyc = _rotation(rng, p, n, sr, kind, sev)
    amps = np.append(p["amps"], p["vane_amps"]) * _db(v * rng.standard_normal(15))
    tone = _tones(rng, cyc, np.append(np.arange(1, 13), p["vanes"] * np.arange(1, 4)), amps,
                  f0.max(), sr)
    tone *= _db(p["tone_db"] + v * rng.standard_normal()) / _rms(tone)
    if kind == "extra_harmonic":
        ratio = rng.integers(3, 12) + 0.5  # half-order harmonic (looseness)
        tone += _tones(rng, cyc, [ratio], [_rms(tone) * _db(-14 + 24 * sev)], f0.max(), sr)
    res, corner = p["res"], p["corner"]
    fluid = _noise(rng, n, sr, lambda f: (1.0 + _peaks(f, res)) / (1.0 + (f / corner) ** 1.5))
    rate = p["pulse"] * (1.0 + 0.01 * v * rng.standard_normal())
    depth = p["depth"] * (1.0 + 0.05 * v * rng.standard_normal())
    fluid *= 1.0 + depth * _sin(rate * t + rng.uniform(0.0, 1.0))
    sig: np.ndarray = tone + fluid
    if kind == "grinding":
        grit = _noise(rng, n, sr, _band(1500, 5000)) * np.abs(_smooth(rng, n, sr, 40.0)) ** 3
        sig += grit / _rms(grit) * _db(-36 + 32 * sev) * _rms(sig)
    if kind == "amplitude_modulation":
        sig = _modulate(rng, sig, sr, 0.6 * sev)
    return sig


# ----------------------------------------------------------------------------- slider
def _slider_id(rng: np.random.Generator) -> Params:
    return {"period": rng.uniform(1.0, 2.0), "travel": rng.uniform(0.55, 0.8),
            "motor": rng.uniform(250, 900), "res": _random_res(rng, 3, 400, 4000),
            "modes": _random_modes(rng, 3, 600, 5000, 0.004, 0.03),
            "imp_db": rng.uniform(8, 14), "asym": rng.uniform(0.5, 1.0)}


def _slider_motion(rng: np.random.Generator, p: Params, n: int, sr: int, kind: str | None,
                   sev: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Movement envelope, speed curve, impact times and impact amplitudes of the half-strokes."""
    v, t = p["var"], np.arange(n) / sr
    half = 0.5 * p["period"] * (1.0 + 0.01 * v * rng.standard_normal())
    spread = 0.12 * sev if kind == "speed_modulation" else 0.01 * v
    halves = half * np.clip(1.0 + spread * rng.standard_normal(int(n / sr / half) + 3), 0.5, 1.5)
    starts = rng.uniform(-half, 0.0) + np.concatenate([[0.0], np.cumsum(halves[:-1])])
    speeds, moves = 0.5 * p["period"] / halves, p["travel"] * halves
    env, spd = np.zeros(n), np.ones(n)
    for s, d, u in zip(starts, moves, speeds):
        a, b = max(int(s * sr), 0), min(int((s + d) * sr), n)
        if b > a:
            gain = u ** 1.5 * (1.0 + 0.05 * v * rng.standard_normal())
            env[a:b] = _sin(0.5 * (t[a:b] - s) / d) ** 2 * gain
            spd[a:b] = u
    times = starts + moves + 0.002 * v * rng.standard_normal(len(starts))
    amps = np.where(np.arange(len(times)) % 2, p["asym"], 1.0) * speeds ** 2
    return env, spd, times, amps * (1.0 + 0.1 * v * rng.standard_normal(len(times)))


def _slider(p: Params, rng: np.random.Generator, n: int, sr: int, kind: str | None,
            sev: float) -> np.ndarray:
    env, spd, times, amps = _slider_motion(rng, p, n, sr, kind, sev)
    times, amps, _ = _edit_events(rng, times, amps, n / sr, kind, sev, bounce=False)
    shift = _sign(rng) * 0.06 * sev if kind == "resonance_change" else 0.0
    impacts = np.zeros(n)
    click = _click(p["modes"], sr, rng=rng, v=p["var"], shift=shift)
    _add_events(impacts, click, times, amps * _db(p["imp_db"]), sr)
    res = p["res"]
    move = _noise(rng, n, sr, lambda f: 0.2 + _peaks(f, res) / (1.0 + f / 2000.0))
    f_motor = p["motor"] * (1.0 + 0.003 * p["var"] * rng.standard_normal()) * spd
    motor = _tones(rng, np.cumsum(f_motor) / sr, [1, 2], [1.0, 0.3], f_motor.max(), sr)
    sig: np.ndarray = (move + 0.5 * motor) * env + impacts
    if kind == "rubbing":
        rub = _noise(rng, n, sr, _band(2500, 7000)) * env
        sig += rub * _db(-28 + 22 * sev)
    return sig


# ----------------------------------------------------------------------------- valve
def _valve_id(rng: np.random.Generator) -> Params:
    k = int(rng.integers(2, 5))
    gaps = rng.uniform(0.5, 1.5, k)  # click offsets within the cycle, first one at 0
    return {"cycle": rng.uniform(0.8, 2.5), "offs": (np.cumsum(gaps) - gaps[0]) / gaps.sum(),
            "amps": rng.uniform(0.4, 1.0, k), "open": _random_modes(rng, 3, 1000, 6000, 0.002, 0.02),
            "close": _random_modes(rng, 3, 700, 5000, 0.003, 0.03), "hiss_db": rng.uniform(-40, -30)}


def _valve_events(rng: np.random.Generator, p: Params, dur: float, kind: str | None,
                  sev: float) -> tuple[np.ndarray, np.ndarray]:
    v, cycle = p["var"], p["cycle"] * (1.0 + 0.005 * p["var"] * rng.standard_normal())
    count = int(dur / cycle) + 2
    spread = 0.25 * sev if kind == "speed_modulation" else 0.005 * v
    cycles = cycle * np.clip(1.0 + spread * rng.standard_normal(count), 0.5, 1.5)
    starts = rng.uniform(-cycle, 0.0) + np.concatenate([[0.0], np.cumsum(cycles[:-1])])
    times = (starts[:, None] + p["offs"][None, :] * cycles[:, None]).ravel()
    times += 0.002 * v * rng.standard_normal(times.size)
    amps = np.tile(p["amps"], count) * np.repeat((p["cycle"] / cycles) ** 2, p["offs"].size)
    return times, amps * (1.0 + 0.1 * v * rng.standard_normal(times.size))


def _valve(p: Params, rng: np.random.Generator, n: int, sr: int, kind: str | None,
           sev: float) -> np.ndarray:
    t = np.arange(n) / sr
    times, amps = _valve_events(rng, p, n / sr, kind, sev)
    gate = (np.searchsorted(np.sort(times), t) % 2).astype(float)  # open after events 1, 3, 5..
    times, amps, src = _edit_events(rng, times, amps, n / sr, kind, sev, bounce=True)
    is_open = src % 2 == 0
    shift = _sign(rng) * 0.04 * sev if kind == "resonance_change" else 0.0
    sig = np.zeros(n)
    for modes, sel in ((p["open"], is_open), (p["close"], ~is_open)):
        click = _click(modes, sr, rng=rng, v=p["var"], shift=shift)
        _add_events(sig, click, times[sel], amps[sel], sr)
    if kind == "leak":
        gate = np.maximum(gate, 0.3 * sev)
    hiss = _noise(rng, n, sr, _band(1000, 6000)) * gate
    out: np.ndarray = sig + hiss * _db(p["hiss_db"])
    return out


# ----------------------------------------------------------------------------- background
def _site_id(rng: np.random.Generator) -> Params:
    """Per-ID site: background colour, hum, clatter rate, clip-to-clip variability of the
    machine (erratic machines hide subtle faults) and salience of faults at the microphone."""
    return {"expo": rng.uniform(0.9, 1.9), "line": float(rng.choice([50.0, 60.0])),
            "hum": rng.uniform(0.0, 0.3, 4) / np.arange(1, 5), "clatter": rng.uniform(0.1, 0.5),
            "salience": float(_logu(rng, 0.6, 1.6)), "var": float(_logu(rng, 0.3, 3.0))}


def _background(site: Params, rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    """Factory noise: pink/brown-ish noise, mains hum and occasional clatter."""
    expo = site["expo"] + 0.05 * rng.standard_normal()
    x = _noise(rng, n, sr, lambda f: np.maximum(f, 15.0) ** (-expo / 2.0))
    line = site["line"] * (1.0 + 0.002 * rng.standard_normal())
    hum = site["hum"] * _db(2.0 * rng.standard_normal(4))
    x += _tones(rng, line * np.arange(n) / sr, [1, 2, 3, 4], hum, line, sr)
    for _ in range(rng.poisson(site["clatter"] * n / sr)):
        modes = _random_modes(rng, 3, 300, min(5000, 0.4 * sr), 0.01, 0.08)
        _add_events(x, _click(modes, sr, 0.3), [rng.uniform(0, n / sr)], [rng.uniform(1, 5)], sr)
    return x


# ----------------------------------------------------------------------------- public API
_ID_PARAMS = {"fan": _fan_id, "pump": _pump_id, "slider": _slider_id, "valve": _valve_id}
_RENDER = {"fan": _fan, "pump": _pump, "slider": _slider, "valve": _valve}


def _id_number(machine_id: str) -> int:
    match = _ID_RE.match(machine_id) if isinstance(machine_id, str) else None
    if match is None:
        raise ValueError(f"invalid machine_id {machine_id!r}: expected 'id_<number>', e.g. 'id_00'")
    return int(match.group(1))


def _check_args(machine_type: str, label: int, duration: float, sample_rate: int) -> int:
    if machine_type not in MACHINE_TYPES:
        valid = ", ".join(MACHINE_TYPES)
        raise ValueError(f"unknown machine_type {machine_type!r}; valid: {valid}")
    if label not in (0, 1):
        raise ValueError(f"label must be 0 or 1, got {label!r}")
    if not sample_rate >= 4000:
        raise ValueError(f"sample_rate must be >= 4000, got {sample_rate!r}")
    n = int(round(duration * sample_rate)) if duration > 0 else 0
    if n < 1:
        raise ValueError(f"duration must be positive (at least one sample), got {duration!r}")
    return n


def _machine(type_index: int, id_num: int) -> tuple[Params, Params]:
    """Fixed parameters of one machine ID and of its recording site (independent of seed)."""
    streams = np.random.SeedSequence([_ID_SALT, type_index, id_num]).spawn(2)
    params = _ID_PARAMS[MACHINE_TYPES[type_index]](np.random.default_rng(streams[0]))
    site = _site_id(np.random.default_rng(streams[1]))
    params["var"] = site["var"]
    return params, site


def _mix(sig: np.ndarray, bg: np.ndarray, snr_db: float) -> np.ndarray:
    """Add background at ``snr_db`` (powers over the clip), peak-normalise to 0.5."""
    p_sig, p_bg = float(np.mean(sig ** 2)), float(np.mean(bg ** 2))
    gain = np.sqrt(p_sig / (p_bg * 10.0 ** (snr_db / 10.0) + 1e-30)) if p_sig > 0 else 1.0
    x = sig + gain * bg
    peak = float(np.max(np.abs(x)))
    return x * (0.5 / peak) if peak > 0 and np.isfinite(peak) else x


def generate_clip(machine_type: str, machine_id: str, label: int, index: int, *,
                  seed: int = 0, snr_db: float = 6.0, duration: float = 10.0,
                  sample_rate: int = 16000) -> tuple[np.ndarray, ClipInfo]:
    """float32 mono waveform, peak-normalised to about 0.5 (never clipping), and its info."""
    n = _check_args(machine_type, label, duration, sample_rate)
    if seed < 0 or index < 0:
        raise ValueError(f"seed and index must be non-negative, got seed={seed!r}, index={index!r}")
    type_index, id_num = MACHINE_TYPES.index(machine_type), _id_number(machine_id)
    label, sr = int(label), int(sample_rate)
    params, site = _machine(type_index, id_num)
    rng = np.random.default_rng(np.random.SeedSequence([seed, type_index, id_num, label, index]))
    kind, severity = None, 0.0
    if label:
        kinds = ANOMALY_KINDS[machine_type]
        kind = kinds[(index + seed + id_num) % len(kinds)]  # balanced kinds over consecutive clips
        severity = float(rng.uniform(*SEVERITY_RANGE))
    effect = min(1.0, severity * site["salience"])  # how strongly the fault shows at this site
    sig = _RENDER[machine_type](params, rng, n, sr, kind, effect)
    x = _mix(sig, _background(site, rng, n, sr), snr_db)
    info = ClipInfo(machine_type, machine_id, label, int(index), kind, severity)
    return x.astype(np.float32), info
