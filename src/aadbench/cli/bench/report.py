"""The bench result as a table."""
from __future__ import annotations

from typing import Any


def format_table(res: dict[str, Any]) -> str:
    lines = [f"aadbench bench ({res['mode']} mode) on {res['machine']['cpu']}, {res['machine']['cores']} cores, "
             f"torch {res['machine']['torch']} ({res['machine']['torch_threads']} threads), "
             f"{res['machine'].get('cpu_capability', '?')}"
             f"{'' if res['machine'].get('native_bfloat16') else ' (no native bfloat16: it is emulated here)'}, "
             f"load average before {res['machine']['load_average'][0]:.2f}"]
    if res["extraction"] and "network_alone_clips_s" in res["extraction"][0]:
        lines += ["", f"{'extraction on ' + str(res['machine'].get('gpu')) + ' (clips/s)':<40}{'float32':>10}"
                      f"{'bf16 b512':>11}{'network alone':>15}{'share':>8}"]
        for r in res["extraction"]:
            lines.append(f"{r['arch']:<40}{r['float32_clips_s']:>10.0f}{r['bfloat16_clips_s']:>11.0f}"
                         f"{r['network_alone_clips_s']:>15.0f}{r['bfloat16_vs_network_alone']:>8.0%}")
    elif res["extraction"]:
        lines += ["", f"{'extraction (clips/s)':<22}{'naive':>8}{'float32':>10}{'x naive':>9}{'bf16+CL':>10}"
                      f"{'x naive':>9}{'frontend f32/bf16':>20}"]
        for r in res["extraction"]:
            lines.append(f"{r['arch']:<22}{r['naive_clips_s']:>8.2f}{r['float32_clips_s']:>10.2f}"
                         f"{r['float32_speedup']:>9.1f}{r['bfloat16_clips_s']:>10.2f}{r['bfloat16_speedup']:>9.1f}"
                         f"{r['float32_frontend_share']:>12.1%} / {r['bfloat16_frontend_share']:.1%}")
    if res["grid"]:
        g = res["grid"]
        lines += ["", f"5-detector grid ({g['arch']}, {g['jobs']} jobs, {g['clips']} clips): first run "
                      f"{g['first_run_s']:.1f} s, same command again {g['rerun_s']:.2f} s, fresh results file on "
                      f"the feature cache {g['fresh_db_on_cache_s']:.1f} s ({g['fresh_db_extracted_clips']} clips "
                      f"extracted)"]
    if res.get("jobs"):
        lines.append("")
    for j in (res.get("jobs") or {}).values():
        lines.append(f"detector-heavy grid, {'+'.join(j['detectors'])} ({j['jobs']} jobs, features cached): "
                     f"--jobs 1 {j['one_s']:.1f} s, --jobs {j['workers']} {j['parallel_s']:.1f} s "
                     f"({j['one_s'] / j['parallel_s']:.2f}x)")
    if res["detectors"]:
        lines += ["", f"{'detector':<18}{'backend':>9}{'fit s':>9}{'score s':>9}   (train x dim, scored)"]
        for name, d in res["detectors"].items():
            lines.append(f"{name:<18}{d.get('backend', '-'):>9}{d['fit_s']:>9.2f}{d['score_s']:>9.2f}   "
                         f"({d['n_train']} x {d['dim']}, {d['n_scored']})")
    if res["memory"]:
        m = res["memory"]
        lines += ["", f"peak memory: {m['peak_rss_mb']:.0f} MB for one {m['clips']}-clip task "
                      f"({m['arch']} {m['dtype']} + {m['detector']}, {m['seconds']:.0f} s)"]
    if res["targets"] and res.get("mode") == "quick":  # tiny sizes: the figures check it works, not the targets
        lines += ["", "quick-mode figures of what was measured (tiny sizes; `aadbench bench` checks the targets):"]
        for _key, t in res["targets"].items():
            lines.append(f"  {t['what']}: {t['value']:.3g} (full-mode target {t['target']})")
    elif res["targets"]:
        lines += ["", "targets:"]
        for _key, t in res["targets"].items():
            mark = "ok  " if t["met"] else "MISS"
            lines.append(f"  {mark} {t['what']}: {t['value']:.3g} (target {t['target']})")
    return "\n".join(lines)
