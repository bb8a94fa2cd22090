"""The ``crowdaudit`` command: parse arguments, call the library, turn its errors into exit codes.

Exit codes: 0 success; 1 the input or environment is wrong (``error: …`` on stderr); 2 usage error.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from crowdaudit._cli_account import build_engine, warn_unreadable
from crowdaudit._cli_shared import LimitOpt, QuietOpt, ReadArgs, with_read_options
from crowdaudit._cli_terminal import (
    MinObjectsOpt,
    OnlyOpt,
    PlainGroup,
    PlainHelp,
    ProgressBars,
    SortOpt,
    View,
)
from crowdaudit._version import __version__
from crowdaudit.audit import Audit, build_audit
from crowdaudit.audit import audit as run_audit
from crowdaudit.demo import DEMO_JOB, load_demo_gold, load_demo_store
from crowdaudit.errors import CrowdAuditError, SkippedRecord
from crowdaudit.ledger import Contributions
from crowdaudit.ledger import contributions as build_ledger
from crowdaudit.model import Job
from crowdaudit.options import ReadOptions
from crowdaudit.report.figures import ranking_caution
from crowdaudit.report.ledger_quality import has_personal_data
from crowdaudit.report.outputs import Written, ledger_format
from crowdaudit.report.plain import plain
from crowdaudit.report.terminal import (
    render_check_list,
    render_contributions_table,
    render_summary_line,
    render_worker_table,
)
from crowdaudit.sources.exports import FORMAT_NAMES, ExportOptions
from crowdaudit.sources.groundtruth import read_job_folder
from crowdaudit.tasks.custom import COMPARES, check_path
from crowdaudit.tasks.entities import SPAN_MATCHES
from crowdaudit.tasks.registry import TASK_TYPE_NAMES, TaskOptions

__all__ = ["app", "main"]

app = typer.Typer(
    name="crowdaudit",
    help="Audit the people behind your labels: accuracy against gold, agreement, time and "
    "contributions of the workers of labeling jobs: SageMaker Ground Truth, Label Studio, "
    "Mechanical Turk, Toloka, or any long table of answers.",
    no_args_is_help=True,
    add_completion=True,
    cls=PlainGroup,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

stdout = Console()
stderr = Console(stderr=True)

_MAX_LISTED_SKIPS = 10
_PIPED_WIDTH = 160


def _tell(label: str, style: str, message: str) -> None:
    """One line on stderr: a styled label, then ``message`` as literal text (paths, ids and server
    messages are never read as markup, their control characters are shown escaped)."""
    line = Text.assemble((label, style), " " if label else "", plain(message))
    stderr.print(line, highlight=False, soft_wrap=True)


@contextmanager
def _cli_errors() -> Iterator[None]:
    """Print crowdaudit's errors as one line and exit 1; anything else is a bug and keeps its traceback."""
    try:
        yield
    except CrowdAuditError as exc:
        _tell("error:", "bold red", exc.message)
        raise typer.Exit(1) from None


def _warn_skipped(records: tuple[SkippedRecord, ...] | list[SkippedRecord]) -> None:
    if not records:
        return
    _tell("warning:", "yellow", f"skipped {len(records)} unusable file(s) or record(s):")
    for record in records[:_MAX_LISTED_SKIPS]:
        _tell("", "", f"  {record.where} ({record.why})")
    if len(records) > _MAX_LISTED_SKIPS:
        _tell("", "", f"  … and {len(records) - _MAX_LISTED_SKIPS} more, listed in summary.json")


@contextmanager
def _interrupts(progress: ProgressBars, *, cached: bool) -> Iterator[None]:
    """Ctrl-C: one line saying how far reading got and that a re-run resumes, then exit 130."""
    try:
        yield
    except KeyboardInterrupt:
        done, total = progress.read
        how = "read and cached; run the same command to resume" if cached else "read (no cache)"
        _tell("interrupted:", "bold yellow", f"{done:,} of {total:,} files {how}")
        raise typer.Exit(130) from None


def _show(result: Audit, *, view: View) -> None:
    for warning in result.summary["warnings"]:
        _tell("warning:", "yellow", warning)
    _warn_skipped([SkippedRecord(**record) for record in result.summary["skipped"]])
    # Piped or redirected output keeps whole worker ids rather than fitting 80 columns.
    console = stdout if stdout.is_terminal else Console(width=_PIPED_WIDTH)
    table = render_worker_table(
        result.workers,
        limit=view.limit or None,
        width=console.width,
        sort=view.sort,
        only=view.only,
        min_objects=view.min_objects,
    )
    console.print(table)
    console.print(plain(render_summary_line(result.summary)), highlight=False)
    if caution := ranking_caution(result.summary):
        console.print(plain(caution, style="yellow"), highlight=False)
    for line in render_check_list(result.workers, width=console.width):
        console.print(line, highlight=False, soft_wrap=True)


