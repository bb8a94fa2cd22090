"""Integer codes for the answers table, computed once and shared by every estimator and metric.

Every skill estimator and agreement statistic works on three parallel integer arrays (task, worker
and label code of each answer) so that the heavy steps are ``np.bincount`` scatters and fancy-index
gathers over flat arrays instead of group-bys on strings.

Codes follow the lexicographic order of the names (the same codes as a dense rank of the column),
so they do not depend on the order of the rows: shuffling the table changes nothing, and ties broken
"by the first class" are broken by the smallest label in string order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from crowdaudit.errors import GoldFormatError
from crowdaudit.schema import COL

__all__ = ["EncodedAnswers", "encode_answers"]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True, eq=False)
class EncodedAnswers:
    """An answers table as integer codes.

    Attributes:
        task: task code of each answer, shape ``(n_answers,)``.
        worker: worker code of each answer, shape ``(n_answers,)``.
        label: class code of each answer, shape ``(n_answers,)``.
        tasks: task names, sorted; ``tasks[code]`` is the name of task ``code``.
        workers: worker names, sorted.
        classes: class labels, sorted.
        seconds: seconds spent on each answer (NaN when unknown), or ``None`` when the table has no
            ``seconds`` column.
    """

    task: IntArray
    worker: IntArray
    label: IntArray
    tasks: pl.Series
    workers: pl.Series
    classes: tuple[str, ...]
    seconds: FloatArray | None

    @property
    def n_answers(self) -> int:
        return int(self.task.shape[0])

    @property
    def n_tasks(self) -> int:
        return len(self.tasks)

    @property
    def n_workers(self) -> int:
        return len(self.workers)

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    def label_counts(self) -> IntArray:
        """Answers per task and class, shape ``(n_tasks, n_classes)``."""
        k = self.n_classes
        flat = np.bincount(self.task * k + self.label, minlength=self.n_tasks * k)
        return flat.reshape(self.n_tasks, k).astype(np.int64, copy=False)

    def encode_gold(self, gold: pl.DataFrame) -> IntArray:
        """Class code of the gold label of each task, ``-1`` where there is none.

        Gold rows for tasks nobody answered are ignored, and so are gold labels that no worker ever
        gave (no class code exists for them; they still count as errors when accuracy on gold is
        computed from the label strings).

        Args:
            gold: columns ``task``, ``label`` (String).

        Raises:
            GoldFormatError: a task has two different gold labels.
        """
        table = gold.select(pl.col(COL.TASK).cast(pl.String), pl.col(COL.LABEL).cast(pl.String))
        table = table.drop_nulls().unique()
        duplicated = table.filter(pl.col(COL.TASK).is_duplicated())
        if duplicated.height:
            task = duplicated[COL.TASK].sort()[0]
            raise GoldFormatError(
                "cannot use gold labels",
                where=f"task {task!r}",
                why="several different gold labels",
                code="conflicting-gold",
            )
        mapping = pl.DataFrame(
            {COL.LABEL: list(self.classes), "_class": np.arange(self.n_classes, dtype=np.int64)},
            schema={COL.LABEL: pl.String, "_class": pl.Int64},
        )
        codes = (
            pl.DataFrame({COL.TASK: self.tasks})
            .join(table, on=COL.TASK, how="left", maintain_order="left")
            .join(mapping, on=COL.LABEL, how="left", maintain_order="left")["_class"]
            .fill_null(-1)
        )
        return codes.to_numpy().astype(np.int64, copy=False)


def _dense_codes(column: pl.Series) -> tuple[IntArray, pl.Series]:
    """Codes in sorted-name order and the sorted names.

    The distinct names are found by hashing and sorted on their own; casting the column to an
    ``Enum`` of those sorted names then yields the codes as its physical integers. This is the
    same result as a dense rank, without sorting the whole column.
    """
    names = column.unique().sort()
    codes = column.cast(pl.Enum(names)).to_physical().to_numpy().astype(np.int64)
    return codes, names


def encode_answers(answers: pl.DataFrame) -> EncodedAnswers:
    """Encode an answers table once.

    Args:
        answers: columns ``task``, ``worker``, ``label`` (String, no nulls) and optionally
            ``seconds`` (Float64, nulls allowed). At most one answer per (task, worker) is assumed.

    Returns:
        The integer codes and the sorted names behind them.

    Raises:
        ValueError: a required column is missing or holds nulls.

    Example:
        >>> enc = encode_answers(pl.DataFrame({"task": ["b", "a"], "worker": ["w", "w"],
        ...                                    "label": ["x", "y"]}))
        >>> enc.task.tolist(), enc.classes
        ([1, 0], ('x', 'y'))
    """
    required = (COL.TASK, COL.WORKER, COL.LABEL)
    missing = [name for name in required if name not in answers.columns]
    if missing:
        raise ValueError(f"answers table lacks column(s) {', '.join(missing)}")
    columns = {name: answers[name].cast(pl.String) for name in required}
    for name, column in columns.items():
        if column.null_count():
            raise ValueError(f"answers table has nulls in column {name!r}")
    task, tasks = _dense_codes(columns[COL.TASK])
    worker, workers = _dense_codes(columns[COL.WORKER])
    label, classes = _dense_codes(columns[COL.LABEL])
    seconds: FloatArray | None = None
    if COL.SECONDS in answers.columns:
        seconds = (
            answers[COL.SECONDS].cast(pl.Float64).fill_null(np.nan).to_numpy().astype(np.float64)
        )
    return EncodedAnswers(
        task=task,
        worker=worker,
        label=label,
        tasks=tasks.alias(COL.TASK),
        workers=workers.alias(COL.WORKER),
        classes=tuple(classes.to_list()),
        seconds=seconds,
    )
