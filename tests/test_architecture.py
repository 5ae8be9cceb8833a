"""The architecture checks catch what they are there to catch: an app imported by `core` or a
layer imported from below (`make lint`'s import contracts), a function over the complexity
limit, a type error in a checked module, an import circle outside the models, and a `consult`
package whose top level has grown back into a flat list.

Each check runs as a subprocess on a copy in a temporary folder, with the project's own
configuration, so that a deliberate violation never touches the real tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LAYERED_PACKAGES = ("config", "seeds", "bench", "consult", "occupations", "staff", "core")
# consult's top level: its wings (packages by concern) and a few modules that are a concern of
# their own; more entries than this and the app reads as a flat list again.
CONSULT_TOP_LEVEL_MAX = 18


def run(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def copy_sources(destination: Path, packages: tuple[str, ...], *files: str) -> None:
    """Copy the Python files of ``packages``, the single ``files`` and the project's
    configuration."""
    sources = [source for package in packages for source in (ROOT / package).rglob("*.py")]
    for source in [ROOT / "pyproject.toml", *sources, *(ROOT / name for name in files)]:
        target = destination / source.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, target)


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


def contract_status(output: str, name: str) -> str:
    """``KEPT`` or ``BROKEN``, as lint-imports reports the contract called ``name``."""
    for line in output.splitlines():
        if line.startswith(f"{name} "):
            return line.rsplit(" ", 1)[-1]
    raise AssertionError(f"lint-imports did not report the contract {name!r}:\n{output}")


def function_of_complexity(name: str, complexity: int) -> str:
    """A function whose McCabe complexity is exactly ``complexity`` (one path per branch)."""
    branches = "".join(f"    if value == {n}:\n        return {n}\n" for n in range(complexity - 1))
    return f"\n\ndef {name}(value: int) -> int:\n{branches}    return -1\n"


def test_importing_an_app_from_core_breaks_the_contracts(tmp_path):
    copy_sources(tmp_path, LAYERED_PACKAGES)
    lint_imports = str(BIN / "lint-imports")
    cache = f"--cache-dir={tmp_path / 'import-linter-cache'}"

    before = run(lint_imports, cache, cwd=tmp_path)
    assert contract_status(before.stdout, "core imports no app") == "KEPT", before.stdout

    append(tmp_path / "core" / "errors.py", "\nimport consult  # noqa: E402\n")
    after = run(lint_imports, cache, cwd=tmp_path)

    assert after.returncode != 0
    assert contract_status(after.stdout, "core imports no app") == "BROKEN"
    assert "core.errors -> consult" in after.stdout


def test_importing_bench_breaks_the_contracts(tmp_path):
    copy_sources(tmp_path, LAYERED_PACKAGES)
    append(tmp_path / "occupations" / "models.py", "\nimport bench  # noqa: E402\n")

    result = run(
        str(BIN / "lint-imports"), f"--cache-dir={tmp_path / 'import-linter-cache'}", cwd=tmp_path
    )

    assert result.returncode != 0
    assert contract_status(result.stdout, "Nothing imports bench") == "BROKEN"


def test_a_function_over_complexity_ten_fails_ruff(tmp_path):
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    module = tmp_path / "core" / "branches.py"
    module.parent.mkdir()
    module.write_text('"""Branches."""' + function_of_complexity("at_the_limit", 10))
    ruff = (str(BIN / "ruff"), "check", "--no-cache", "--output-format=concise", ".")

    at_limit = run(*ruff, cwd=tmp_path)
    assert at_limit.returncode == 0, at_limit.stdout

    append(module, function_of_complexity("over_the_limit", 11))
    over = run(*ruff, cwd=tmp_path)

    assert over.returncode != 0
    assert "C901 `over_the_limit` is too complex (11 > 10)" in over.stdout
    assert "at_the_limit" not in over.stdout


def test_a_type_error_in_core_fails_mypy(tmp_path):
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "core" in config["tool"]["mypy"]["files"]
    # The Django plugin sets up the real project to learn its apps, and reads the settings
    # module's types from the copy.
    copy_sources(tmp_path, ("core",), "config/__init__.py", "config/settings.py")
    mypy = (str(BIN / "mypy"), f"--cache-dir={tmp_path / 'mypy-cache'}", "core")

    clean = run(*mypy, cwd=tmp_path, PYTHONPATH=str(ROOT))
    assert clean.returncode == 0, clean.stdout + clean.stderr

    append(tmp_path / "core" / "rates.py", '\n\ndef seconds() -> int:\n    return "sixty"\n')
    broken = run(*mypy, cwd=tmp_path, PYTHONPATH=str(ROOT))

    assert broken.returncode != 0
    assert "core/rates.py" in broken.stdout
    assert "[return-value]" in broken.stdout


def test_mypy_checks_core_the_workflows_and_the_comment_path():
    """Every module the house style holds to the type checker is in mypy's list once it
    exists."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    checked = set(config["tool"]["mypy"]["files"])
    required = ["core", "consult/workflow", "occupations/workflow.py", "consult/intake"]

    assert [name for name in required if (ROOT / name).exists() and name not in checked] == []


def test_an_upper_layer_imported_from_below_breaks_the_contracts(tmp_path):
    copy_sources(tmp_path, LAYERED_PACKAGES)
    append(tmp_path / "occupations" / "views.py", "\nimport consult.public.views  # noqa: E402\n")

    result = run(
        str(BIN / "lint-imports"), f"--cache-dir={tmp_path / 'import-linter-cache'}", cwd=tmp_path
    )

    assert result.returncode != 0
    name = "Layers: config -> seeds, bench -> consult -> occupations -> staff -> core"
    assert contract_status(result.stdout, name) == "BROKEN"
    assert "occupations.views -> consult.public.views" in result.stdout


def import_circles(packages: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Each import that closes a circle, with the circle: ``(a, b, ..., a)`` where ``a`` imports
    ``b`` and the chain leads back to ``a``. Read from grimp's graph, the one import-linter
    reads, so imports inside functions count too."""
    graph = grimp.build_graph(*packages, cache_dir=None)
    circles = []
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back:
                circles.append((module, *back))
    return circles


def in_models(module: str) -> bool:
    return ".models." in f"{module}."


def test_no_import_circle_outside_the_models():
    """Models of one app may refer to each other (Django resolves them lazily anyway); nothing
    else may import, even inside a function, a module that imports it back."""
    circles = import_circles(LAYERED_PACKAGES)

    assert [c for c in circles if not all(in_models(m) for m in c)] == []


def test_a_new_circle_is_found(tmp_path, monkeypatch):
    copy_sources(tmp_path, LAYERED_PACKAGES)
    append(
        tmp_path / "consult" / "delivery" / "outbox.py",
        "\n\ndef _late():\n    from consult import schedules  # noqa: F401\n",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in list(sys.modules):
        if name.split(".")[0] in LAYERED_PACKAGES:
            monkeypatch.delitem(sys.modules, name)

    circles = import_circles(LAYERED_PACKAGES)

    assert ("consult.delivery.outbox", "consult.schedules", "consult.delivery.outbox") in circles


def test_consult_keeps_few_entries_at_its_top_level():
    entries = sorted(
        path.name
        for path in (ROOT / "consult").iterdir()
        if path.name != "__pycache__" and (path.is_dir() or path.suffix == ".py")
    )

    assert len(entries) <= CONSULT_TOP_LEVEL_MAX, entries
