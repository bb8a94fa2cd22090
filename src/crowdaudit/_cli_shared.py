"""Options the ``audit`` and ``contributions`` commands share, declared once.

Each command names only its own options and takes a :class:`ReadArgs` parameter called ``read``;
:func:`with_read_options` adds the shared ones to the command's signature (so Typer sees them, with
their help and defaults) and hands them to the command as one :class:`ReadArgs`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Annotated, Any, TypeVar, Unpack

import typer

from crowdaudit._cli_account import (
    AllJobsOpt,
    EngineOpt,
    NameContainsOpt,
    RayAddressOpt,
    SinceOpt,
    StatusOpt,
    UntilOpt,
    WorkteamOpt,
    build_job_filter,
)
from crowdaudit.options import ReadOptions, ReadOverrides, with_overrides
from crowdaudit.sources.aws import AwsConfig
from crowdaudit.sources.cache import default_cache_dir
from crowdaudit.sources.discovery import JobFilter
from crowdaudit.sources.exports import FORMAT_NAMES
from crowdaudit.sources.fetch import DEFAULT_CONCURRENCY

__all__ = ["LimitOpt", "QuietOpt", "ReadArgs", "with_read_options"]

ProfileOpt = Annotated[str | None, typer.Option(help="AWS profile to use.", rich_help_panel="AWS")]
RegionOpt = Annotated[str | None, typer.Option(help="AWS region to use.", rich_help_panel="AWS")]
EndpointOpt = Annotated[
    str | None,
    typer.Option(
        "--endpoint-url",
        help="S3 endpoint, for S3-compatible stores (AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL "
        "are honoured too).",
        rich_help_panel="AWS",
    ),
]
LimitOpt = Annotated[
    int,
    typer.Option(
        help="Rows of the terminal table to show; 0 shows all. The worker table of an audit always "
        "shows the workers to check.",
        min=0,
    ),
]
StrictOpt = Annotated[
    bool, typer.Option(help="Stop at the first unusable file instead of skipping and counting it.")
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")]
ConcurrencyOpt = Annotated[
    int,
    typer.Option(help="S3 objects to read at once (local files are read in turn).", min=1, max=512),
]
CacheOpt = Annotated[
    Path | None,
    typer.Option(
        help="Folder of the incremental cache: answers already parsed are kept with the ETags of "
        "their files, so a re-run fetches only new or changed files. [default: "
        "$XDG_CACHE_HOME/crowdaudit or ~/.cache/crowdaudit]",
        show_default=False,
    ),
]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Read every file; keep no cache.")]
FormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format",
        help=f"Read every source as this export instead of detecting it: {', '.join(FORMAT_NAMES)}.",
        rich_help_panel="Platform exports",
        show_default=False,
    ),
]
IncludeRejectedOpt = Annotated[
    bool,
    typer.Option(
        help="Mechanical Turk, Toloka: count rejected assignments as answers.",
        rich_help_panel="Platform exports",
    ),
]


@dataclass(frozen=True, slots=True)
class ReadArgs:
    """The shared options of a command that reads jobs, as given on the command line."""

    strict: StrictOpt = False
    """A bad file stops the run (``--strict``) or is skipped and counted."""
    profile: ProfileOpt = None
    region: RegionOpt = None
    endpoint_url: EndpointOpt = None
    concurrency: ConcurrencyOpt = DEFAULT_CONCURRENCY
    """Where and as whom AWS is called (:meth:`aws`), and how many S3 objects are read at
    once."""
    cache: CacheOpt = None
    no_cache: NoCacheOpt = False
    """The incremental cache's folder (:meth:`cache_folder`)."""
    export_format: FormatOpt = None
    include_rejected: IncludeRejectedOpt = False
    """How platform exports are read."""
    limit: LimitOpt = 25
    quiet: QuietOpt = False
    """What the terminal shows: rows of the table, and progress bars or none."""
    all_jobs: AllJobsOpt = False
    since: SinceOpt = None
    until: UntilOpt = None
    """Every job of the account (``--all-jobs``) created in a span of time (:meth:`job_filter`),"""
    status: StatusOpt = None
    name_contains: NameContainsOpt = None
    workteam: WorkteamOpt = None
    """narrowed by its status, a part of its name or its work team."""
    engine: EngineOpt = "local"
    ray_address: RayAddressOpt = None
    """Where answers are fetched and parsed: this process, or Ray tasks."""

    def aws(self) -> AwsConfig:
        """Where and as whom to call AWS, with a connection per concurrent read."""
        return AwsConfig(
            profile=self.profile,
            region=self.region,
            endpoint_url=self.endpoint_url,
            max_pool_connections=self.concurrency,
        )

    def job_filter(self, named: Sequence[str]) -> JobFilter | None:
        """The filter of ``--all-jobs`` (``None`` without it); wrong values are usage errors."""
        return build_job_filter(
            self.all_jobs,
            since=self.since,
            until=self.until,
            status=self.status,
            name_contains=self.name_contains,
            workteam=self.workteam,
            named=named,
        )

    def options(self, **fields: Unpack[ReadOverrides]) -> ReadOptions:
        """The library's options for these: ``strict``, ``concurrency``, ``cache`` and the AWS
        configuration (made from ``--profile``, ``--region`` and ``--endpoint-url`` unless given),
        with ``fields`` set too."""
        shared = ReadOptions(
            strict=self.strict,
            aws=self.aws(),
            concurrency=self.concurrency,
            cache=self.cache_folder(),
        )
        return with_overrides(shared, fields)

    def cache_folder(self) -> Path | None:
        """The cache folder, or ``None`` with ``--no-cache``."""
        if self.no_cache:
            return None
        return self.cache if self.cache is not None else default_cache_dir()


_Command = TypeVar("_Command", bound=Callable[..., None])


def _shared_parameters() -> list[inspect.Parameter]:
    hints = inspect.get_annotations(ReadArgs, eval_str=True)
    return [
        inspect.Parameter(
            field.name,
            inspect.Parameter.KEYWORD_ONLY,
            default=field.default,
            annotation=hints[field.name],
        )
        for field in fields(ReadArgs)
    ]


def with_read_options(command: _Command) -> _Command:
    """``command`` with the options of :class:`ReadArgs` added after its own, passed as ``read``."""
    signature = inspect.signature(command, eval_str=True)
    own = [parameter for name, parameter in signature.parameters.items() if name != "read"]
    shared = _shared_parameters()
    names = [parameter.name for parameter in shared]

    @functools.wraps(command)
    def wrapper(**values: Any) -> None:
        read = ReadArgs(**{name: values.pop(name) for name in names})
        command(read=read, **values)

    wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY) for parameter in own]
        + shared
    )
    return wrapper  # type: ignore[return-value]
