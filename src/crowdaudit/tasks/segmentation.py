"""Semantic segmentation (``groundtruth/semantic-segmentation``, ``crowd-semantic-segmentation``).

Shapes, as Ground Truth writes them:

* worker answer: ``{"crowd-semantic-segmentation": {"labeledImage": {"pngImageData": "<base64
  PNG>"}, "labelMappings": {"Bird": {"color": "#2ca02c"}}, "inputImageProperties": {...}}}``, plus
  ``initialValueModified`` in adjustment jobs;
* consolidated: the attribute (its name ends in ``-ref``) holds the S3 URI of a PNG,
  ``s3://…/annotations/consolidated-annotation/output/0_2020-04-21T13:48:00.091190.png``, read
  through the ``fetch`` callable; ``internal-color-map`` in the metadata names the colours:
  ``{"0": {"class-name": "BACKGROUND", "hex-color": "#ffffff"}, "1": {"class-name": "cat",
  "hex-color": "#2ca02c"}}``;
* gold: ``{"pngImageData": "<base64 PNG>", "internal-color-map": {...}}``, or the manifest's URI as
  ``{"ref": "s3://…png", "internal-color-map": {...}}`` when a ``fetch`` is given
  (``labelMappings`` may stand for ``internal-color-map``).

Canonical text: compact JSON ``{"classes": {"#2ca02c": "cat", …}, "png": "<base64>"}`` (colours in
lower case), plus ``"modified": true|false`` when the answer carried ``initialValueModified``.

Similarity: each pixel takes the class its colour names; pixels that are fully transparent or
whose colour is in no mapping belong to ``BACKGROUND`` (an unpainted worker pixel and the white
``BACKGROUND`` of a consolidated mask then agree). With ``C`` the classes present in either mask,

``mIoU = (1/|C|) Σ_{c ∈ C} |A_c ∩ B_c| / |A_c ∪ B_c|``

(the mean intersection over union of PASCAL VOC, Everingham et al. 2010); ``include_background=False``
leaves ``BACKGROUND`` out of ``C`` (1 when no other class is present). Masks of different sizes
score 0. Decoded masks are cached, since each mask is compared with several others.
"""

from __future__ import annotations

import base64
import binascii
import io
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar, Final

import numpy as np
import numpy.typing as npt
import orjson
import polars as pl
from PIL import Image, UnidentifiedImageError

from crowdaudit.schema import COL
from crowdaudit.tasks.base import (
    Fetch,
    LabelFromValue,
    TaskShapeError,
    canonical_json,
    find_element,
    text_label,
)

__all__ = ["BACKGROUND", "SEGMENTATION_ELEMENTS", "Segmentation", "decode_mask", "mean_iou"]

SEGMENTATION_ELEMENTS: Final = ("crowd-semantic-segmentation",)
"""Element name of the built-in template, tried first."""

BACKGROUND: Final = "BACKGROUND"
"""Ground Truth's name for class 0, the unlabelled part of an image."""

_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
_COLOUR: Final = re.compile(r"#[0-9a-f]{6}")
_OPAQUE: Final = np.uint32(0xFF000000)


def _colour(value: object, what: str) -> str:
    colour = text_label(value, what).strip().lower()
    if not _COLOUR.fullmatch(colour):
        raise TaskShapeError(f"{what} {value!r} is not a #rrggbb colour")
    return colour


def _png_base64(data: object, what: str) -> str:
    text = text_label(data, what)
    text = "".join(text.split()).removeprefix("data:image/png;base64,")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise TaskShapeError(f"{what} is not base64") from exc
    _check_png(raw, what)
    return text


def _check_png(raw: bytes, what: str) -> None:
    if not raw.startswith(_PNG_SIGNATURE):
        raise TaskShapeError(f"{what} is not a PNG image")


def _entries(table: object, what: str) -> Iterator[tuple[object, Mapping[str, object], str]]:
    """Each ``(key, entry, where)`` of an object of objects, ``where`` naming the entry."""
    if not isinstance(table, Mapping):
        raise TaskShapeError(f"{what} is not an object")
    for key, entry in table.items():
        if not isinstance(entry, Mapping):
            raise TaskShapeError(f"{what}[{key!r}] is not an object")
        yield key, entry, f"{what}[{key!r}]"


