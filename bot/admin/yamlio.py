"""Round-trip YAML: keeps comments, key order and quoting so a saved file's git diff
shows only what the admin changed."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import LiteralScalarString
from ruamel.yaml.util import load_yaml_guess_indent

from bot.admin.errors import AdminError


def _null(representer, _data):
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")  # `active_loop: null`, not `active_loop:`


def _yaml(like: str | None = None) -> YAML:
    yaml = YAML()  # round-trip
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap long examples
    yaml.representer.add_representer(type(None), _null)
    sequence, offset = 4, 2  # the project's style: `nlu:\n  - intent: ...`
    if like:  # keep a file's own indentation (e.g. Rasa's `stories:\n- story:` style)
        try:
            _, guessed, guessed_offset = load_yaml_guess_indent(like)
        except YAMLError:
            guessed = None
        if guessed:
            sequence, offset = guessed, guessed_offset or 0
    yaml.indent(mapping=sequence - offset if offset else sequence, sequence=sequence, offset=offset)
    return yaml


def loads(text: str, where: str) -> Any:
    """Parses YAML; invalid YAML -> 422 invalid_yaml naming the file, line and column."""
    try:
        return _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        problem = exc.problem or exc.context or "invalid YAML"
        raise AdminError(422, "invalid_yaml", f"{where}: invalid YAML at line {line}, column {column}: {problem}",
                         where=where, line=line, column=column) from None
    except YAMLError as exc:
        raise AdminError(422, "invalid_yaml", f"{where}: invalid YAML: {exc}", where=where) from None


def load(path: Path, where: str | None = None) -> Any:
    return loads(path.read_text(encoding="utf-8"), where or path.name)


def dumps(data: Any, like: str | None = None) -> str:
    """YAML text; `like`: the file's previous text, whose indentation style is kept."""
    buffer = io.StringIO()
    _yaml(like).dump(data, buffer)
    return buffer.getvalue()


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def plain(data: Any) -> Any:
    """ruamel's commented containers -> plain dicts/lists/str (for JSON answers)."""
    if isinstance(data, dict):
        return {str(k): plain(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [plain(v) for v in data]
    if isinstance(data, str):
        return str(data)
    return data


def version_of(data: Any) -> str:
    """A content hash of one item: the optimistic-concurrency token clients send back."""
    canonical = json.dumps(plain(data), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def literal_examples(examples: list[str]) -> LiteralScalarString:
    """Rasa's `examples: |` block: one `- example` per line."""
    return LiteralScalarString("".join(f"- {example}\n" for example in examples))


def commented(data: Any) -> Any:
    """Plain dicts/lists -> ruamel containers (so new items dump in block style)."""
    if isinstance(data, dict):
        out = CommentedMap()
        for key, value in data.items():
            out[key] = commented(value)
        return out
    if isinstance(data, list):
        return CommentedSeq([commented(v) for v in data])
    return data
