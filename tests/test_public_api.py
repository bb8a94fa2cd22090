"""The public API is explicit, sorted and importable; everything in it is documented."""

from __future__ import annotations

import inspect

import crowdaudit
import crowdaudit.errors


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


def test_every_public_error_class_of_errors_py_is_exported() -> None:
    # Read from the module itself, not from __all__: a class added to errors.py and forgotten in
    # crowdaudit.__all__ fails here.
    declared = {
        name
        for name, item in vars(crowdaudit.errors).items()
        if inspect.isclass(item)
        and item.__module__ == "crowdaudit.errors"
        and issubclass(item, Exception)
        and not name.startswith("_")
    }
    assert "IdentityError" in declared
    assert declared <= set(crowdaudit.__all__), declared - set(crowdaudit.__all__)
    assert declared <= set(crowdaudit.errors.__all__)


def test_context_is_keyword_only_and_rendered_in_one_form() -> None:
    error = crowdaudit.SourceError(
        "cannot read", where="s3://b/k", why="timed out", hint="try again"
    )
    assert str(error) == "cannot read: s3://b/k (timed out; try again)"
    assert str(crowdaudit.EmptyJobError("nothing", hint="give a job")) == "nothing (give a job)"
    try:
        crowdaudit.SourceError("cannot read", "s3://b/k")  # type: ignore[misc]
    except TypeError:
        pass
    else:
        raise AssertionError("where was accepted positionally")


def test_a_reworded_error_keeps_its_class_and_reason() -> None:
    denied = crowdaudit.AccessDeniedError("cannot use S3 bucket", where="s3://b/", why="403")
    reworded = denied.reworded("cannot list S3 objects", where="s3://b/out/")
    assert type(reworded) is crowdaudit.AccessDeniedError
    assert str(reworded) == "cannot list S3 objects: s3://b/out/ (403)"
    assert str(denied) == "cannot use S3 bucket: s3://b/ (403)"
    bad = crowdaudit.ResponseFormatError("x", where="f", why="y", code="truncated")
    assert bad.reworded("z", where="g").code == "truncated"


def test_read_job_from_a_path(birds_folder) -> None:  # type: ignore[no-untyped-def]
    job = crowdaudit.read_job(birds_folder)
    assert job.responses.height == 1510
    result = crowdaudit.build_audit([job])
    assert result.workers.height == 97
    assert result.responses.height == 1510


def test_read_job_takes_the_task_options_audit_takes() -> None:
    from pathlib import Path

    from crowdaudit.schema import COL

    folder = Path(__file__).parent / "data" / "types" / "custom"
    options = crowdaudit.TaskOptions(answer_path="annotatedResult.label")
    job = crowdaudit.read_job(folder, task_options=options)
    via_audit = crowdaudit.audit(folder, task_options=options)
    # Without the answer path the whole answer would be the label ('{"label":…,"score":4}').
    assert job.responses.get_column(COL.LABEL).to_list()[:3] == [
        "Response 1",
        "Response 1",
        "Response 2",
    ]
    assert job.responses.get_column(COL.LABEL).to_list() == (
        via_audit.responses.get_column(COL.LABEL).to_list()
    )
