"""Box geometry (mot.boxes): format round trips, IoU properties and closed-form IoU values."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mot.boxes import (
    box_areas,
    box_centers,
    iou_matrix,
    ltwh_to_xyxy,
    paired_intersection,
    paired_iou,
    xyxy_to_ltwh,
)

EPS = np.finfo(np.float64).eps

coordinates = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
sizes = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False, allow_infinity=False)
ltwh_rows = st.tuples(coordinates, coordinates, sizes, sizes)


@st.composite
def xyxy_boxes(draw, min_size: int = 0, max_size: int = 8) -> np.ndarray:
    """(N, 4) valid xyxy boxes (x2 > x1, y2 > y1) with moderate coordinates."""
    rows = draw(st.lists(st.tuples(coordinates, coordinates, sizes, sizes), min_size=min_size, max_size=max_size))
    boxes = np.array(rows, dtype=np.float64).reshape(-1, 4)
    boxes[:, 2:] += boxes[:, :2]
    # with |x| <= 1e6 and w >= 1e-3, x + w never rounds back to x
    assert np.all(boxes[:, 2:] > boxes[:, :2])
    return boxes


small_ints = st.integers(min_value=-50, max_value=50)
small_sizes = st.integers(min_value=1, max_value=30)


@st.composite
def integer_boxes(draw, min_size: int = 0, max_size: int = 8) -> np.ndarray:
    """(N, 4) xyxy boxes with integer corners: every IoU below is exact, so comparisons can be tight."""
    row = st.tuples(small_ints, small_ints, small_sizes, small_sizes)
    rows = draw(st.lists(row, min_size=min_size, max_size=max_size))
    boxes = np.array(rows, dtype=np.float64).reshape(-1, 4)
    boxes[:, 2:] += boxes[:, :2]
    return boxes


def re_shape(shape: tuple[int, ...]) -> str:
    return re.escape(str(shape))


def reference_iou(a, b) -> float:
    """Scalar IoU written out directly from the definition."""
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


# ---------------------------------------------------------------------------------------------------------------
# format conversion


def test_ltwh_to_xyxy_concrete_values():
    out = ltwh_to_xyxy([[10, 20, 5, 8], [-3.5, 0.25, 1.5, 2.0]])
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [[10, 20, 15, 28], [-3.5, 0.25, -2.0, 2.25]])
    np.testing.assert_array_equal(xyxy_to_ltwh(out), [[10, 20, 5, 8], [-3.5, 0.25, 1.5, 2.0]])


def test_conversions_return_new_arrays_and_leave_input_alone():
    ltwh = np.array([[1.0, 2.0, 3.0, 4.0]])
    xyxy = ltwh_to_xyxy(ltwh)
    np.testing.assert_array_equal(ltwh, [[1, 2, 3, 4]])
    assert not np.shares_memory(xyxy, ltwh)
    back = xyxy_to_ltwh(xyxy)
    np.testing.assert_array_equal(xyxy, [[1, 2, 4, 6]])
    assert not np.shares_memory(back, xyxy)


def test_conversions_of_empty_input():
    assert ltwh_to_xyxy(np.zeros((0, 4))).shape == (0, 4)
    assert xyxy_to_ltwh([]).shape == (0, 4)


@pytest.mark.parametrize("function", [ltwh_to_xyxy, xyxy_to_ltwh, box_areas, box_centers])
@pytest.mark.parametrize("shape", [(4,), (3, 3), (2, 5), (2, 4, 1)])
def test_conversions_reject_wrong_shapes(function, shape):
    with pytest.raises(ValueError, match=r"expected an array of shape \(N, 4\), got shape " + re_shape(shape)):
        function(np.zeros(shape))


@given(st.lists(ltwh_rows, min_size=1, max_size=10))
def test_ltwh_round_trip(rows):
    ltwh = np.array(rows, dtype=np.float64)
    back = xyxy_to_ltwh(ltwh_to_xyxy(ltwh))
    # x2 = fl(x + w) and w' = fl(x2 - x) each round once: the error is a few ulps of |x| + |w|
    scale = np.abs(ltwh[:, :2]) + np.abs(ltwh[:, 2:])
    np.testing.assert_array_equal(back[:, :2], ltwh[:, :2])
    assert np.all(np.abs(back[:, 2:] - ltwh[:, 2:]) <= 4 * EPS * scale)


@given(st.lists(ltwh_rows, min_size=1, max_size=10))
def test_xyxy_round_trip(rows):
    xyxy = np.array(rows, dtype=np.float64)
    xyxy[:, 2:] += xyxy[:, :2]
    back = ltwh_to_xyxy(xyxy_to_ltwh(xyxy))
    scale = np.abs(xyxy[:, :2]) + np.abs(xyxy[:, 2:])
    np.testing.assert_array_equal(back[:, :2], xyxy[:, :2])
    assert np.all(np.abs(back[:, 2:] - xyxy[:, 2:]) <= 4 * EPS * scale)


@given(st.lists(st.tuples(small_ints, small_ints, small_sizes, small_sizes), min_size=1, max_size=10))
def test_round_trip_is_exact_on_integers(rows):
    ltwh = np.array(rows, dtype=np.float64)
    np.testing.assert_array_equal(xyxy_to_ltwh(ltwh_to_xyxy(ltwh)), ltwh)


def test_centers_and_areas():
    boxes = [[0, 0, 2, 4], [10, 10, 11, 13], [5, 5, 3, 8]]  # the last one is degenerate (x2 < x1)
    np.testing.assert_array_equal(box_centers(boxes), [[1, 2], [10.5, 11.5], [4, 6.5]])
    np.testing.assert_array_equal(box_areas(boxes), [8, 3, 0])


# ---------------------------------------------------------------------------------------------------------------
# IoU: closed forms


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([0, 0, 2, 2], [1, 0, 3, 2], 1 / 3),  # half-overlapping squares: 2 / (4 + 4 - 2)
        ([0, 0, 2, 2], [1, 1, 3, 3], 1 / 7),  # quarter overlap: 1 / (4 + 4 - 1)
        ([0, 0, 2, 2], [5, 5, 6, 6], 0.0),  # disjoint
        ([0, 0, 2, 2], [2, 0, 4, 2], 0.0),  # touching edges only
        ([0, 0, 4, 4], [1, 1, 3, 3], 4 / 16),  # contained: area ratio
        ([0, 0, 10, 5], [2, 1, 5, 4], 9 / 50),  # contained, rectangles
        ([0, 0, 4, 4], [0, 0, 4, 4], 1.0),  # identical
        ([-3, -3, -1, -1], [-2, -3, 0, -1], 1 / 3),  # negative coordinates
        ([0, 0, 0, 0], [0, 0, 0, 0], 0.0),  # empty union: defined as 0, not NaN
    ],
)
def test_iou_closed_forms(a, b, expected):
    assert iou_matrix([a], [b])[0, 0] == pytest.approx(expected, rel=1e-15, abs=0)
    assert iou_matrix([b], [a])[0, 0] == pytest.approx(expected, rel=1e-15, abs=0)
    assert paired_iou([a], [b])[0] == pytest.approx(expected, rel=1e-15, abs=0)


def test_iou_matrix_layout():
    a = [[0, 0, 2, 2], [10, 10, 12, 12]]
    b = [[1, 0, 3, 2], [5, 5, 6, 6], [10, 10, 12, 12]]
    iou = iou_matrix(a, b)
    assert iou.shape == (2, 3)
    assert iou.dtype == np.float64
    np.testing.assert_allclose(iou, [[1 / 3, 0, 0], [0, 0, 1]], rtol=1e-15, atol=0)


def test_iou_degenerate_boxes_give_zero_without_warnings():
    with np.errstate(all="raise"):
        iou = iou_matrix([[0, 0, 0, 0], [1, 1, 1, 5]], [[0, 0, 0, 0], [0, 0, 2, 2]])
        pairs = paired_iou([[0, 0, 0, 0]], [[0, 0, 0, 0]])
    assert np.all(np.isfinite(iou))
    np.testing.assert_array_equal(iou, [[0, 0], [0, 0]])
    np.testing.assert_array_equal(pairs, [0])


# ---------------------------------------------------------------------------------------------------------------
# IoU: properties


@given(xyxy_boxes(), xyxy_boxes())
def test_iou_matrix_symmetric_and_bounded(a, b):
    ab = iou_matrix(a, b)
    ba = iou_matrix(b, a)
    assert ab.shape == (len(a), len(b))
    np.testing.assert_array_equal(ab, ba.T)
    assert np.all((ab >= 0) & (ab <= 1))


@given(xyxy_boxes(min_size=1))
def test_iou_with_itself_is_one_on_the_diagonal(boxes):
    iou = iou_matrix(boxes, boxes)
    np.testing.assert_allclose(np.diag(iou), 1.0, rtol=1e-12)
    np.testing.assert_allclose(iou, iou.T, rtol=0, atol=0)
    np.testing.assert_allclose(paired_iou(boxes, boxes), 1.0, rtol=1e-12)


@given(integer_boxes(), integer_boxes())
def test_iou_matrix_matches_the_definition(a, b):
    iou = iou_matrix(a, b)
    expected = np.array([[reference_iou(x, y) for y in b] for x in a]).reshape(len(a), len(b))
    np.testing.assert_allclose(iou, expected, rtol=1e-14, atol=0)


@given(st.data())
def test_paired_iou_is_the_diagonal_of_iou_matrix(data):
    a = data.draw(xyxy_boxes(min_size=0, max_size=8))
    b = data.draw(xyxy_boxes(min_size=len(a), max_size=len(a)))
    pairs = paired_iou(a, b)
    assert pairs.shape == (len(a),)
    np.testing.assert_allclose(pairs, np.diag(iou_matrix(a, b)), rtol=1e-14, atol=0)


@given(st.data())
def test_paired_intersection_is_symmetric_and_bounded_by_both_areas(data):
    a = data.draw(xyxy_boxes(min_size=0, max_size=8))
    b = data.draw(xyxy_boxes(min_size=len(a), max_size=len(a)))
    overlap = paired_intersection(a, b)
    np.testing.assert_array_equal(overlap, paired_intersection(b, a))
    assert np.all(overlap >= 0)
    assert np.all(overlap <= np.minimum(box_areas(a), box_areas(b)) * (1 + 1e-12))
    np.testing.assert_array_equal(paired_intersection(a, a), box_areas(a))


def test_paired_intersection_values():
    a = [[0, 0, 4, 2], [0, 0, 1, 1], [0, 0, 2, 2]]
    b = [[2, 1, 6, 5], [1, 0, 2, 1], [0.5, 0.5, 1.5, 1.5]]  # a 2 x 1 overlap, touching edges, a box inside
    np.testing.assert_allclose(paired_intersection(a, b), [2.0, 0.0, 1.0])
    with pytest.raises(ValueError, match=r"expected two arrays of equal shape, got \(3, 4\) and \(2, 4\)"):
        paired_intersection(a, b[:2])


# ---------------------------------------------------------------------------------------------------------------
# shapes


def test_empty_inputs_give_empty_matrices():
    boxes = np.array([[0, 0, 1, 1], [1, 1, 2, 2], [3, 3, 4, 4]], dtype=np.float64)
    assert iou_matrix(np.zeros((0, 4)), boxes).shape == (0, 3)
    assert iou_matrix(boxes, np.zeros((0, 4))).shape == (3, 0)
    assert iou_matrix([], boxes).shape == (0, 3)
    assert iou_matrix(boxes, []).shape == (3, 0)
    assert iou_matrix([], []).shape == (0, 0)
    assert paired_iou([], []).shape == (0,)


@pytest.mark.parametrize("shape", [(3,), (2, 3), (2, 5), (1, 2, 4)])
def test_iou_matrix_shape_errors_name_the_expected_shape(shape):
    good = np.zeros((2, 4))
    with pytest.raises(ValueError, match=r"boxes_a: expected an array of shape \(N, 4\), got shape " + re_shape(shape)):
        iou_matrix(np.zeros(shape), good)
    with pytest.raises(ValueError, match=r"boxes_b: expected an array of shape \(N, 4\), got shape " + re_shape(shape)):
        iou_matrix(good, np.zeros(shape))
    with pytest.raises(ValueError, match=r"expected an array of shape \(N, 4\)"):
        paired_iou(np.zeros(shape), good)


def test_paired_iou_requires_equal_lengths():
    with pytest.raises(ValueError, match=r"expected two arrays of equal shape, got \(2, 4\) and \(3, 4\)"):
        paired_iou(np.zeros((2, 4)), np.zeros((3, 4)))
