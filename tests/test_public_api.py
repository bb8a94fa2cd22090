"""The public API is explicit, sorted and importable; everything in it is documented."""

from __future__ import annotations

import inspect

import crowdaudit


def test_all_is_sorted_and_complete() -> None:
    assert crowdaudit.__all__ == sorted(crowdaudit.__all__)
    for name in crowdaudit.__all__:
        assert hasattr(crowdaudit, name), name


def test_public_items_have_docstrings() -> None:
    for name in crowdaudit.__all__:
        item = getattr(crowdaudit, name)
        if inspect.isclass(item) or inspect.isfunction(item):
            assert inspect.getdoc(item), name


def test_every_error_derives_from_the_common_base() -> None:
    errors = [getattr(crowdaudit, n) for n in crowdaudit.__all__ if n.endswith("Error")]
    assert errors
    for error in errors:
        assert issubclass(error, crowdaudit.CrowdAuditError)


def test_read_job_from_a_path(birds_folder) -> None:  # type: ignore[no-untyped-def]
    job = crowdaudit.read_job(birds_folder)
    assert job.responses.height == 1510
    result = crowdaudit.build_audit([job])
    assert result.workers.height == 97
    assert result.responses.height == 1510
