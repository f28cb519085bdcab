"""The grammar of what aadbench says: articles, plurals and the spaces between joined string pieces.

The parameter type errors are checked word for word; the rest is a lint over every string literal
of the source tree (``ast``), so a regression fails here rather than in front of a user.
"""
import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

from aadbench.errors import ParameterError, article, plural
from aadbench.harness.params import apply, convert

SRC = Path(__file__).resolve().parents[1] / "src" / "aadbench"


# -- the parameter type errors ----------------------------------------------------------------------------

@pytest.mark.parametrize(("default", "value", "expected"), [
    (3, "many", "gmm.p='many': expected an integer like 3 ("),
    (3, 1.5, "gmm.p=1.5: expected an integer like 3"),
    (3, True, "gmm.p=True: expected an integer like 3"),
    (0.5, "x", "gmm.p='x': expected a number like 0.5 ("),
    (True, "maybe", "gmm.p='maybe': expected true or false (also yes/no, on/off, 1/0)"),
    (True, 3, "gmm.p=3: expected true or false"),
    ("fan", ["a"], "gmm.p=['a']: expected text like 'fan'"),
    (["fan", "pump"], 3, "gmm.p=3: expected a list like ['fan', 'pump']"),
    ([1, 2], "a,b", "gmm.p='a,b': expected a comma-separated list of integers like 1,2 ("),
    ([0.5], [1, "x"], "gmm.p=[1, 'x']: expected a list of numbers like [0.5]"),
])
def test_a_parameter_of_the_wrong_type_says_what_it_expects_in_good_english(default, value, expected):
    with pytest.raises(ParameterError) as info:
        convert(value, default, "gmm.p")
    message = str(info.value)
    assert message.startswith(expected), message
    assert not re.search(r"\ba [aeiou]", message), message  # not "expected a int", "a integer"


def test_apply_words_its_type_errors_the_same_way():
    with pytest.raises(ParameterError, match=r"^gmm\.n_components='four': expected an integer like 80 \("):
        apply("detector 'gmm'", {"n_components": 80}, {"n_components": "four"})


# -- the helpers the messages use -------------------------------------------------------------------------

def test_plural_counts_one_thing_in_the_singular():
    assert [plural(n, "clip") for n in (0, 1, 2)] == ["0 clips", "1 clip", "2 clips"]
    assert plural(1, "entry", "entries") == "1 entry" and plural(3, "entry", "entries") == "3 entries"


@pytest.mark.parametrize(("word", "expected"), [
    ("integer", "an integer"), ("int", "an int"), ("extractor", "an extractor"), ("error", "an error"),
    ("option", "an option"), ("detector", "a detector"), ("dataset", "a dataset"), ("DetectorSpec", "a DetectorSpec"),
    ("ExtractorSpec", "an ExtractorSpec"), ("user", "a user"), ("one-line", "a one-line"), ("unit", "a unit"),
    ("MLP", "an MLP"), ("URL", "a URL"), ("X", "an X"), ("8-byte", "an 8-byte"), ("11-byte", "an 11-byte"),
    ("18", "an 18"), ("16-byte", "a 16-byte"), ("64x64", "a 64x64"), ("", "a "),
])
def test_article_goes_by_how_the_word_is_read(word, expected):
    assert article(word) == expected


# -- a lint over the source tree's string literals --------------------------------------------------------

def _literals(tree: ast.AST):
    """Every string literal (plain or f-string), not the pieces inside an f-string."""
    inner = {id(sub) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
             for sub in ast.walk(node) if sub is not node}
    for node in ast.walk(tree):
        if id(node) not in inner and (isinstance(node, ast.JoinedStr)
                                      or isinstance(node, ast.Constant) and isinstance(node.value, str)):
            yield node


def _pieces(segment: str) -> list[str]:
    """The source text of each adjacent string piece a literal was joined from (one when not joined)."""
    out, depth, buf = [], 0, []
    for tok in tokenize.generate_tokens(io.StringIO(f"({segment})").readline):
        kind = tokenize.tok_name[tok.type]
        if kind == "STRING" and depth == 0:
            out.append(tok.string)
        elif kind == "FSTRING_START" or depth:  # Python 3.12 tokenizes f-strings in parts
            depth += (kind == "FSTRING_START") - (kind == "FSTRING_END")
            buf.append(tok.string)
            if depth == 0:
                out.append("".join(buf))
                buf = []
    return out


def _edges(piece: str) -> tuple[str | None, str | None]:
    """A piece's first and last character as printed; None where an f-string's expression stands there."""
    prefix = re.match(r"[A-Za-z]*", piece).group()
    is_f = "f" in prefix.lower()
    try:  # the piece as a plain literal: its braces stay, its escapes are read
        text = ast.literal_eval(re.sub("[fF]", "", prefix) + piece[len(prefix):])
    except (SyntaxError, ValueError):  # an f-string with quotes inside its expressions (Python 3.12)
        return None, None
    if not text:
        return "", ""
    first = None if is_f and text.startswith("{") and not text.startswith("{{") else text[0]
    last = None if is_f and text.endswith("}") and not text.endswith("}}") else text[-1]
    return first, last