def _from_label_mappings(mappings: object, what: str) -> dict[str, str]:
    return {
        _colour(entry.get("color"), f"{where}.color"): str(name)
        for name, entry, where in _entries(mappings, what)
    }


def _from_color_map(color_map: object, what: str) -> dict[str, str]:
    return {
        _colour(entry.get("hex-color"), f"{where}.hex-color"): text_label(
            entry.get("class-name"), f"{where}.class-name"
        )
        for _, entry, where in _entries(color_map, what)
    }


def _classes_of(value: Mapping[str, object], what: str) -> dict[str, str]:
    if "internal-color-map" in value:
        return _from_color_map(value["internal-color-map"], f"{what} 'internal-color-map'")
    if "labelMappings" in value:
        return _from_label_mappings(value["labelMappings"], f"{what} 'labelMappings'")
    raise TaskShapeError(f"{what} has no 'internal-color-map' or 'labelMappings'")


def _canonical(png: str, classes: Mapping[str, str], modified: object = None) -> str:
    document: dict[str, object] = {"classes": dict(classes), "png": png}
    if isinstance(modified, bool):
        document["modified"] = modified
    return canonical_json(document)


@dataclass(frozen=True, slots=True)
class DecodedMask:
    """A mask as class indices per pixel.

    Attributes:
        classes: the class names; ``pixels`` holds indices into it, ``classes[0]`` is BACKGROUND.
        pixels: ``(height, width)`` array of class indices.
    """

    classes: tuple[str, ...]
    pixels: npt.NDArray[np.uint8]


def decode_mask(png: bytes, classes: Mapping[str, str]) -> DecodedMask:
    """Decode a PNG mask into class indices, colours named by ``classes`` (``#rrggbb`` → name).

    Unmapped colours and fully transparent pixels are ``BACKGROUND``.

    Raises:
        TaskShapeError: the bytes are not a readable image.
    """
    try:
        with Image.open(io.BytesIO(png)) as image:
            rgba = np.asarray(image.convert("RGBA"))
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise TaskShapeError(f"cannot decode PNG mask ({exc})") from exc
    # One little-endian uint32 per pixel, 0xAABBGGRR: one comparison per class instead of
    # per-channel work or np.unique's sort over millions of pixels.
    codes = np.ascontiguousarray(rgba).view(np.uint32)[..., 0]
    names = [BACKGROUND, *sorted(set(classes.values()) - {BACKGROUND})]
    index = {name: position for position, name in enumerate(names)}
    if len(names) > 255:
        raise TaskShapeError("a mask with more than 255 classes")
    pixels = np.zeros(codes.shape, dtype=np.uint8)
    opaque = codes >= np.uint32(0x01000000)
    rgb = codes & np.uint32(0x00FFFFFF)
    for colour, name in classes.items():
        if index[name] == 0:
            continue
        red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
        pixels[(rgb == np.uint32(red | green << 8 | blue << 16)) & opaque] = index[name]
    return DecodedMask(tuple(names), pixels)


@lru_cache(maxsize=64)
def _decoded(text: str) -> DecodedMask:
    document = orjson.loads(text)
    if not isinstance(document, dict):
        raise TaskShapeError(f"not a canonical mask: {text[:80]!r}")
    return decode_mask(base64.b64decode(document["png"]), document["classes"])


def mean_iou(a: DecodedMask, b: DecodedMask, *, include_background: bool = True) -> float:
    """Mean IoU over the classes present in either mask (see the module docstring)."""
    if a.pixels.shape != b.pixels.shape:
        return 0.0
    n_a, n_b = len(a.classes), len(b.classes)
    # One pass over the pixels: the bincount of (index in a)·n_b + (index in b) is the confusion
    # matrix in each mask's own class order; classes are matched by name on that small matrix.
    joint = a.pixels.astype(np.uint16)
    joint *= np.uint16(n_b)
    joint += b.pixels
    confusion = np.bincount(joint.ravel(), minlength=n_a * n_b).reshape(n_a, n_b)
    area_a, area_b = confusion.sum(axis=1), confusion.sum(axis=0)
    index_a = {name: i for i, name in enumerate(a.classes)}
    index_b = {name: i for i, name in enumerate(b.classes)}
    scores: list[float] = []
    for name in sorted(index_a.keys() | index_b.keys()):
        if name == BACKGROUND and not include_background:
            continue
        i, j = index_a.get(name), index_b.get(name)
        inter = int(confusion[i, j]) if i is not None and j is not None else 0
        union = (int(area_a[i]) if i is not None else 0) + (int(area_b[j]) if j is not None else 0)
        union -= inter
        if union > 0:
            scores.append(inter / union)
    return math.fsum(scores) / len(scores) if scores else 1.0