def _tell_written(written: Written) -> None:
    if written.folder is not None:
        _tell("", "", f"wrote {', '.join(written.files)} to {written.folder}")
    for uri in written.extras:
        _tell("", "", f"wrote the seed notebook's JSON to {uri}")


@contextmanager
def _reading(read: ReadArgs) -> Iterator[ReadOptions]:
    """The shared options as the library's, with the engine started and progress bars shown for
    the duration; Ctrl-C says how far reading got."""
    aws = read.aws()
    with (
        build_engine(
            read.engine, read.ray_address, aws=aws, concurrency=read.concurrency
        ) as engine,
        ProgressBars(stderr, enabled=not read.quiet) as progress,
        _interrupts(progress, cached=not read.no_cache),
    ):
        yield read.options(aws=aws, progress=progress, engine=engine)


SourcesArg = Annotated[
    list[str] | None,
    typer.Argument(
        help="Output folder of a labeling job (the one holding annotations/ and manifests/), "
        "as a local path or an s3:// URI; or one export file: Label Studio (JSON, JSON-MIN, "
        "CSV), a Mechanical Turk batch results CSV, a Toloka results TSV, or a CSV/Parquet table "
        "with columns task, worker, label[, seconds, submitted_at]. Several may be given.",
        show_default=False,
    ),
]
JobOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--job",
        help="A labeling job name, looked up in SageMaker (DescribeLabelingJob) for its output "
        "folder and label attribute. Repeat for several jobs.",
        show_default=False,
    ),
]
TaskTypeOpt = Annotated[
    str | None,
    typer.Option(
        help=f"Task type, when the manifest's metadata does not say: {', '.join(TASK_TYPE_NAMES)}.",
        rich_help_panel="Task types",
    ),
]
AnswerPathOpt = Annotated[
    str | None,
    typer.Option(
        help="Custom templates: dotted path to the answer in answerContent, e.g. "
        "annotatedResult.label.",
        rich_help_panel="Task types",
    ),
]
LabelPathOpt = Annotated[
    str | None,
    typer.Option(
        help="Custom jobs: dotted path to the label inside the consolidated value, e.g. result "
        "(a string holding JSON is decoded, e.g. boxesInfo).",
        rich_help_panel="Task types",
    ),
]
CompareOpt = Annotated[
    str,
    typer.Option(
        help="Custom templates: how answers compare: exact, jaccard (label sets) or number.",
        rich_help_panel="Task types",
    ),
]
IouOpt = Annotated[
    float,
    typer.Option(
        help="Bounding boxes: least IoU for two boxes of the same label to match.",
        min=0.0,
        max=1.0,
        rich_help_panel="Task types",
    ),
]
SpanMatchOpt = Annotated[
    str,
    typer.Option(
        help="Entities: exact (same offsets and label) or overlap (partial credit).",
        rich_help_panel="Task types",
    ),
]
ControlOpt = Annotated[
    str | None,
    typer.Option(
        help="Label Studio: the control (from_name) whose results are the answers, when the "
        "project has several.",
        rich_help_panel="Platform exports",
    ),
]
AnswerColumnOpt = Annotated[
    str | None,
    typer.Option(
        help="Mechanical Turk, Toloka: the Answer.* or OUTPUT:* column, when there are several.",
        rich_help_panel="Platform exports",
    ),
]


def _export_options(
    export_format: str | None,
    control: str | None,
    answer_column: str | None,
    include_rejected: bool,
    task: TaskOptions | None = None,
) -> ExportOptions:
    """The platform export options; an unknown ``--format`` is a usage error (exit 2)."""
    if export_format is not None and export_format not in FORMAT_NAMES:
        raise typer.BadParameter(
            f"{export_format!r} is not one of {', '.join(FORMAT_NAMES)}", param_hint="--format"
        )
    return ExportOptions(
        format=export_format,
        control=control,
        answer_column=answer_column,
        include_rejected=include_rejected,
        task=task or TaskOptions(),
    )


def _task_options(
    task_type: str | None,
    answer_path: str | None,
    compare: str,
    iou: float,
    span_match: str,
    label_path: str | None = None,
) -> TaskOptions:
    """The task options, checked here so that a wrong value is a usage error (exit 2)."""
    choices = {
        "--task-type": (task_type, (None, *TASK_TYPE_NAMES)),
        "--compare": (compare, COMPARES),
        "--span-match": (span_match, SPAN_MATCHES),
    }
    for option, (value, allowed) in choices.items():
        if value not in allowed:
            listed = ", ".join(str(choice) for choice in allowed if choice)
            raise typer.BadParameter(f"{value!r} is not one of {listed}", param_hint=option)
    for option, path in (("--answer-path", answer_path), ("--label-path", label_path)):
        try:
            check_path(path, option)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint=option) from exc
    return TaskOptions(task_type, answer_path, compare, iou, span_match, label_path)


