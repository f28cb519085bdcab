"""The layers hold: the import contracts of pyproject.toml, and a scan of the engine's own imports."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "aadbench"
#: what the engine must never import (the top floor and the bundled plugins)
ENGINE_FORBIDDEN = ("aadbench.cli", "aadbench.leaderboard", "aadbench.datasets", "aadbench.plugins")


def imported_modules(source: str, module: str, is_package: bool = False) -> set[str]:
    """Every module an import statement of ``source`` names (function-level ones too), absolute."""
    package = module if is_package else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def violations(forbidden=ENGINE_FORBIDDEN, folder=SRC / "harness") -> list[str]:
    out = []
    for path in sorted(folder.rglob("*.py")):
        rel = path.relative_to(SRC.parent).with_suffix("")
        is_package = rel.name == "__init__"
        module = ".".join(rel.parts[:-1] if is_package else rel.parts)
        for target in imported_modules(path.read_text(), module, is_package):
            if any(target == f or target.startswith(f + ".") for f in forbidden):
                out.append(f"{module} imports {target}")
    return out


def test_no_module_of_the_engine_imports_the_cli_the_leaderboard_or_the_bundled_plugins():
    assert violations() == []


def test_the_scan_sees_relative_and_function_level_imports():
    code = "def f():\n    from ..plugins.image_cnns import catalog\nimport aadbench.leaderboard.tables\n"
    found = imported_modules(code, "aadbench.harness.planner")
    assert "aadbench.plugins.image_cnns" in found and "aadbench.leaderboard.tables" in found


def test_the_import_contracts_hold():
    """``lint-imports`` over the contracts in pyproject.toml (the same command CI runs)."""
    pytest.importorskip("importlinter")
    result = subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports; "
                             "raise SystemExit(lint_imports(no_cache=True))"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
