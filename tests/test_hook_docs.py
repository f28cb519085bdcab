"""docs/plugin_hooks.md documents every hook with the right signature and working examples."""
import inspect
import re
import types
from pathlib import Path

import pytest

from aadbench import hookspecs
from aadbench.harness.registry import load_registry

DOC = Path(__file__).resolve().parents[1] / "docs" / "plugin_hooks.md"
HOOKS = [n for n, f in vars(hookspecs).items() if inspect.isfunction(f) and n.startswith("register_")]


def _section(name):
    text = DOC.read_text()
    match = re.search(rf"^## {name}\n(.*?)(?=^## |\Z)", text, flags=re.S | re.M)
    assert match, f"hook {name} is not documented in {DOC.name}"
    return match.group(1)


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_is_documented_with_its_signature(name):
    sig = inspect.signature(getattr(hookspecs, name))
    ret = sig.return_annotation if isinstance(sig.return_annotation, str) else sig.return_annotation.__name__
    documented = re.search(r"^`(\w+\(.*?\)(?: -> [^`]+)?)`$", _section(name), flags=re.M)
    assert documented, f"{name}: no signature line in the docs"
    assert documented.group(1) == f"{name}{sig.parameters and str(sig).split(' ->')[0] or '()'} -> {ret}"


@pytest.mark.parametrize("name", HOOKS)
def test_every_documented_example_registers_a_working_component(name):
    code = re.search(r"```python\n(.*?)```", _section(name), flags=re.S)
    assert code, f"{name}: no example"
    module = types.ModuleType(f"doc_example_{name}")
    exec(compile(code.group(1), f"{DOC.name}:{name}", "exec"), module.__dict__)
    registry = load_registry(entry_points=False, extra=[(module.__name__, module)])
    kind = name.removeprefix("register_").removesuffix("s")
    (new,) = [e for e in registry.entries(kind) if e.provider.endswith(f"(plugin {module.__name__})")]
    component = new.spec.create()
    if kind == "dataset":
        from aadbench.testing import check_dataset

        check_dataset(component)
    elif kind == "extractor":
        from aadbench.testing import check_extractor

        check_extractor(lambda: component)
    else:
        from aadbench.testing import check_detector

        check_detector(new.spec)
