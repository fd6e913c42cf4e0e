"""The documentation is self-contained: every link resolves inside the repository, and the
README's map of the code names only paths that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
DOCUMENTS = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FILE_MENTION = re.compile(r"`((?:\.\./)*[\w./-]+\.md)`")


def _targets(document: Path) -> list[str]:
    text = document.read_text(encoding="utf-8")
    return [*LINK.findall(text), *FILE_MENTION.findall(text)]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_every_relative_link_resolves_inside_the_repository(document: Path) -> None:
    for target in _targets(document):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue  # a web address or an anchor in the same page
        path = target.split("#", 1)[0]
        found = next(
            (base / path for base in (document.parent, ROOT) if (base / path).exists()), None
        )
        assert found is not None, f"{document.name} links to {target}, which does not exist"
        assert ROOT in found.resolve().parents, f"{document.name}: {target} is outside the repo"


def test_nothing_points_outside_the_repository() -> None:
    for document in DOCUMENTS:
        assert "../shared" not in document.read_text(encoding="utf-8"), document.name


def test_the_readme_links_the_documents_a_clone_needs() -> None:
    links = set(LINK.findall((ROOT / "README.md").read_text(encoding="utf-8")))
    wanted = {"docs/security.md", "docs/architecture.md", "docs/policy.md", "CHANGELOG.md"}
    assert wanted <= links
    assert "LICENSE" in links
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


def _code_map() -> list[str]:
    """The lines of the README's code map: the fenced block under "How it is built"."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How it is built", 1)[1]
    block = section.split("```", 2)[1]
    return [line for line in block.splitlines() if line.strip()]


def test_the_readme_code_map_names_only_what_exists() -> None:
    lines = _code_map()
    assert lines[0] == "src/safeops/"
    named = 0
    for line in lines[1:]:
        where, _, what = line.strip().partition(" ")
        base = ROOT / "src" / "safeops" if line.startswith("  ") else ROOT
        assert (base / where).exists(), f"README names {where}, which does not exist"
        folder = base / where if where.endswith("/") else base
        for token in re.findall(r"[\w/.-]+\.(?:py|toml|md|sh)\b|[\w/.-]+/(?=[\s,)]|$)", what):
            assert (folder / token).exists(), f"README names {token} in {where}, not found"
            named += 1
    assert named >= 30


def test_the_code_map_has_one_line_per_package() -> None:
    mapped = {line.split()[0].rstrip("/") for line in _code_map()[1:] if line.startswith("  ")}
    packages = {
        str(init.parent.relative_to(ROOT / "src" / "safeops"))
        for init in (ROOT / "src" / "safeops").rglob("__init__.py")
        if init.parent != ROOT / "src" / "safeops"
    }
    assert packages <= mapped, f"packages missing from the README: {sorted(packages - mapped)}"