def _note_cache(jobs: Sequence[Job], *, quiet: bool) -> None:
    if quiet:
        return
    for job in jobs:
        total = job.stats.get("n_response_files", 0)
        if job.n_fetched < total:
            _tell(
                "", "", f"{job.name}: {total - job.n_fetched:,} of {total:,} files from the cache"
            )


GoldOpt = Annotated[
    str | None,
    typer.Option(
        help='Gold labels: a golden manifest ({"<datasetObjectId>": "<label>"} per line), a '
        "CSV with columns task,label, or JSON Lines with source-ref/source and label. Path or s3://.",
    ),
]
AuditOutOpt = Annotated[
    str | None,
    typer.Option(
        help="Folder or s3:// prefix for workers.csv, workers.parquet, workers.json, "
        "items.csv, summary.json and report.html (and history.csv with several jobs).",
    ),
]
SeedJsonOpt = Annotated[
    str | None,
    typer.Option(help="Also write the seed notebook's per-worker JSON to this path or s3:// URI."),
]


@app.command(cls=PlainHelp)
@with_read_options
def audit(
    sources: SourcesArg = None,
    job: JobOpt = None,
    gold: GoldOpt = None,
    label_attribute: Annotated[
        str | None,
        typer.Option(help="Attribute of the output manifest holding the consolidated labels."),
    ] = None,
    out: AuditOutOpt = None,
    seed_json: SeedJsonOpt = None,
    task_type: TaskTypeOpt = None,
    answer_path: AnswerPathOpt = None,
    label_path: LabelPathOpt = None,
    compare: CompareOpt = "exact",
    iou_threshold: IouOpt = 0.5,
    span_match: SpanMatchOpt = "exact",
    control: ControlOpt = None,
    answer_column: AnswerColumnOpt = None,
    sort: SortOpt = "best",
    only: OnlyOpt = None,
    min_objects: MinObjectsOpt = 0,
    *,
    read: ReadArgs,
) -> None:
    """Audit the workers of one or more labeling jobs: accuracy on gold, agreement, time.

    Examples:

        crowdaudit audit ./my-job/ --gold golden.manifest --out audit/ --sort worst

        crowdaudit audit s3://bucket/output/my-job/ --gold s3://bucket/golden.manifest --out audit/

        crowdaudit audit --job my-job --profile labeling --out s3://bucket/audits/my-job/

        crowdaudit audit --all-jobs --since 2026-07-01 --status Completed --out audit/
    """
    if not sources and not job and not read.all_jobs:
        _tell("error:", "bold red", "give a SOURCE or --job (or --all-jobs); see --help")
        raise typer.Exit(2)
    view = View(read.limit, sort, only, min_objects)
    task = _task_options(task_type, answer_path, compare, iou_threshold, span_match, label_path)
    job_filter = read.job_filter([*(sources or []), *(job or [])])
    export = _export_options(
        read.export_format, control, answer_column, read.include_rejected, task
    )
    with _cli_errors(), _reading(read) as options:
        result = run_audit(
            *(sources or []),
            job_names=job or [],
            gold=gold or None,
            all_jobs=job_filter,
            options=options,
            label_attribute=label_attribute,
            task_options=task,
            export=export,
        )
    _note_cache(result.jobs, quiet=read.quiet)
    warn_unreadable(stderr, result.unreadable)
    with _cli_errors():
        written = result.write(out or None, seed_json=seed_json or None, aws=options.aws)
    _tell_written(written)
    _show(result, view=view)


@app.command(cls=PlainHelp)
def demo(
    out: Annotated[str, typer.Option(help="Folder for the outputs.")] = "crowdaudit-demo",
    limit: LimitOpt = 25,
    sort: SortOpt = "best",
    only: OnlyOpt = None,
    min_objects: MinObjectsOpt = 0,
    quiet: QuietOpt = False,
) -> None:
    """Audit the bundled real job: a 2019 Ground Truth image-classification job with gold labels."""
    view = View(limit, sort, only, min_objects)
    with _cli_errors():
        store = load_demo_store()
        result = build_audit([read_job_folder(store, f"{DEMO_JOB}/")], load_demo_gold())
        written = result.write(out, seed_json=Path(out) / "seed.json")
    _tell_written(written)
    _show(result, view=view)


