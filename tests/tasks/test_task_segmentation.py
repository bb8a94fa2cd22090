"""Semantic segmentation: mask parsing, colour mapping and mean IoU on hand-drawn 4×4 masks."""

from __future__ import annotations

import base64

import numpy as np
import pytest
from task_support import BIRD, NEST, WHITE, png_from_codes, png_mask, segmentation_answer

from crowdaudit.tasks.base import TaskShapeError
from crowdaudit.tasks.segmentation import BACKGROUND, Segmentation, decode_mask

TASK = Segmentation()
PALETTE = {"b": BIRD, "n": NEST, "w": WHITE, "r": "#ff0000"}
MAPPINGS = {"Bird": BIRD, "Nest": NEST}
COLOR_MAP = {
    "0": {"class-name": BACKGROUND, "hex-color": WHITE, "confidence": 0.8},
    "1": {"class-name": "Bird", "hex-color": BIRD, "confidence": 0.8},
    "2": {"class-name": "Nest", "hex-color": NEST, "confidence": 0.8},
}


def worker(*rows: str) -> str:
    return TASK.parse_answer(segmentation_answer(png_mask(rows, PALETTE), MAPPINGS))


def consolidated(*rows: str) -> str:
    data = png_mask(rows, PALETTE, rgba=False)
    result = TASK.parse_consolidated(
        "s3://b/out/job/annotations/consolidated-annotation/output/0_2020-04-21T13:48:00.091190.png",
        {"internal-color-map": COLOR_MAP, "type": "groundtruth/semantic-segmentation"},
        fetch=lambda uri: data,
    )
    assert result is not None
    return result


def test_decode_maps_colours_and_treats_unmapped_and_transparent_as_background() -> None:
    mask = decode_mask(
        png_mask(["bb..", "rrnn", "....", "...."], PALETTE), {BIRD: "Bird", NEST: "Nest"}
    )
    assert mask.classes == (BACKGROUND, "Bird", "Nest")
    assert mask.pixels[:2].tolist() == [[1, 1, 0, 0], [0, 0, 2, 2]]
    assert int(mask.pixels[2:].sum()) == 0


def test_identical_masks_score_one_across_sources() -> None:
    # an unpainted (transparent) worker pixel and the white BACKGROUND of a consolidated mask agree
    rows = ("bb..", "bb..", "....", "....")
    assert TASK.similarity(worker(*rows), consolidated(*rows)) == 1.0
    assert TASK.similarity(worker(*rows), worker(*rows)) == 1.0


def test_mean_iou_by_hand() -> None:
    reference = consolidated("bb..", "bb..", "....", "....")
    # Bird 4/5, BACKGROUND 11/12: mean 103/120
    assert TASK.similarity(worker("bbb.", "bb..", "....", "...."), reference) == pytest.approx(
        103 / 120
    )
    # Bird 2/6, BACKGROUND 10/14: mean 11/21
    assert TASK.similarity(worker("bbbb", "....", "....", "...."), reference) == pytest.approx(
        11 / 21
    )
    # a class present in one mask only scores 0: Bird 1, Nest 0, BACKGROUND 8/12
    both = consolidated("bb..", "bb..", "..nn", "..nn")
    assert TASK.similarity(worker("bb..", "bb..", "....", "...."), both) == pytest.approx(5 / 9)


def test_background_can_be_left_out() -> None:
    no_background = Segmentation(include_background=False)
    reference = consolidated("bb..", "bb..", "....", "....")
    assert no_background.similarity(worker("bbb.", "bb..", "....", "...."), reference) == (
        pytest.approx(4 / 5)
    )
    blank = worker("....", "....", "....", "....")
    assert no_background.similarity(blank, consolidated("....", "....", "....", "....")) == 1.0
    assert no_background.similarity(blank, reference) == 0.0


def test_masks_of_different_sizes_score_zero() -> None:
    small = TASK.parse_answer(segmentation_answer(png_mask(["bb", "bb"], PALETTE), MAPPINGS))
    assert TASK.similarity(small, worker("bb..", "bb..", "....", "....")) == 0.0


