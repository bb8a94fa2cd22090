"""The command-line options of a whole-account audit (``--all-jobs`` and its filters, ``--engine``),
kept apart from :mod:`crowdaudit.cli` so that the commands only list them."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Annotated, Any, Final

import typer
from rich.console import Console

from crowdaudit.sources.aws import AwsConfig
from crowdaudit.sources.discovery import (
    JOB_STATUSES,
    JobFilter,
    UnreadableJob,
    parse_date,
)
from crowdaudit.sources.ray_engine import RayEngine

__all__ = [
    "AllJobsOpt",
    "EngineOpt",
    "NameContainsOpt",
    "RayAddressOpt",
    "SinceOpt",
    "StatusOpt",
    "UntilOpt",
    "WorkteamOpt",
    "build_engine",
    "build_job_filter",
    "warn_unreadable",
]

_PANEL: Final = "Whole account"

AllJobsOpt = Annotated[
    bool,
    typer.Option(
        "--all-jobs",
        help="Every labeling job of the account (ListLabelingJobs), narrowed by the options below; "
        "jobs that cannot be read are listed with the reason in summary.json.",
        rich_help_panel=_PANEL,
    ),
]


def _narrowing(help: str) -> Any:
    """An option that narrows ``--all-jobs``: a text, in the account panel, no default shown."""
    return typer.Option(help=help, rich_help_panel=_PANEL, show_default=False)


_WHEN: Final = "(YYYY-MM-DD, or an ISO 8601 time; UTC)"

SinceOpt = Annotated[str | None, _narrowing(f"Jobs created on or after this date {_WHEN}.")]
UntilOpt = Annotated[str | None, _narrowing(f"Jobs created up to this date, inclusive {_WHEN}.")]
StatusOpt = Annotated[str | None, _narrowing(f"Jobs with this status: {', '.join(JOB_STATUSES)}.")]
NameContainsOpt = Annotated[str | None, _narrowing("Jobs whose name contains this text.")]
WorkteamOpt = Annotated[str | None, _narrowing("Jobs labeled by the work team with this ARN.")]
EngineOpt = Annotated[
    str,
    typer.Option(
        help="How answers are fetched and parsed: local (threads in this process) or ray (Ray "
        "tasks: one per iteration-N/ folder to list, one per 2,000 files to parse; pip install "
        "'crowdaudit\\[ray]').",
        rich_help_panel="Scale",
    ),
]
RayAddressOpt = Annotated[
    str | None,
    typer.Option(
        help="Address of a running Ray cluster (ray://host:10001 or auto); without it a local "
        "Ray starts for the run.",
        rich_help_panel="Scale",
        show_default=False,
    ),
]


def _date(text: str | None, option: str, *, end_of_day: bool) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_date(text, end_of_day=end_of_day)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=option) from exc


def build_job_filter(
    all_jobs: bool,
    *,
    since: str | None,
    until: str | None,
    status: str | None,
    name_contains: str | None,
    workteam: str | None,
    named: Sequence[str],
) -> JobFilter | None:
    """The filter of ``--all-jobs``, or ``None`` without it; wrong values are usage errors."""
    narrowing = {
        "--since": since,
        "--until": until,
        "--status": status,
        "--name-contains": name_contains,
        "--workteam": workteam,
    }
    if not all_jobs:
        given = [option for option, value in narrowing.items() if value is not None]
        if given:
            raise typer.BadParameter("needs --all-jobs", param_hint=given[0])
        return None
    if named:
        raise typer.BadParameter(
            "give --all-jobs or job folders and --job names, not both", param_hint="--all-jobs"
        )
    if status is not None and status not in JOB_STATUSES:
        raise typer.BadParameter(
            f"{status!r} is not one of {', '.join(JOB_STATUSES)}", param_hint="--status"
        )
    return JobFilter(
        since=_date(since, "--since", end_of_day=False),
        until=_date(until, "--until", end_of_day=True),
        status=status,
        name_contains=name_contains,
        workteam=workteam,
    )


def warn_unreadable(console: Console, jobs: Sequence[UnreadableJob]) -> None:
    """One warning line per job found but not read (the reasons are in summary.json too)."""
    if not jobs:
        return
    console.print(f"[yellow]warning:[/] {len(jobs)} job(s) not audited:", highlight=False)
    for job in jobs:
        console.print(f"  {job.name} ({job.reason})", highlight=False, markup=False, soft_wrap=True)


ENGINES: Final = ("local", "ray")


def build_engine(
    engine: str, ray_address: str | None, *, aws: AwsConfig, concurrency: int
) -> AbstractContextManager[RayEngine | None]:
    """The engine of ``--engine`` as a context: ``None`` for local, else a Ray engine that starts
    (or connects to) Ray on entry and stops what it started on exit."""
    if engine not in ENGINES:
        raise typer.BadParameter(
            f"{engine!r} is not one of {', '.join(ENGINES)}", param_hint="--engine"
        )
    if engine == "local":
        if ray_address is not None:
            raise typer.BadParameter("needs --engine ray", param_hint="--ray-address")
        return nullcontext()
    return RayEngine(aws, address=ray_address, concurrency=concurrency)