def _segment(lines: list[str], node: ast.AST) -> str:
    """``ast.get_source_segment`` from lines split once (it splits the whole source on every call)."""
    start, end = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
    if start is None or end is None:
        return ""
    col, end_col = node.col_offset, node.end_col_offset  # type: ignore[attr-defined]
    if start == end:
        return lines[start - 1].encode()[col:end_col].decode()
    first, last = lines[start - 1].encode()[col:].decode(), lines[end - 1].encode()[:end_col].decode()
    return "".join([first, *lines[start:end - 1], last])


def missing_spaces(source: str, name: str = "<source>") -> list[str]:
    """Adjacent string pieces joined with no space between a word or a sentence's end and the next word:
    ``"...cannot be read;" "remove it"`` prints ``read;remove``."""
    found, lines = [], source.splitlines(keepends=True)
    for node in _literals(ast.parse(source)):
        pieces = _pieces(_segment(lines, node))
        for left, right in zip(pieces, pieces[1:]):
            last, first = _edges(left)[1], _edges(right)[0]
            if last and first and (last.isalnum() or last in ".,;:!?)]'\"") and first.isalpha():
                found.append(f"{name}:{node.lineno}: {left[-30:]} {right[:30]}")
    return found


#: words after "a" that are read with a consonant sound, as they occur in the source
A_BEFORE_VOWEL = {"user", "usable", "unit-variance", "one-line"}
#: words after "an" that are read with a vowel sound: "an fbank" is "an eff-bank"
AN_BEFORE_CONSONANT = {"fbank"}
#: "a {...}" where the expression is known: a constant read with a consonant sound ("a 64x64 patch"), and
#: article() itself
A_BEFORE_EXPRESSION = {("plugins/autoencoders/models.py", "SIDE"), ("errors.py", "text")}


def wrong_articles(source: str, name: str = "<source>") -> list[str]:
    """``a`` before a vowel (``a int``, ``a error``), ``an`` before a consonant, and ``a``/``an`` written
    before an f-string expression instead of :func:`aadbench.errors.article` (the word is not known)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for m in re.finditer(r"\b[Aa] ([aeiou][\w-]*|[AEIOU][a-z][\w-]*)", node.value):
                if m.group(1).lower() not in A_BEFORE_VOWEL:
                    found.append(f"{name}:{node.lineno}: {m.group()!r}")
            for m in re.finditer(r"\b[Aa]n ([b-df-hj-np-tv-z][\w-]*)", node.value):
                if m.group(1) not in AN_BEFORE_CONSONANT:
                    found.append(f"{name}:{node.lineno}: {m.group()!r}")
        if isinstance(node, ast.JoinedStr):
            for text, value in zip(node.values, node.values[1:]):
                if isinstance(text, ast.Constant) and isinstance(value, ast.FormattedValue) \
                        and re.search(r"\b[Aa]n? $", text.value) \
                        and (name, ast.unparse(value.value)) not in A_BEFORE_EXPRESSION:
                    found.append(f"{name}:{node.lineno}: {text.value[-12:]!r}{{{ast.unparse(value.value)}}}: "
                                 f"use article()")
    return found


def uncounted_plurals(source: str, name: str = "<source>") -> list[str]:
    """A count written as ``{n} clip(s)``: :func:`aadbench.errors.plural` says ``1 clip``, ``2 clips``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.JoinedStr):
            for value, text in zip(node.values, node.values[1:]):
                if isinstance(value, ast.FormattedValue) and isinstance(text, ast.Constant) \
                        and re.match(r" (\w+ )?\w+\(s\)", text.value):  # "{n} clip(s)", "{n} test clip(s)"
                    found.append(f"{name}:{node.lineno}: {{{ast.unparse(value.value)}}}{text.value[:20]!r}")
    return found


def _scan(check) -> list[str]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        found += check(path.read_text(encoding="utf-8"), str(path.relative_to(SRC)))
    return found


def test_the_lints_catch_what_they_are_for():
    joined = 'raise ValueError("the file cannot be read;"\n                 "remove it")\nx = "a" "b"\n'
    assert len(missing_spaces(joined)) == 2
    assert missing_spaces('x = ("read; "\n     "remove it", f"{n}" "s", "well-" "known", f"a {x}" f"{y}")') == []
    assert missing_spaces('x = f"expected {kind}." f"Fix it"') == ["<source>:1: f\"expected {kind}.\" f\"Fix it\""]
    assert len(wrong_articles('m = f"x: expected a int like {d!r}"')) == 1
    assert len(wrong_articles('m = "an option of a error"')) == 1
    assert len(wrong_articles('m = "an detector"')) == 1
    assert len(wrong_articles('m = f"expected a {type(d).__name__}"')) == 1
    assert wrong_articles('m = f"an integer, a user, a URL, an MLP, {article(k)}"') == []
    assert len(uncounted_plurals('m = f"{n} clip(s) added, {k} test clip(s)"')) == 2
    assert uncounted_plurals('m = f"machine type(s) {names}; {path} lacks the column(s) {names}"') == []


def test_no_joined_string_pieces_miss_a_space():
    assert _scan(missing_spaces) == []


def test_no_message_uses_the_wrong_article():
    assert _scan(wrong_articles) == []


def test_counts_use_plural_not_parenthesised_s():
    assert _scan(uncounted_plurals) == []
