"""Every public rule function names its grounds: a legal article or a domain.md section/decision (issue 12).

Why: a rule whose docstring does not say where it comes from cannot be checked against the law or
``../shared/domain.md`` (issue 12 found ten rules that had drifted). The check reads the source (no
import), so a new public function in a rule module without its grounds fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RULE_MODULES = sorted([
    *(ROOT / "services/registratie/domain").glob("*.py"),
    # teksten.py holds the Dutch labels and date writing of the officer's messages, not rules
    *(p for p in (ROOT / "services/leerplicht/domain").glob("*.py") if p.name != "teksten.py"),
    *(ROOT / "services/rmc/domain").glob("*.py"),
    ROOT / "services/telling/domain/figures.py",
    ROOT / "services/telling/domain/disclosure.py",
    ROOT / "leerrecht/leeftijd.py",
    ROOT / "leerrecht/leeftijdsgrens.py",
    ROOT / "leerrecht/kalender.py",
])


def names_grounds(doc: str) -> bool:
    """A legal article ("art. 21a Lpw", "art. 3 Algemene termijnenwet") or a domain.md section."""
    return "art. " in doc or "domain.md" in doc


def public_functions(path: Path) -> list[tuple[str, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [(n.name, ast.get_docstring(n) or "") for n in tree.body
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and not n.name.startswith("_")]


def test_the_rule_modules_are_found() -> None:
    assert len(RULE_MODULES) >= 30 and all(p.is_file() for p in RULE_MODULES)
    assert sum(len(public_functions(p)) for p in RULE_MODULES) >= 100


@pytest.mark.parametrize("path", RULE_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_public_rule_function_names_its_article_or_domain_decision(path: Path) -> None:
    missing = [name for name, doc in public_functions(path) if not names_grounds(doc)]
    assert not missing, f"{path.relative_to(ROOT)}: no 'art. …' or 'domain.md …' in the docstring of {missing}"


def test_the_check_fails_on_a_function_without_grounds(tmp_path: Path) -> None:
    bad = tmp_path / "regel.py"
    bad.write_text('def regel() -> None:\n    """Counts something."""\n\n\n'
                   'def goed() -> None:\n    """Grounds: art. 21a Lpw."""\n', encoding="utf-8")
    assert [n for n, d in public_functions(bad) if not names_grounds(d)] == ["regel"]
