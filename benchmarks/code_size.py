"""Module and function sizes of src/aadbench (DESIGN.md aims at modules under ~400 lines and
functions mostly under 40): prints the largest modules and functions and the distribution.

    python benchmarks/code_size.py [--top 10]
"""
from __future__ import annotations

import argparse
import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "aadbench"


def sizes() -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    modules, functions = [], []
    for path in sorted(SRC.rglob("*.py")):
        text = path.read_text()
        rel = str(path.relative_to(SRC.parent))
        modules.append((len(text.splitlines()), rel))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                functions.append((node.end_lineno - node.lineno + 1, f"{rel}:{node.lineno} {node.name}"))
    return sorted(modules, reverse=True), sorted(functions, reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--top", type=int, default=8)
    args = parser.parse_args()
    modules, functions = sizes()
    lines = sorted(n for n, _ in modules)
    lengths = sorted(n for n, _ in functions)
    print(f"modules: {len(modules)}, median {lines[len(lines) // 2]} lines, largest {lines[-1]}; "
          f"over 400 lines: {sum(n > 400 for n in lines)}")
    print(f"functions: {len(functions)}, median {lengths[len(lengths) // 2]} lines; over 40 lines: "
          f"{sum(n > 40 for n in lengths)} ({100 * sum(n > 40 for n in lengths) / len(lengths):.1f}%); "
          f"longest {lengths[-1]}")
    print("largest modules:")
    for n, name in modules[: args.top]:
        print(f"  {n:5d}  {name}")
    print("longest functions:")
    for n, name in functions[: args.top]:
        print(f"  {n:5d}  {name}")


if __name__ == "__main__":
    main()
