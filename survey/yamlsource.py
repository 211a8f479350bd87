"""Safe YAML loading for definitions, with line numbers for error messages.

ruamel.yaml implements YAML 1.2 (``no`` stays a string, ``010`` stays 10) and rejects duplicate
keys, two traps of PyYAML. The round-trip loader constructs only plain mappings, sequences and
scalars (no arbitrary objects) and remembers where each key sits, so errors can name the line.
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
    return YamlDocument(path, raw)