@dataclass(frozen=True, slots=True)
class Segmentation(LabelFromValue):
    """Segmentation masks, compared by mean IoU over the classes present.

    Attributes:
        include_background: count ``BACKGROUND`` as a class in the mean (default ``True``).
    """

    name: ClassVar[str] = "segmentation"
    metadata_types: ClassVar[frozenset[str]] = frozenset({"groundtruth/semantic-segmentation"})
    exact: ClassVar[bool] = False
    parser_id: ClassVar[str] = "segmentation-1"
    include_background: bool = True

    def parse_answer(self, content: object) -> str:
        """``labeledImage.pngImageData`` with the colours of ``labelMappings``."""
        element = find_element(content, SEGMENTATION_ELEMENTS, "labeledImage")
        image = element.get("labeledImage")
        if not isinstance(image, Mapping):
            raise TaskShapeError("'labeledImage' is not an object")
        png = _png_base64(image.get("pngImageData"), "'pngImageData'")
        classes = _from_label_mappings(element.get("labelMappings"), "'labelMappings'")
        return _canonical(png, classes, element.get("initialValueModified"))

    def parse_value(self, value: object, metadata: Mapping[str, object], fetch: Fetch) -> str:
        """The PNG at the URI ``value`` (read with ``fetch``), named by ``internal-color-map``."""
        uri = text_label(value, "segmentation value")
        classes = _from_color_map(metadata.get("internal-color-map"), "'internal-color-map'")
        raw = fetch(uri)
        _check_png(raw, uri)
        return _canonical(base64.b64encode(raw).decode("ascii"), classes)

    def parse_gold(self, value: object, *, fetch: Fetch | None = None) -> str:
        """``{"pngImageData": …, "internal-color-map": …}`` or ``{"ref": uri, …}`` with ``fetch``."""
        if not isinstance(value, Mapping):
            raise TaskShapeError("segmentation gold is not an object")
        classes = _classes_of(value, "segmentation gold")
        if "pngImageData" in value:
            return _canonical(_png_base64(value["pngImageData"], "gold 'pngImageData'"), classes)
        uri = text_label(value.get("ref"), "segmentation gold 'ref'")
        if fetch is None:
            raise TaskShapeError("segmentation gold refers to a URI but nothing can read it")
        raw = fetch(uri)
        _check_png(raw, uri)
        return _canonical(base64.b64encode(raw).decode("ascii"), classes)

    def similarity(self, a: str, b: str) -> float:
        """Mean IoU of the two masks."""
        if a == b:
            return 1.0
        return mean_iou(_decoded(a), _decoded(b), include_background=self.include_background)

    def worker_columns(self, pairs: pl.DataFrame) -> pl.DataFrame | None:
        """``share_adjusted`` for adjustment jobs (answers with ``initialValueModified``)."""
        counts: dict[str, list[int]] = {}
        flagged = False
        for worker, answer in pairs.select(COL.WORKER, "answer").rows():
            row = counts.setdefault(worker, [0, 0])
            if answer is None:
                continue
            modified = orjson.loads(answer).get("modified")
            if isinstance(modified, bool):
                flagged = True
                row[0] += 1
                row[1] += modified
        if not flagged:
            return None
        workers = list(counts)
        return pl.DataFrame(
            {
                COL.WORKER: workers,
                COL.SHARE_ADJUSTED: [
                    counts[w][1] / counts[w][0] if counts[w][0] else None for w in workers
                ],
            },
            schema={COL.WORKER: pl.String(), COL.SHARE_ADJUSTED: pl.Float64()},
        )
