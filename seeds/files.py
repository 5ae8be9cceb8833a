"""Reading and checking seed files: the parsed YAML, typed access to one record's keys, and the
error that names the file and record at fault. Nothing here touches the database."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from core.text import has_control_characters
from occupations.provenance import Basis, provenance_problems

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class SeedError(Exception):
    """A seed file is unreadable or inconsistent; nothing has been loaded."""

    def __init__(self, file: str, record: str, message: str) -> None:
        super().__init__(f"{file}: {record}: {message}")
        self.file = file
        self.record = record
        self.message = message


@dataclass(frozen=True)
class Source:
    file: str
    quote: str

    def as_json(self) -> dict[str, str]:
        return {"file": self.file, "quote": self.quote}


@dataclass(frozen=True)
class Origin:
    """Where a record comes from, for error messages and the load report."""

    file: str
    record: str


class Fields:
    """Typed access to one mapping of a seed file; every problem names the file and record."""

    def __init__(self, data: Any, origin: Origin, *, required: set[str], optional: set[str]):
        self.origin = origin
        if not isinstance(data, dict):
            self.fail(f"expected a mapping of keys, found {type(data).__name__}")
        self.data = data
        unknown = sorted(str(key) for key in set(data) - required - optional)
        if unknown:
            allowed = ", ".join(sorted(required | optional))
            self.fail(f"unknown key {unknown[0]!r} (allowed: {allowed})")
        missing = sorted(required - set(data))
        if missing:
            self.fail(f"missing key {missing[0]!r}")

    def fail(self, message: str) -> None:
        raise SeedError(self.origin.file, self.origin.record, message)

    def raw(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def text(self, key: str, *, blank: bool = True, default: str = "") -> str:
        value = self.data.get(key, default)
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.fail(f"{key!r} must be text, not {type(value).__name__}")
        if value != value.strip():
            self.fail(f"{key!r} has leading or trailing spaces")
        if not blank and not value:
            self.fail(f"{key!r} must not be blank")
        self.check_plain(key, value, multiline=True)
        return value

    def check_plain(self, key: str, value: str, *, multiline: bool) -> None:
        """No control characters in ``value`` (tabs and line ends allowed if ``multiline``):
        the rule of every text typed or imported (``core.text``)."""
        if has_control_characters(value, multiline=multiline):
            self.fail(f"{key!r} holds control characters (invisible characters such as NUL)")

    def flag(self, key: str) -> bool:
        value = self.data.get(key, False)
        if not isinstance(value, bool):
            self.fail(f"{key!r} must be true or false, not {value!r}")
        return value

    def integer(self, key: str, *, nullable: bool = False, minimum: int = 0) -> int | None:
        value = self.data.get(key)
        if value is None and nullable:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            self.fail(f"{key!r} must be a whole number of at least {minimum}, not {value!r}")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if value is None:
            value = []
        if not isinstance(value, list):
            self.fail(f"{key!r} must be a list, not {type(value).__name__}")
        for number, item in enumerate(value, start=1):
            if not isinstance(item, str) or not item.strip() or item != item.strip():
                self.fail(f"{key!r} item {number} must be non-blank text without outer spaces")
            self.check_plain(f"{key} item {number}", item, multiline=False)
        if len(set(value)) != len(value):
            self.fail(f"{key!r} lists the same text twice")
        return tuple(value)

    def date(self, key: str, *, nullable: bool = False) -> dt.date | None:
        value = self.data.get(key)
        if value is None and nullable:
            return None
        if isinstance(value, dt.datetime):
            self.fail(f"{key!r} must be a date without a time, not {value!r}")
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        self.fail(f"{key!r} must be an ISO date (YYYY-MM-DD), not {value!r}")
        return None  # pragma: no cover

    def moment(self, key: str) -> dt.datetime | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            try:
                value = dt.datetime.fromisoformat(value)
            except ValueError:
                self.fail(f"{key!r} must be an ISO date and time, not {value!r}")
        if not isinstance(value, dt.datetime):
            self.fail(f"{key!r} must be an ISO date and time, not {value!r}")
        if value.tzinfo is None or value.utcoffset() is None:
            self.fail(f"{key!r} must state its UTC offset, e.g. +08:00: {value.isoformat()}")
        return value

    def choice(self, key: str, choices: Iterable[str], *, nullable: bool = False) -> str | None:
        value = self.data.get(key)
        if value is None and nullable:
            return None
        allowed = list(choices)
        if value not in allowed:
            self.fail(f"{key!r} must be one of {', '.join(allowed)}, not {value!r}")
        return value

    def marker(self, key: str) -> bool | None:
        """A green or digital marker: true (a source marks it), false (a source excludes it)
        or null (no source says; the default)."""
        value = self.data.get(key)
        if value is not None and not isinstance(value, bool):
            self.fail(f"{key!r} must be true, false or null, not {value!r}")
        return value

    def provenance(self, fields: Iterable[str], key: str = "provenance") -> dict[str, Any]:
        """Field name -> basis, by ``occupations.provenance``'s one rule; every name must be a
        field of this record."""
        value = self.data.get(key)
        if value is None:
            return {}
        problems = provenance_problems(value)
        if problems:
            self.fail(problems[0])
        allowed = set(fields)
        for field in value:
            if field not in allowed:
                self.fail(
                    f"provenance names {field!r}, which is not a field of this record "
                    f"(fields: {', '.join(sorted(allowed))})"
                )
        return value

    def sources(self, key: str = "sources") -> tuple[Source, ...]:
        value = self.data.get(key)
        if not isinstance(value, list) or not value:
            self.fail(f"{key!r} must list at least one source (file and quote)")
        result = []
        for number, item in enumerate(value, start=1):
            if not isinstance(item, dict) or set(item) != {"file", "quote"}:
                self.fail(f"source {number} must have exactly the keys 'file' and 'quote'")
            file, quote = item["file"], item["quote"]
            if not isinstance(file, str) or not file.strip() or "/" in file:
                self.fail(f"source {number}: 'file' must be a source file's name")
            if not isinstance(quote, str) or not quote.strip():
                self.fail(f"source {number}: 'quote' must be the sentence the record comes from")
            self.check_plain(f"source {number} file", file, multiline=False)
            self.check_plain(f"source {number} quote", quote, multiline=True)
            result.append(Source(file=file, quote=quote))
        return tuple(result)


def parse_yaml(directory: Path, path: Path) -> tuple[str, Any]:
    name = path.relative_to(directory).as_posix()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SeedError(name, "file", f"cannot be read: {exc}") from None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return name, yaml.load(text, Loader=loader)  # a safe loader (C when available)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "file"
        problem = getattr(exc, "problem", None) or str(exc)
        raise SeedError(name, where, f"is not valid YAML: {problem}") from None


def list_of_records(name: str, data: Any, key: str | None) -> list:
    if key is not None:
        if not isinstance(data, dict) or key not in data:
            raise SeedError(name, "file", f"must have a top-level key {key!r}")
        data = data[key]
    if not isinstance(data, list):
        raise SeedError(name, key or "file", "must be a list of records")
    return data


def yaml_files(directory: Path, sub: str) -> list[Path]:
    folder = directory / sub
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.iterdir() if path.suffix in {".yaml", ".yml"})


def check_unique(records: list, key: Callable[[Any], Any], what: str) -> None:
    seen: dict[Any, Origin] = {}
    for record in records:
        value = key(record)
        if value in seen:
            first = seen[value]
            raise SeedError(
                record.origin.file,
                record.origin.record,
                f"its {what} {value!r} is already used by {first.record} in {first.file}",
            )
        seen[value] = record.origin


def provenance_sources(provenance: dict[str, Any]) -> Iterator[Source]:
    """The quotes a provenance cites: a field's own source, and every reading of a
    disagreement."""
    for entry in provenance.values():
        if entry.get("basis") == Basis.SOURCE:
            yield Source(file=entry["file"], quote=entry["quote"])
        elif entry.get("basis") == Basis.DISAGREEMENT:
            for reading in entry["readings"]:
                yield Source(file=reading["file"], quote=reading["quote"])