def test_parse_answer_shapes() -> None:
    text = worker("b...", "....", "....", "....")
    assert text.startswith('{"classes":{"#1f77b4":"Nest","#2ca02c":"Bird"},"png":"iVBOR')
    content = segmentation_answer(png_mask(["b"], PALETTE), {"Bird": BIRD.upper()})
    content["crowd-semantic-segmentation"]["initialValueModified"] = True  # type: ignore[index]
    assert TASK.parse_answer(content).endswith(
        '"modified":true,"png":"' + base64.b64encode(png_mask(["b"], PALETTE)).decode() + '"}'
    )


@pytest.mark.parametrize(
    ("element", "reason"),
    [
        ({"labeledImage": {"pngImageData": "not base64!"}, "labelMappings": {}}, "not base64"),
        (
            {
                "labeledImage": {"pngImageData": base64.b64encode(b"GIF89a").decode()},
                "labelMappings": {},
            },
            "not a PNG",
        ),
        ({"labeledImage": {}, "labelMappings": {}}, "'pngImageData' is null"),
        ({"labeledImage": "x", "labelMappings": {}}, "not an object"),
        (
            {
                "labeledImage": {
                    "pngImageData": base64.b64encode(png_mask(["b"], PALETTE)).decode()
                },
                "labelMappings": {"Bird": {"color": "green"}},
            },
            "not a #rrggbb",
        ),
        (
            {"labeledImage": {"pngImageData": base64.b64encode(png_mask(["b"], PALETTE)).decode()}},
            "'labelMappings' is not an object",
        ),
    ],
)
def test_parse_answer_rejects_bad_shapes(element: dict[str, object], reason: str) -> None:
    with pytest.raises(TaskShapeError, match=reason):
        TASK.parse_answer({"crowd-semantic-segmentation": element})


def test_parse_consolidated_edge_cases() -> None:
    assert TASK.parse_consolidated(None, {}, fetch=lambda uri: b"") is None
    with pytest.raises(TaskShapeError, match="not a PNG"):
        TASK.parse_consolidated(
            "s3://b/k.png", {"internal-color-map": COLOR_MAP}, fetch=lambda uri: b"{}"
        )
    with pytest.raises(TaskShapeError, match="internal-color-map"):
        TASK.parse_consolidated("s3://b/k.png", {}, fetch=lambda uri: b"")


def test_parse_gold_inline_or_by_reference() -> None:
    data = png_mask(["bb..", "bb..", "....", "...."], PALETTE, rgba=False)
    inline = TASK.parse_gold(
        {"pngImageData": base64.b64encode(data).decode(), "internal-color-map": COLOR_MAP}
    )
    by_ref = TASK.parse_gold(
        {"ref": "s3://b/gold/0.png", "internal-color-map": COLOR_MAP}, fetch=lambda uri: data
    )
    assert inline == by_ref
    with pytest.raises(TaskShapeError, match="nothing can read it"):
        TASK.parse_gold({"ref": "s3://b/gold/0.png", "internal-color-map": COLOR_MAP})
    with pytest.raises(TaskShapeError, match="internal-color-map"):
        TASK.parse_gold({"pngImageData": base64.b64encode(data).decode()})


def test_four_megapixel_pair_scores_each_class() -> None:
    rng = np.random.default_rng(7)
    height = width = 2000
    codes = np.zeros((height, width), dtype=np.uint8)
    codes[:1000, :1000] = 1
    codes[1200:1900, 300:1800] = 2
    other = codes.copy()
    other[rng.integers(0, height, 5000), rng.integers(0, width, 5000)] = 1
    colours = [None, BIRD, NEST]
    a = TASK.parse_answer(segmentation_answer(png_from_codes(codes, colours), MAPPINGS))
    b = TASK.parse_answer(segmentation_answer(png_from_codes(other, colours), MAPPINGS))
    score = TASK.similarity(a, b)
    # Bird: |A ∩ B| = 10^6, |B| = 10^6 + the stray pixels that landed outside A's Bird.
    stray = int(((other == 1) & (codes != 1)).sum())
    bird = 1e6 / (1e6 + stray)
    nest = (1050000 - int(((codes == 2) & (other != 2)).sum())) / 1050000
    background = (int(((codes == 0) & (other == 0)).sum())) / int((codes == 0).sum())
    assert score == pytest.approx((bird + nest + background) / 3)
