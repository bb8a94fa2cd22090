"""``help()`` on every public name reads well: a first line that is a sentence, every parameter
and field named, what comes back and what can go wrong, and an example for each function."""

from __future__ import annotations

import dataclasses
import inspect
import re

import pytest

import crowdaudit

NAMES = [name for name in crowdaudit.__all__ if name != "__version__"]
FUNCTIONS = [name for name in NAMES if inspect.isfunction(getattr(crowdaudit, name))]
CLASSES = [name for name in NAMES if inspect.isclass(getattr(crowdaudit, name))]
ERRORS = [name for name in CLASSES if issubclass(getattr(crowdaudit, name), Exception)]
# Functions that read files, S3 or AWS, and say what they raise.
READERS = ("audit", "contributions", "read_account", "read_gold", "read_job", "read_jobs")


def _doc(name: str) -> str:
    item = getattr(crowdaudit, name)
    doc = item.__doc__  # its own, not one inherited from a base class
    assert doc, f"{name} has no docstring"
    return inspect.cleandoc(doc)


def _section(doc: str, title: str) -> str:
    """The indented block under ``title:`` (Google style), or ``""``."""
    match = re.search(rf"^{title}:\n((?:(?: {{4}}.*)?\n)+)", doc + "\n", re.M)
    return match.group(1) if match else ""


def _named(block: str) -> set[str]:
    """The names a section documents: ``name:`` or ``name, other:`` at the start of a line."""
    names: set[str] = set()
    for line in block.splitlines():
        match = re.match(r"^ {4}(\*{0,2}\w+(?:, \*{0,2}\w+)*)(?: \(.*?\))?:", line)
        if match:
            names.update(part.lstrip("*") for part in match.group(1).split(", "))
    return names


def test_the_lists_are_not_empty() -> None:
    # Guards the parametrisations below against an import change that would empty them.
    assert len(FUNCTIONS) >= 9
    assert len(CLASSES) >= 20
    assert len(ERRORS) >= 13


@pytest.mark.parametrize("name", NAMES)
def test_first_line_is_a_sentence(name: str) -> None:
    first = _doc(name).splitlines()[0]
    assert re.match(r"^[A-Z`]", first), first
    assert first.endswith("."), first
    assert len(first) <= 100, first
    assert len(first.split()) >= 4, first


@pytest.mark.parametrize("name", FUNCTIONS)
def test_functions_name_every_parameter_and_show_an_example(name: str) -> None:
    function = getattr(crowdaudit, name)
    doc = _doc(name)
    parameters = set(inspect.signature(function).parameters)
    assert parameters <= _named(_section(doc, "Args")), parameters - _named(_section(doc, "Args"))
    assert _section(doc, "Returns").strip(), f"{name}: no Returns section"
    assert re.search(r"^Example", doc, re.M), f"{name}: no example"
    if name in READERS:
        assert _named(_section(doc, "Raises")) & {"SourceError", "CrowdAuditError"}, name


@pytest.mark.parametrize("name", [n for n in CLASSES if n not in ERRORS])
def test_classes_name_every_field(name: str) -> None:
    item = getattr(crowdaudit, name)
    doc = _doc(name)
    if dataclasses.is_dataclass(item):
        fields = {field.name for field in dataclasses.fields(item)}
        documented = _named(_section(doc, "Attributes"))
    else:
        fields = set(inspect.signature(item).parameters)
        documented = _named(_section(doc, "Args"))
    assert fields <= documented, fields - documented


@pytest.mark.parametrize("name", ERRORS)
def test_errors_say_when_they_are_raised(name: str) -> None:
    # Beyond the first line: the situations (or, for the base, how to catch it).
    doc = _doc(name)
    assert len(doc.split("\n\n")) >= 2, doc
    if name == "CrowdAuditError":
        assert re.search(r"^Example", doc, re.M)
        assert {"what", "where", "why", "hint"} <= _named(_section(doc, "Attributes"))


def test_the_version_is_documented_on_the_package() -> None:
    assert "__version__" in (crowdaudit.__doc__ or "")
