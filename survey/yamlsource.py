"""Safe YAML loading for definitions, with line numbers for error messages.

ruamel.yaml implements YAML 1.2 (``no`` stays a string, ``010`` stays 10) and rejects duplicate
keys, two traps of PyYAML. The round-trip loader constructs only plain mappings, sequences and
scalars (no arbitrary objects) and remembers where each key sits, so errors can name the line.

Anchors and aliases (``&base`` ... ``*base``, ``<<: *base``) are allowed, but a document whose
aliases expand to more than :data:`EXPANSION_LIMIT` values is refused before it is expanded: a
few lines of nested aliases (the "billion laughs") would otherwise take minutes and gigabytes
to copy into plain data. An alias to a node that contains it is refused too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError

from survey.errors import Problem, SurveyError


class YamlDocument:
    """A loaded YAML file: ``data`` as plain Python, ``line(path)`` for locations."""

    def __init__(self, path: Path, raw: Any) -> None:
        self.path = path
        self._raw = raw
        self.data = _plain(raw)

    def line(self, keys: Sequence[Any]) -> int | None:
        """1-based line of the deepest node of ``keys`` that exists in the file."""
        node, line = self._raw, None
        for key in keys:
            try:
                if hasattr(node, "lc") and isinstance(node, dict) and key in node:
                    line = node.lc.key(key)[0] + 1
                elif hasattr(node, "lc") and isinstance(node, list) and isinstance(key, int):
                    line = node.lc.item(key)[0] + 1
                node = node[key]
            except (KeyError, IndexError, TypeError, AttributeError):
                break
        return line

    def where(self, keys: Sequence[Any]) -> str:
        """``file:line: a.b.c`` location text for a key path."""
        dotted = ".".join(str(k) for k in keys)
        line = self.line(keys)
        prefix = f"{self.path}:{line}" if line else str(self.path)
        return f"{prefix}: {dotted}" if dotted else prefix


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    return node


#: Values (mappings, sequences and scalars) a definition may hold once its aliases are
#: expanded. The largest bundled questionnaire holds about 1,500.
EXPANSION_LIMIT = 100_000


def _check_expansion(raw: Any, path: Path, error: type[SurveyError]) -> None:
    """Refuse a document whose aliases expand beyond :data:`EXPANSION_LIMIT` values, or that
    refers to itself, naming the line of the node where it happens. Linear in the document as
    written: each shared node (an anchor) is measured once."""
    sizes: dict[int, int] = {}
    inside: set[int] = set()

    def where(node: Any) -> str:
        lc = getattr(node, "lc", None)
        return f"{path}:{lc.line + 1}" if lc is not None and lc.line is not None else str(path)

    def size(node: Any) -> int:
        if not isinstance(node, dict | list):
            return 1
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in inside:
            raise error(Problem(where(node), "A YAML alias here refers to a node that contains "
                                             "it, which would never end. Write the values out."))
        inside.add(key)
        total = 1
        for child in (node.values() if isinstance(node, dict) else node):
            total += size(child)
            if total > EXPANSION_LIMIT:
                raise error(Problem(where(node), f"The YAML aliases (*name) here expand to more "
                                                 f"than {EXPANSION_LIMIT:,} values (aliases "
                                                 "nested inside aliases?); a definition never "
                                                 "needs so many, and expanding them would "
                                                 "exhaust the memory. Write the values out, or "
                                                 "use fewer aliases."))
        inside.discard(key)
        sizes[key] = total
        return total

    size(raw)


#: How a definition given as YAML text or as a mapping (not a file) is named in messages.
TEXT, MAPPING = "<yaml text>", "<mapping>"


def load_yaml(source: str | Path | Mapping[str, Any], error: type[SurveyError]
              ) -> YamlDocument:
    """Load a YAML mapping or raise ``error`` naming the file and line. ``source``: a file, YAML
    text (a string with a line break), or an already parsed mapping (as in a notebook)."""
    if isinstance(source, Mapping):
        return YamlDocument(Path(MAPPING), _checked_mapping(source, error))
    if isinstance(source, str) and "\n" in source:
        return _parse(source, Path(TEXT), error)
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(Problem(str(path), "File not found.")) from None
    except UnicodeDecodeError as exc:
        raise error(Problem(str(path), f"File is not UTF-8 text ({exc.reason}).")) from None
    except OSError as exc:
        raise error(Problem(str(path), f"Cannot read the file ({exc.strerror}).")) from None
    return _parse(text, path, error)


def _checked_mapping(data: Mapping[str, Any], error: type[SurveyError]) -> dict[str, Any]:
    """A plain copy of ``data``, whose keys must be text as a YAML file's are."""
    def plain(node: Any, where: str) -> Any:
        if isinstance(node, Mapping):
            for k in node:
                if not isinstance(k, str):
                    raise error(Problem(f"{MAPPING}: {where}".rstrip(": "),
                                        f"Expected text keys. Got {k!r} instead."))
            return {k: plain(v, f"{where}.{k}".lstrip(".")) for k, v in node.items()}
        if isinstance(node, (list, tuple)):
            return [plain(v, f"{where}.{i}".lstrip(".")) for i, v in enumerate(node)]
        return node

    return plain(data, "")


def _parse(text: str, path: Path, error: type[SurveyError]) -> YamlDocument:
    yaml = YAML(typ="rt", pure=True)
    yaml.allow_duplicate_keys = False
    try:
        raw = yaml.load(text)
    except DuplicateKeyError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise error(Problem(f"{path}:{line}" if line else str(path),
                            f"Duplicate key: {exc.problem}.")) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = f"{path}:{mark.line + 1}" if mark else str(path)
        what = exc.problem or exc.context or "invalid YAML"
        raise error(Problem(loc, f"YAML syntax error: {what}.")) from None
    if not isinstance(raw, dict):
        raise error(Problem(str(path), f"Expected a YAML mapping at the top. Got {type(raw).__name__} instead."))
    try:
        _check_expansion(raw, path, error)
    except RecursionError:
        raise error(Problem(str(path), "The YAML is nested too deeply to read (thousands of "
                                       "levels); a definition needs a few.")) from None
    return YamlDocument(path, raw)