WithAuditOpt = Annotated[
    bool,
    typer.Option(
        help="Audit the same jobs too, and add each person's verdict, its reason and skill "
        "beside their work and payout, so a payout list never hides a worker to check.",
    ),
]
SeedCsvOpt = Annotated[
    str | None,
    typer.Option(
        help="Also write the contribution notebook's CSV (username, user_sub, "
        "label_count) to this path or s3:// URI.",
        show_default=False,
    ),
]
LedgerOutOpt = Annotated[
    str,
    typer.Option(
        help="The ledger file, local or s3://; its extension picks the format: .csv, .json "
        "or .parquet. It holds personal data (names, e-mails) where Cognito knows them.",
    ),
]


@app.command(no_args_is_help=True, cls=PlainHelp)
@with_read_options
def contributions(
    sources: SourcesArg = None,
    job: JobOpt = None,
    identities: Annotated[
        bool,
        typer.Option(
            help="Look up the Cognito user name and e-mail behind each private worker "
            "(needs the cognito-idp ListUsers permission).",
        ),
    ] = True,
    allow_missing_identities: Annotated[
        bool,
        typer.Option(
            help="If Cognito cannot be asked, still write the ledger, with names left empty.",
        ),
    ] = False,
    by_job: Annotated[bool, typer.Option(help="One row per person and job.")] = False,
    with_audit: WithAuditOpt = False,
    seed_csv: SeedCsvOpt = None,
    out: LedgerOutOpt = "contributions.csv",
    rate_per_object: Annotated[
        float | None,
        typer.Option(
            help="USD paid per answer; adds payout_usd. Jobs given with --job default to their "
            "public-workforce task price.",
            min=0,
        ),
    ] = None,
    rate_per_hour: Annotated[
        float | None,
        typer.Option(help="USD paid per hour of recorded work time; adds payout_usd.", min=0),
    ] = None,
    *,
    read: ReadArgs,
) -> None:
    """Who did how much work, for how long, across jobs — with the person behind each worker id.

    Examples:

        crowdaudit contributions s3://bucket/output/job-a/ s3://bucket/output/job-b/

        crowdaudit contributions --job job-a --job job-b --rate-per-hour 18 --out pay.csv
    """
    try:
        ledger_format(out)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--out'") from None
    if seed_csv and by_job:
        raise typer.BadParameter("needs one row per person, not --by-job", param_hint="--seed-csv")
    job_filter = read.job_filter([*(sources or []), *(job or [])])
    export = _export_options(read.export_format, None, None, read.include_rejected)
    with _cli_errors():
        with _reading(read) as options:
            ledger = build_ledger(
                *(sources or []),
                job_names=job or [],
                all_jobs=job_filter,
                identities=identities,
                allow_missing_identities=allow_missing_identities,
                by_job=by_job,
                rate_per_object=rate_per_object,
                rate_per_hour=rate_per_hour,
                with_audit=with_audit,
                options=options,
                export=export,
            )
        written = ledger.write(out, seed_csv=seed_csv or None, aws=options.aws)
    _tell_ledger(ledger, written, limit=read.limit or None)


def _tell_ledger(ledger: Contributions, written: Written, *, limit: int | None) -> None:
    """The ledger's warnings, its table, and where it was written (with the personal-data notice
    when names or e-mails are in it)."""
    for warning in (warning for job in ledger.jobs for warning in job.warnings):
        _tell("warning:", "yellow", warning)
    _warn_skipped([record for job in ledger.jobs for record in job.skipped])
    warn_unreadable(stderr, ledger.unreadable)
    if ledger.identity_error is not None:
        _tell("warning:", "yellow", f"names left empty: {ledger.identity_error.message}")
    if ledger.unresolved:
        _tell(
            "warning:",
            "yellow",
            f"{len(ledger.unresolved)} Cognito user(s) not found (deleted?); their rows have no name",
        )
    console = stdout if stdout.is_terminal else Console(width=_PIPED_WIDTH)
    table = ledger.table
    console.print(render_contributions_table(table, limit=limit))
    notice = " (it holds personal data: names or e-mails)" if has_personal_data(table) else ""
    _tell("", "", f"wrote {table.height} rows to {written.extras[0]}{notice}")
    if len(written.extras) > 1:
        _tell("", "", f"wrote the contribution notebook's CSV to {written.extras[1]}")


def _version(value: bool) -> None:
    if value:
        stdout.print(f"crowdaudit {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Audit the people behind your labels."""


def main() -> None:
    """Entry point of the ``crowdaudit`` console script."""
    app(prog_name="crowdaudit")


if __name__ == "__main__":  # pragma: no cover
    main()
