"""Deterministic synthetic MIMII-style machine sounds with labelled anomalies.

Every machine ID of a type has fixed acoustic parameters (derived from the type
and the ID number only), every clip is drawn from its own random stream seeded by
``(seed, type, id, label, index)``.  Anomalies come in several kinds per machine
type, each with a per-clip severity in (0, 1]; small severities are subtle.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from scipy import fft as sfft

MACHINE_TYPES = ("fan", "pump", "slider", "valve")
ANOMALY_KINDS: dict[str, tuple[str, ...]] = {
    "fan": ("speed_shift", "extra_harmonic", "rubbing", "amplitude_modulation",
            "resonance_change"),
    "pump": ("speed_shift", "extra_harmonic", "grinding", "speed_modulation",
             "amplitude_modulation"),
    "slider": ("missing_impact", "extra_impact", "rubbing", "speed_modulation",
               "resonance_change"),
    "valve": ("missing_click", "extra_click", "resonance_change", "speed_modulation",
              "leak"),
}
SEVERITY_RANGE = (0.05, 1.0)
_ID_SALT = 0xAAD5EED  # keeps per-ID parameter streams apart from per-clip streams
_ID_RE = re.compile(r"^id_(\d+)$")
_TWO_PI = 2.0 * np.pi


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


def _noise(rng, n: int, sr: int, amp_fn) -> np.ndarray:
    """Unit-RMS Gaussian noise whose spectral amplitude follows ``amp_fn(f)``."""
    m = sfft.next_fast_len(max(n, 2), real=True)
    f = np.fft.rfftfreq(m, 1.0 / sr)
    white = rng.standard_normal((2, f.size), dtype=np.float32)
    spec = (white[0] + 1j * white[1]) * amp_fn(f).astype(np.float32)
    spec[0] = 0.0
    x = sfft.irfft(spec, m)[:n].astype(np.float64)
    return x / _rms(x)


def _peaks(f: np.ndarray, res: np.ndarray) -> np.ndarray:
    """Sum of Lorentzian resonance bumps; rows of ``res`` are (centre Hz, width Hz, gain)."""
    out = np.zeros_like(f)
    for fc, bw, gain in res:
        out += gain / (1.0 + ((f - fc) / (0.5 * bw)) ** 2)
    return out


def _band(lo: float, hi: float):
    """Amplitude shape of a smooth band-pass between lo and hi Hz."""
    centre, width = np.sqrt(lo * hi), np.log(hi / lo) / 2.0
    return lambda f: np.exp(-0.5 * (np.log(np.maximum(f, 1.0) / centre) / width) ** 2)


def _random_res(rng, k: int, lo: float, hi: float) -> np.ndarray:
    fc = np.sort(np.exp(rng.uniform(np.log(lo), np.log(hi), k)))
    return np.column_stack([fc, fc * rng.uniform(0.05, 0.25, k), rng.uniform(1.0, 6.0, k)])


def _random_modes(rng, k: int, lo: float, hi: float, tau_lo: float, tau_hi: float):
    """Damped modes as rows (frequency Hz, decay time s, amplitude)."""
    f = np.exp(rng.uniform(np.log(lo), np.log(hi), k))
    return np.column_stack([f, rng.uniform(tau_lo, tau_hi, k), rng.uniform(0.3, 1.0, k)])


def _smooth(rng, n: int, sr: int, rate: float) -> np.ndarray:
    """Smooth random curve (unit variance knots, ``rate`` knots per second)."""
    k = int(n / sr * rate) + 2
    return np.interp(np.arange(n), np.linspace(0, n, k), rng.standard_normal(k))


def _sin(cycles) -> np.ndarray:
    """sin(2*pi*cycles) in fast float32 (callers keep ``cycles`` small)."""
    return np.sin(np.float32(_TWO_PI) * np.asarray(cycles, dtype=np.float32))


def _tones(rng, cycles, ratios, amps, f_peak: float, sr: int) -> np.ndarray:
    """Sum of ``a * sin(2 pi r cycles)`` with random phases, skipping partials near Nyquist."""
    frac = (cycles - np.floor(cycles)).astype(np.float32)
    out = np.zeros(cycles.size, np.float32)
    for r, a in zip(ratios, amps):
        if a > 0 and r * f_peak < 0.45 * sr:
            base = frac * np.float32(r) if float(r).is_integer() else np.mod(r * cycles, 1.0)
            out += np.float32(a) * _sin(base + np.float32(rng.uniform(0.0, 1.0)))
    return out.astype(np.float64)


def _click(modes: np.ndarray, sr: int, dur: float = 0.15) -> np.ndarray:
    """Impulse response of damped modes, normalised to unit peak."""
    t = np.arange(int(dur * sr)) / sr
    out = np.zeros_like(t)
    for f, tau, a in modes:
        if f < 0.45 * sr:
            out += a * np.exp(-t / tau) * np.sin(_TWO_PI * f * t)
    return out / (np.max(np.abs(out)) + 1e-12)


def _jitter_modes(rng, modes: np.ndarray, v: float) -> np.ndarray:
    """Per-clip variation of damped modes (mounting, temperature)."""
    k = len(modes)
    return modes * np.column_stack([1.0 + 0.005 * v * rng.standard_normal(k), np.ones(k),
                                    1.0 + 0.1 * v * rng.standard_normal(k)])


def _add_events(buf: np.ndarray, template: np.ndarray, times, amps, sr: int) -> None:
    for t0, a in zip(times, amps):
        i = int(round(t0 * sr))
        lo, hi = max(i, 0), min(i + template.size, buf.size)
        if hi > lo:
            buf[lo:hi] += a * template[lo - i:hi - i]


def _variability(rng) -> float:
    """Per-ID scale of clip-to-clip variation: erratic machines hide subtle faults."""
    return float(np.exp(rng.uniform(np.log(0.3), np.log(4.0))))


def _sign(rng) -> float:
    return float(rng.choice([-1.0, 1.0]))


def _db(x: float) -> float:
    return 10.0 ** (x / 20.0)


def _modulate(rng, sig: np.ndarray, sr: int, depth: float) -> np.ndarray:
    t = np.arange(sig.size) / sr
    return sig * (1.0 + depth * _sin(rng.uniform(0.5, 4.0) * t + rng.uniform(0.0, 1.0)))


def _rotation(rng, p: dict, n: int, sr: int, kind, sev: float):
    """Instantaneous shaft frequency (Hz) and accumulated revolutions with per-clip jitter and speed anomalies."""
    v, t = p["var"], np.arange(n) / sr
    speed = 1.0 + 0.003 * v * rng.standard_normal()
    if kind == "speed_shift":
        speed *= 1.0 + _sign(rng) * p.get("shift", 0.08) * sev
    f0 = p["shaft"] * speed * (1.0 + 0.002 * v * _smooth(rng, n, sr, 1.0))
    if kind == "speed_modulation":
        f0 *= 1.0 + 0.06 * sev * _sin(rng.uniform(0.3, 2.0) * t + rng.uniform(0.0, 1.0))
    return f0, np.cumsum(f0) / sr


# ----------------------------------------------------------------------------- fan
def _fan_id(rng) -> dict:
    return dict(shaft=rng.uniform(14, 28), blades=int(rng.integers(5, 10)), shift=0.05,
                amps=rng.uniform(0.3, 1.0, 6) / np.arange(1, 7), res=_random_res(rng, 4, 250, 5000),
                corner=rng.uniform(150, 800), tone_db=rng.uniform(-6, 0), var=_variability(rng))


def _fan(p: dict, rng, n: int, sr: int, kind, sev: float) -> np.ndarray:
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
    sig = tone + broad
    if kind == "rubbing":
        rub = _noise(rng, n, sr, _band(2000, 6000)) * (0.5 + 0.5 * _sin(cyc - np.floor(cyc))) ** 4
        sig += rub / _rms(rub) * _db(-30 + 24 * sev) * _rms(sig)
    if kind == "amplitude_modulation":
        sig = _modulate(rng, sig, sr, 0.4 * sev)
    return sig


# ----------------------------------------------------------------------------- pump
def _pump_id(rng) -> dict:
    return dict(shaft=rng.uniform(24, 49), vanes=int(rng.integers(5, 8)),
                amps=rng.uniform(0.2, 1.0, 12) / np.sqrt(np.arange(1, 13)),
                vane_amps=rng.uniform(0.2, 0.6, 3), res=_random_res(rng, 3, 80, 1500),
                corner=rng.uniform(60, 250), pulse=rng.uniform(0.7, 3.0),
                depth=rng.uniform(0.2, 0.5), tone_db=rng.uniform(-2, 4), var=_variability(rng))


def _pump(p: dict, rng, n: int, sr: int, kind, sev: float) -> np.ndarray:
    v, t = p["var"], np.arange(n) / sr
    f0, cyc = _rotation(rng, p, n, sr, kind, sev)
    amps = np.append(p["amps"], p["vane_amps"]) * _db(v * rng.standard_normal(15))
    tone = _tones(rng, cyc, np.append(np.arange(1, 13), p["vanes"] * np.arange(1, 4)), amps,
                  f0.max(), sr)
    tone *= _db(p["tone_db"] + v * rng.standard_normal()) / _rms(tone)
    if kind == "extra_harmonic":
        ratio = rng.integers(3, 12) + 0.5  # half-order harmonic (looseness)
        tone += _tones(rng, cyc, [ratio], [_rms(tone) * _db(-18 + 24 * sev)], f0.max(), sr)
    res, corner = p["res"], p["corner"]
    fluid = _noise(rng, n, sr, lambda f: (1.0 + _peaks(f, res)) / (1.0 + (f / corner) ** 1.5))
    rate = p["pulse"] * (1.0 + 0.01 * v * rng.standard_normal())
    depth = p["depth"] * (1.0 + 0.05 * v * rng.standard_normal())
    fluid *= 1.0 + depth * _sin(rate * t + rng.uniform(0.0, 1.0))
    sig = tone + fluid
    if kind == "grinding":
        grit = _noise(rng, n, sr, _band(1500, 5000)) * np.abs(_smooth(rng, n, sr, 40.0)) ** 3
        sig += grit / _rms(grit) * _db(-40 + 34 * sev) * _rms(sig)
    if kind == "amplitude_modulation":
        sig = _modulate(rng, sig, sr, 0.6 * sev)
    return sig


# ----------------------------------------------------------------------------- slider
def _slider_id(rng) -> dict:
    return dict(period=rng.uniform(1.0, 2.0), travel=rng.uniform(0.55, 0.8),
                motor=rng.uniform(250, 900), res=_random_res(rng, 3, 400, 4000),
                modes=_random_modes(rng, 3, 600, 5000, 0.004, 0.03),
                imp_db=rng.uniform(8, 14), asym=rng.uniform(0.5, 1.0), var=_variability(rng))


def _strokes(rng, p: dict, dur: float, kind, sev: float):
    """Start times, durations and relative speeds of the half-strokes covering the clip."""
    v, half = p["var"], 0.5 * p["period"] * (1.0 + 0.01 * p["var"] * rng.standard_normal())
    count = int(dur / half) + 3
    spread = 0.12 * sev if kind == "speed_modulation" else 0.01 * v
    halves = half * np.clip(1.0 + spread * rng.standard_normal(count), 0.5, 1.5)
    starts = rng.uniform(-half, 0.0) + np.concatenate([[0.0], np.cumsum(halves[:-1])])
    return starts, halves, p["period"] * 0.5 / halves


def _slider_motion(rng, p: dict, n: int, sr: int, kind, sev: float):
    """Movement envelope, speed curve, impact times and impact amplitudes."""
    v, t = p["var"], np.arange(n) / sr
    starts, halves, speeds = _strokes(rng, p, n / sr, kind, sev)
    moves = p["travel"] * halves
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


def _slider(p: dict, rng, n: int, sr: int, kind, sev: float) -> np.ndarray:
    env, spd, times, amps = _slider_motion(rng, p, n, sr, kind, sev)
    visible = np.flatnonzero((times > 0) & (times < n / sr))
    if kind == "missing_impact" and visible.size:
        drop = rng.choice(visible, max(1, round(0.8 * sev * visible.size)), replace=False)
        amps[drop] = 0.0
    if kind == "extra_impact":
        k = max(1, round(0.8 * sev * max(visible.size, 1)))
        times = np.append(times, rng.uniform(0, n / sr, k))
        amps = np.append(amps, (0.2 + 0.6 * sev) * np.ones(k))
    modes = _jitter_modes(rng, p["modes"], p["var"])
    if kind == "resonance_change":
        modes[:, 0] *= 1.0 + _sign(rng) * 0.06 * sev
    impacts = np.zeros(n)
    _add_events(impacts, _click(modes, sr), times, amps * _db(p["imp_db"]), sr)
    res = p["res"]
    move = _noise(rng, n, sr, lambda f: 0.2 + _peaks(f, res) / (1.0 + f / 2000.0))
    f_motor = p["motor"] * (1.0 + 0.003 * p["var"] * rng.standard_normal()) * spd
    motor = _tones(rng, np.cumsum(f_motor) / sr, [1, 2], [1.0, 0.3], f_motor.max(), sr)
    sig = (move + 0.5 * motor) * env + impacts
    if kind == "rubbing":
        rub = _noise(rng, n, sr, _band(2500, 7000)) * env
        sig += rub * _db(-28 + 22 * sev)
    return sig


# ----------------------------------------------------------------------------- valve
def _valve_id(rng) -> dict:
    k = int(rng.integers(2, 5))
    gaps = rng.uniform(0.5, 1.5, k)
    return dict(cycle=rng.uniform(0.8, 2.5), offs=np.cumsum(gaps) / gaps.sum() - gaps[0] / gaps.sum(),
                amps=rng.uniform(0.4, 1.0, k), open=_random_modes(rng, 3, 1000, 6000, 0.002, 0.02),
                close=_random_modes(rng, 3, 700, 5000, 0.003, 0.03), hiss_db=rng.uniform(-40, -30),
                var=_variability(rng))


def _valve_events(rng, p: dict, dur: float, kind, sev: float):
    v, cycle = p["var"], p["cycle"] * (1.0 + 0.005 * p["var"] * rng.standard_normal())
    count = int(dur / cycle) + 2
    spread = 0.25 * sev if kind == "speed_modulation" else 0.005 * v
    cycles = cycle * np.clip(1.0 + spread * rng.standard_normal(count), 0.5, 1.5)
    starts = rng.uniform(-cycle, 0.0) + np.concatenate([[0.0], np.cumsum(cycles[:-1])])
    times = (starts[:, None] + p["offs"][None, :] * cycles[:, None]).ravel()
    times += 0.002 * v * rng.standard_normal(times.size)
    amps = np.tile(p["amps"], count) * np.repeat((p["cycle"] / cycles) ** 2, p["offs"].size)
    return times, amps * (1.0 + 0.1 * v * rng.standard_normal(times.size))


def _valve(p: dict, rng, n: int, sr: int, kind, sev: float) -> np.ndarray:
    t = np.arange(n) / sr
    times, amps = _valve_events(rng, p, n / sr, kind, sev)
    gate = (np.searchsorted(np.sort(times), t) % 2).astype(float)  # open after odd events
    is_open = np.arange(times.size) % 2 == 0
    visible = np.flatnonzero((times > 0) & (times < n / sr))
    if kind == "missing_click" and visible.size:
        drop = rng.choice(visible, max(1, round(0.8 * sev * visible.size)), replace=False)
        amps = amps.copy()
        amps[drop] = 0.0
    if kind == "extra_click" and visible.size:
        src = rng.choice(visible, max(1, round(0.8 * sev * visible.size)))
        times = np.append(times, times[src] + rng.uniform(0.02, 0.08, src.size))
        amps = np.append(amps, amps[src] * (0.15 + 0.6 * sev))
        is_open = np.append(is_open, is_open[src])
    modes = [_jitter_modes(rng, p["open"], p["var"]), _jitter_modes(rng, p["close"], p["var"])]
    if kind == "resonance_change":
        for m in modes:
            m[:, 0] *= 1.0 + _sign(rng) * 0.06 * sev
    sig = np.zeros(n)
    for m, sel in zip(modes, (is_open, ~is_open)):
        _add_events(sig, _click(m, sr), times[sel], amps[sel], sr)
    if kind == "leak":
        gate = np.maximum(gate, 0.3 * sev)
    hiss = _noise(rng, n, sr, _band(1000, 6000)) * gate
    return sig + hiss * _db(p["hiss_db"])


# ----------------------------------------------------------------------------- background
def _site_id(rng) -> dict:
    """Per-ID recording site: background colour, mains hum, clatter rate and fault salience."""
    return dict(expo=rng.uniform(0.9, 1.9), line=float(rng.choice([50.0, 60.0])),
                hum=rng.uniform(0.0, 0.3, 4) / np.arange(1, 5), clatter=rng.uniform(0.1, 0.5),
                salience=float(np.exp(rng.uniform(np.log(0.45), np.log(1.6)))))


def _background(site: dict, rng, n: int, sr: int) -> np.ndarray:
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


def _check_args(machine_type, label, duration, sample_rate) -> int:
    if machine_type not in MACHINE_TYPES:
        raise ValueError(f"unknown machine_type {machine_type!r}; valid: {', '.join(MACHINE_TYPES)}")
    if label not in (0, 1):
        raise ValueError(f"label must be 0 or 1, got {label!r}")
    if not sample_rate >= 4000:
        raise ValueError(f"sample_rate must be >= 4000, got {sample_rate!r}")
    n = int(round(duration * sample_rate)) if duration > 0 else 0
    if n < 1:
        raise ValueError(f"duration must be positive (at least one sample), got {duration!r}")
    return n


def generate_clip(machine_type: str, machine_id: str, label: int, index: int, *,
                  seed: int = 0, snr_db: float = 6.0, duration: float = 10.0,
                  sample_rate: int = 16000) -> tuple[np.ndarray, ClipInfo]:
    """float32 mono waveform, peak-normalised to about 0.5 (never clipping), and its info."""
    n = _check_args(machine_type, label, duration, sample_rate)
    type_index, id_num, label = MACHINE_TYPES.index(machine_type), _id_number(machine_id), int(label)
    sr = int(sample_rate)
    params = _ID_PARAMS[machine_type](
        np.random.default_rng(np.random.SeedSequence([_ID_SALT, type_index, id_num])))
    site = _site_id(np.random.default_rng(np.random.SeedSequence([_ID_SALT, type_index, id_num, 1])))
    rng = np.random.default_rng(np.random.SeedSequence([seed, type_index, id_num, label, index]))
    kind, severity = None, 0.0
    if label:
        kinds = ANOMALY_KINDS[machine_type]
        kind = kinds[(index + seed + id_num) % len(kinds)]
        severity = float(rng.uniform(*SEVERITY_RANGE))
    effect = min(1.0, severity * site["salience"])  # how strongly the fault shows at this site
    sig = _RENDER[machine_type](params, rng, n, sr, kind, effect)
    bg = _background(site, rng, n, sr)
    gain = np.sqrt(np.mean(sig ** 2) / (np.mean(bg ** 2) * 10.0 ** (snr_db / 10.0) + 1e-30))
    x = sig + gain * bg
    peak = float(np.max(np.abs(x)))
    if peak > 0 and np.isfinite(peak):
        x = x * (0.5 / peak)
    info = ClipInfo(machine_type, machine_id, label, int(index), kind, severity)
    return x.astype(np.float32), info
