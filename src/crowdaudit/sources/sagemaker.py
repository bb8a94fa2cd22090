"""Finding a labeling job's output folder and label attribute through DescribeLabelingJob."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crowdaudit.errors import SourceNotFoundError
from crowdaudit.sources.aws_errors import translate_aws_error
from crowdaudit.sources.store import join_key

__all__ = ["JobInfo", "fetch_job_info", "parse_job_description"]


@dataclass(frozen=True, slots=True)
class JobInfo:
    """What crowdaudit needs from a DescribeLabelingJob response.

    Attributes:
        name: the labeling job's name.
        output_uri: ``<S3OutputPath>/<name>/``, the folder that holds ``annotations/``.
        label_attribute: ``LabelAttributeName``.
        status: ``LabelingJobStatus`` (``Completed``, ``InProgress``, …).
        price_per_object: the public-workforce task price in USD, when the job has one.
        workteam_arn: the work team that labeled the job.
    """

    name: str
    output_uri: str
    label_attribute: str | None
    status: str | None
    price_per_object: float | None
    workteam_arn: str | None


def _price(human: Mapping[str, Any]) -> float | None:
    amount = human.get("PublicWorkforceTaskPrice", {}).get("AmountInUsd")
    if not amount:
        return None
    return (
        int(amount.get("Dollars", 0))
        + int(amount.get("Cents", 0)) / 100
        + int(amount.get("TenthFractionsOfACent", 0)) / 1000
    )


def parse_job_description(response: Mapping[str, Any]) -> JobInfo:
    """Build :class:`JobInfo` from a DescribeLabelingJob response.

    ``S3OutputPath`` may or may not end in ``/``; the job folder is joined to it either way.
    """
    name = response["LabelingJobName"]
    human = response.get("HumanTaskConfig", {})
    output = join_key(response["OutputConfig"]["S3OutputPath"], name) + "/"
    return JobInfo(
        name=name,
        output_uri=output,
        label_attribute=response.get("LabelAttributeName"),
        status=response.get("LabelingJobStatus"),
        price_per_object=_price(human),
        workteam_arn=human.get("WorkteamArn"),
    )


def fetch_job_info(client: Any, name: str) -> JobInfo:
    """Call DescribeLabelingJob for ``name``.

    Raises:
        SourceNotFoundError: no labeling job has that name in the account and region.
        CredentialsError, AccessDeniedError, SourceError: the call failed otherwise.
    """
    try:
        response = client.describe_labeling_job(LabelingJobName=name)
    except Exception as exc:
        error = translate_aws_error(exc, "cannot describe labeling job", name)
        if "Could not find" in error.why or "does not exist" in error.why:
            raise SourceNotFoundError("labeling job not found", where=name, why=error.why) from exc
        raise error from exc
    return parse_job_description(response)
