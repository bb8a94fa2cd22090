"""crowdaudit: audit the people behind your labels.

Read SageMaker Ground Truth job output (on disk or in S3), then ask who is accurate against gold,
who agrees with the others, and who did how much work for how long::

    import crowdaudit

    result = crowdaudit.audit("s3://bucket/output/my-job/", gold="golden.manifest")
    result.workers          # one row per worker (a polars DataFrame)
    result.summary          # job-level figures
    result.write("audit/")  # workers.csv, items.csv, summary.json, report.html… (or s3://)

Every reader takes the same :class:`ReadOptions` (``options=``), or its fields as keywords.
``help(crowdaudit.audit)`` and the other public names say more; ``crowdaudit.__version__`` is
the installed version.
"""

from crowdaudit._version import __version__
from crowdaudit.audit import (
    Audit,
    audit,
    build_audit,
    read_account,
    read_gold,
    read_job,
    read_jobs,
)
from crowdaudit.demo import demo_gold, demo_job
from crowdaudit.errors import (
    AccessDeniedError,
    CredentialsError,
    CrowdAuditError,
    EmptyJobError,
    GoldFormatError,
    IdentityError,
    InputFormatError,
    LabelAttributeError,
    ManifestFormatError,
    OutputError,
    ResponseFormatError,
    SkippedRecord,
    SourceError,
    SourceNotFoundError,
)
from crowdaudit.ledger import Contributions, contributions
from crowdaudit.model import Gold, Job
from crowdaudit.options import ReadOptions
from crowdaudit.report.outputs import Written
from crowdaudit.sources.aws import AwsConfig
from crowdaudit.sources.discovery import JobFilter
from crowdaudit.sources.exports import ExportOptions
from crowdaudit.sources.ray_engine import RayEngine
from crowdaudit.tasks.registry import TaskOptions

__all__ = [
    "AccessDeniedError",
    "Audit",
    "AwsConfig",
    "Contributions",
    "CredentialsError",
    "CrowdAuditError",
    "EmptyJobError",
    "ExportOptions",
    "Gold",
    "GoldFormatError",
    "IdentityError",
    "InputFormatError",
    "Job",
    "JobFilter",
    "LabelAttributeError",
    "ManifestFormatError",
    "OutputError",
    "RayEngine",
    "ReadOptions",
    "ResponseFormatError",
    "SkippedRecord",
    "SourceError",
    "SourceNotFoundError",
    "TaskOptions",
    "Written",
    "__version__",
    "audit",
    "build_audit",
    "contributions",
    "demo_gold",
    "demo_job",
    "read_account",
    "read_gold",
    "read_job",
    "read_jobs",
]
