"""``aadbench datasets check``: what a dataset holds and what is wrong with its files, no model run."""
from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from ..audio import AudioError, file_error, probe_audio
from ..components import UNKNOWN, Clip, Dataset, Task
from ..errors import plural

LABEL_NAMES = {0: "normal", 1: "anomalous", -1: "unlabelled"}
MAX_EXAMPLES = 10


def _spread(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    arr = np.asarray(values, dtype=float)
    return {"min": round(float(arr.min()), 3), "median": round(float(np.median(arr)), 3),
            "max": round(float(arr.max()), 3)}


def _problem(task: str, clip: Clip, kind: str, reason: str, message: str) -> dict[str, str]:
    return {"task": task, "key": clip.key, "path": clip.path or "", "kind": kind, "reason": reason,
            "message": message}


def _probe(task: Task, clip: Clip, channel: Any, problems: list[dict[str, str]]) -> dict[str, Any] | None:
    """The file's header facts, or None with its problem recorded: one bad file never stops the check."""
    path = clip.path or clip.key
    try:
        info = probe_audio(path)
    except AudioError as exc:
        problems.append(_problem(task.name, clip, exc.kind, exc.reason, str(exc)))
        return None
    except OSError as exc:
        err = file_error(path, exc)
        problems.append(_problem(task.name, clip, err.kind, err.reason, str(err)))
        return None
    except Exception as exc:  # a reader failing in a way nobody foresaw: name it, go on
        message = f"{path}: {type(exc).__name__}: {exc}"
        problems.append(_problem(task.name, clip, "error", f"{type(exc).__name__}: {exc}", message))
        return None
    if isinstance(channel, int) and channel >= info["channels"]:
        reason = f"channel {channel} was asked for but the file has {plural(info['channels'], 'channel')}"
        problems.append(_problem(task.name, clip, "channel", reason, f"{clip.path}: {reason}; choose an existing "
                                                                     f"channel or channel=mean"))
    return info


def _check_task(task: Task, channel: Any, audio: dict[str, Counter[str]], durations: list[float],
                problems: list[dict[str, str]], pbar: Any) -> dict[str, Any]:
    counts: dict[str, Counter[str]] = {}
    task_durations: list[float] = []
    for clip in task.clips:
        counts.setdefault(clip.split or "any", Counter())[LABEL_NAMES[clip.label]] += 1
        if clip.path:
            info = _probe(task, clip, channel, problems)
            if info is not None:
                audio["sample_rates"][str(info["sample_rate"])] += 1
                audio["channels"][str(info["channels"])] += 1
                audio["subtypes"][info["subtype"]] += 1
                task_durations.append(info["duration"])
        pbar.update(1)
    durations += task_durations
    return {"task": task.name, "machine_type": task.machine_type, "machine_id": task.machine_id,
            "n_clips": len(task.clips), "counts": {s: dict(c) for s, c in sorted(counts.items())},
            "domains": dict(sorted(Counter(c.domain for c in task.clips).items())),
            "duration_s": _spread(task_durations)}


def check(dataset: Dataset, *, name: str | None = None, progress: bool = False) -> dict[str, Any]:
    """Counts per task, split, label and domain; rates, channels and durations seen; every
    file problem with its typed reason; unlabelled clips. Reads headers only (float files
    are scanned for NaN)."""
    from ..progress import bar

    tasks = dataset.tasks()
    channel = dataset.channel
    audio: dict[str, Counter[str]] = {"sample_rates": Counter(), "channels": Counter(), "subtypes": Counter()}
    durations: list[float] = []
    problems: list[dict[str, str]] = []
    with bar(total=sum(len(t.clips) for t in tasks), desc="checking", unit="file", enabled=progress) as pbar:
        rows = [_check_task(t, channel, audio, durations, problems, pbar) for t in tasks]
    for path, reason in dataset.skipped_files():
        problems.append({"task": "", "key": "", "path": path, "kind": "skipped", "reason": reason,
                         "message": f"{path}: {reason}; rename or remove it"})
    unlabelled = [f"{t.name}: {c.key}" for t in tasks for c in t.clips if c.label == UNKNOWN]
    result = {
        "dataset": name or dataset.describe(), "config": dataset.config(),
        "n_tasks": len(tasks), "n_clips": sum(len(t.clips) for t in tasks), "tasks": rows,
        "audio": {**{k: dict(sorted(v.items())) for k, v in audio.items()}, "n_files": len(durations),
                  "duration_s": _spread(durations)},
        "unlabelled": {"n": len(unlabelled), "examples": unlabelled[:MAX_EXAMPLES]},
        "problems": problems, "n_problems": len(problems),
    }
    result["notes"] = _notes(dataset, result, tasks)
    result["ok"] = not problems
    return result


def _notes(dataset: Dataset, result: dict[str, Any], tasks: list[Task]) -> list[str]:
    notes = []
    rate = dataset.sample_rate
    other = {r: n for r, n in result["audio"]["sample_rates"].items() if rate and int(r) != rate}
    if other:
        listing = ", ".join(f"{n} at {r} Hz" for r, n in other.items())
        notes.append(f"{listing}: resampled to {rate} Hz when loaded")
    if len(result["audio"]["channels"]) > 1 or any(int(c) > 1 for c in result["audio"]["channels"]):
        notes.append(f"multichannel files: channel {dataset.channel if dataset.channel is not None else 0} is used")
    n = result["unlabelled"]["n"]
    if n:
        hint = "set dcase.ground_truth=PATH to the published ground truth" if "ground_truth" in result["config"] \
            else "label them (test/normal/, test/anomalous/ or the manifest's label column)"
        notes.append(f"{plural(n, 'clip')} {'has' if n == 1 else 'have'} no label (-1) and cannot be scored; {hint}")
    notes += dataset.notes()
    for task in tasks:
        notes += _task_notes(task)
    return notes


def _task_notes(task: Task) -> list[str]:
    splits = {c.split for c in task.clips}
    labels = Counter(c.label for c in task.clips if c.split != "train")
    out = []
    if splits <= {"train", "test"} and "train" not in splits:
        out.append(f"{task.name}: no training clips")
    if not labels.get(1) and not labels.get(UNKNOWN):
        out.append(f"{task.name}: no anomalous test clips, AUC cannot be computed")
    return out


def _counts_line(counts: dict[str, dict[str, int]]) -> str:
    parts = []
    for split, by_label in counts.items():
        inner = ", ".join(f"{n} {label}" for label, n in sorted(by_label.items()))
        parts.append(f"{'no fixed split' if split == 'any' else split}: {inner}")
    return "; ".join(parts)


def format_check(result: dict[str, Any]) -> str:
    """The check result as a readable report."""
    cfg = result["config"]
    lines = [f"dataset {result['dataset']}: {plural(result['n_tasks'], 'task')}, {plural(result['n_clips'], 'clip')}"
             + (f" under {cfg['data_root']}" if cfg.get("data_root") else "")]
    if cfg.get("year"):
        lines[0] += f" (DCASE {cfg['year']} layout)"
    for row in result["tasks"]:
        domains = ", ".join(f"{d} {n}" for d, n in row["domains"].items())
        dur = row["duration_s"]
        span = f"; {dur['min']:g}-{dur['max']:g} s" if dur else ""
        lines.append(f"  {row['task']:<24} {_counts_line(row['counts'])}  [{domains}{span}]")
    a = result["audio"]
    if a["n_files"]:
        d = a["duration_s"]
        lines.append(f"audio: {plural(a['n_files'], 'file')} read; sample rates "
                     + ", ".join(f"{r} Hz x{n}" for r, n in a["sample_rates"].items())
                     + "; channels " + ", ".join(f"{c} x{n}" for c, n in a["channels"].items())
                     + "; " + ", ".join(f"{s} x{n}" for s, n in a["subtypes"].items())
                     + f"; duration min {d['min']:g} s, median {d['median']:g} s, max {d['max']:g} s")
    if result["unlabelled"]["n"]:
        lines.append(f"unlabelled: {plural(result['unlabelled']['n'], 'clip')}, e.g. "
                     + "; ".join(result["unlabelled"]["examples"][:3]))
    for note in result["notes"]:
        lines.append(f"note: {note}")
    if result["problems"]:
        lines.append(f"problems: {result['n_problems']}")
        lines += [f"  [{p['kind']}] {p['message']}" for p in result["problems"]]
    lines.append("result: OK, no problems found" if result["ok"] else
                 f"result: {plural(result['n_problems'], 'problem')} found")
    return "\n".join(lines)
