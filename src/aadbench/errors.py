"""Every error aadbench raises on purpose: one root, typed subclasses.

The command line prints an :class:`AadbenchError` as one line (``aadbench: error: ...``,
exit code 2) and anything else with its type and a hint to rerun with ``-v``. Plugins may
raise these too (they are part of the public API): a dataset that finds a folder it cannot
read raises :class:`DataError`, an extractor whose weights cannot be had raises
:class:`WeightsUnavailableError`.

Several classes also derive from the built-in exception a caller would expect
(``ValueError`` for bad values, ``LookupError`` for unknown names, ``FileNotFoundError`` for
missing paths), so ``except ValueError`` keeps working.

Two helpers word the messages: :func:`plural` (``1 clip``, ``3 clips``) and :func:`article`
(``a detector``, ``an extractor``), for counts and names only known when the message is made.
"""
from __future__ import annotations

import re

#: vowel letters read with a consonant sound ("a user", "a one-line description", "a unit")
_CONSONANT_SOUNDS = ("one", "once", "uni", "usa", "use", "usu", "uti", "eu", "ewe")
#: capital letters whose name starts with a vowel sound, for acronyms ("an MLP", "an SNR folder")
_VOWEL_LETTERS = set("AEFHILMNORSX")


def plural(n: int, noun: str, many: str | None = None) -> str:
    """``n`` with ``noun``, in the plural unless ``n`` is 1: ``plural(1, "clip")`` is ``"1 clip"``,
    ``plural(0, "clip")`` ``"0 clips"``; irregular plurals as ``many``: ``plural(2, "entry", "entries")``."""
    return f"{n} {noun if n == 1 else (many or noun + 's')}"


def article(word: str) -> str:
    """``word`` after "a" or "an", as it is read: ``"an integer"``, ``"a detector"``, ``"a user"``,
    ``"an MLP"``, ``"an 8-byte key"``, ``"an 11-byte key"``, ``"a 16-byte key"``."""
    text = str(word)
    head = re.match(r"[A-Za-z]+|\d+", text)
    if head is None:
        return f"a {text}"
    first = head.group()
    if first.isdigit():  # eight, eleven, eighteen, eighty, eight hundred, eleven thousand, ...
        vowel = first[0] == "8" or (len(first) % 3 == 2 and first[:2] in ("11", "18"))
    elif first.isupper():  # an acronym or a letter, read letter by letter
        vowel = first[0] in _VOWEL_LETTERS
    else:
        low = first.lower()
        vowel = low[0] in "aeiou" and not low.startswith(_CONSONANT_SOUNDS)
    return f"{'an' if vowel else 'a'} {text}"


class AadbenchError(Exception):
    """The root of every error aadbench raises on purpose: the message says what to do."""


class ConfigError(AadbenchError, ValueError):
    """A choice the user made cannot be used: an option, a name, a parameter value."""


class ParameterError(ConfigError):
    """A component or protocol parameter that does not exist or has a value of the wrong kind."""


class UnknownComponentError(ConfigError, LookupError):
    """A component name that no plugin provides."""


class PluginError(AadbenchError):
    """A plugin could not be loaded, or declares something invalid."""


class DuplicateComponentError(PluginError):
    """Two plugins provide a component of the same kind and name."""


class ComponentError(AadbenchError, ValueError):
    """A component's factory refused its parameters (the plugin's own exception is the cause)."""


class DataError(AadbenchError, ValueError):
    """A dataset's files or folders cannot be used as they are."""


class DataPathError(DataError, FileNotFoundError):
    """A data folder, manifest or file that does not exist."""


class LayoutError(DataError):
    """A folder that matches none of the layouts a dataset reads."""


class TaskError(AadbenchError, RuntimeError):
    """One task cannot be evaluated (unreadable test clips, a split that cannot be drawn)."""


class WeightsUnavailableError(AadbenchError, RuntimeError):
    """Pretrained weights were asked for and cannot be had."""


class ContractError(AadbenchError, RuntimeError):
    """A component broke its contract: wrong number or shape of outputs, non-finite values."""


class IdentityMismatchError(ContractError):
    """An extractor built for work differs from the one its job was planned with."""


class TrainingError(AadbenchError, RuntimeError):
    """A model's training failed (a diverging loss, say)."""


class StoreError(AadbenchError, RuntimeError):
    """The results database cannot be used (written by a newer aadbench, not a database, ...)."""


class StoreNotFoundError(StoreError, FileNotFoundError):
    """A results database that does not exist where it is read."""


class ExecutorError(AadbenchError, RuntimeError):
    """The grid cannot run where it was asked to (a missing package, no matching workers)."""


class ModelError(AadbenchError, RuntimeError):
    """A model file (``aadbench fit``) that cannot be written, read or used here."""


__all__ = [
    "AadbenchError", "ComponentError", "ConfigError", "ContractError", "DataError", "DataPathError",
    "DuplicateComponentError", "ExecutorError", "IdentityMismatchError", "LayoutError", "ModelError", "ParameterError",
    "PluginError", "StoreError", "StoreNotFoundError", "TaskError", "TrainingError", "UnknownComponentError",
    "WeightsUnavailableError",
]
