"""The viewer's geometry (intake.imaging.geometry) against cases worked out by hand."""

import math

import pytest

from intake.imaging.geometry import (
    Plane,
    edge_markers,
    orientation_name,
    position_label,
    reference_line,
    slice_order,
)
from tests.viewer_support import AXIAL, SAGITTAL

# A sagittal slice at x = 0 whose first pixel's centre is 100 mm anterior and 100 mm superior.
SAG_AT_0 = (0.0, -100.0, 100.0)


def test_an_axial_plane_cuts_a_sagittal_image_along_one_row():
    # The axial plane z = 40 lies 60 mm below the first row's centre: v = 60 mm, so with 1 mm rows
    # the line runs at y = 60 + 0.5 (corner-based), across the whole image.
    target = Plane.from_dicom(SAG_AT_0, SAGITTAL, (1.0, 1.0))
    source = Plane.from_dicom((-100.0, -100.0, 40.0), AXIAL, (0.8, 0.8))
    assert reference_line(target, (200, 200), source) == ((0.0, 60.5), (200.0, 60.5))


def test_the_line_follows_the_row_spacing():
    target = Plane.from_dicom(SAG_AT_0, SAGITTAL, (0.5, 0.5))
    source = Plane.from_dicom((0.0, 0.0, 40.0), AXIAL)
    assert reference_line(target, (400, 400), source) == ((0.0, 120.5), (400.0, 120.5))


def test_an_oblique_axial_slice_gives_a_sloping_line():
    # Tilted 10 degrees about the x axis (columns run (0, cos, sin)), through (0, 0, 40): on the
    # sagittal plane z = 40 + tan(10°)·y. With y = -100 + u and z = 100 - v (u, v in mm from the
    # first pixel's centre), v = 60 - tan(10°)(u - 100); x = u + 0.5 and y = v + 0.5.
    tilt = math.radians(10)
    oblique = (1.0, 0.0, 0.0, 0.0, math.cos(tilt), math.sin(tilt))
    target = Plane.from_dicom(SAG_AT_0, SAGITTAL)
    source = Plane.from_dicom((0.0, 0.0, 40.0), oblique)
    (x0, y0), (x1, y1) = reference_line(target, (200, 200), source)
    t = math.tan(tilt)
    assert (x0, x1) == (0.0, 200.0)
    assert y0 == pytest.approx(60 - t * (-0.5 - 100) + 0.5)
    assert y1 == pytest.approx(60 - t * (199.5 - 100) + 0.5)


def test_parallel_planes_and_planes_beside_the_image_have_no_line():
    target = Plane.from_dicom(SAG_AT_0, SAGITTAL)
    assert reference_line(target, (200, 200), Plane.from_dicom((5.0, 0, 0), SAGITTAL)) is None
    # z = 150 lies above the image (it covers z from 100.5 down to -99.5).
    above = Plane.from_dicom((0.0, 0.0, 150.0), AXIAL)
    assert reference_line(target, (200, 200), above) is None


def test_orientation_names_come_from_the_plane_normal():
    assert orientation_name(SAGITTAL) == "sagittal"
    assert orientation_name(AXIAL) == "axial"
    assert orientation_name((1, 0, 0, 0, 0, -1)) == "coronal"
    leaning = (1, 0, 0, 0, math.cos(math.radians(40)), math.sin(math.radians(40)))
    assert orientation_name(leaning) == "oblique axial"


def test_edge_markers_name_the_patient_directions():
    assert edge_markers(SAGITTAL) == {"left": "A", "right": "P", "top": "S", "bottom": "I"}
    assert edge_markers(AXIAL) == {"left": "R", "right": "L", "top": "A", "bottom": "P"}
    assert edge_markers((1, 0, 0, 0, 0, -1)) == {
        "left": "R",
        "right": "L",
        "top": "S",
        "bottom": "I",
    }
    tilted = (0.0, 0.8, -0.6, 0.0, 0.6, 0.8)
    assert edge_markers(tilted)["right"] == "PI"


def test_slices_are_ordered_along_the_normal_in_the_scanners_direction():
    positions = [(0, 0, z) for z in (8.0, 0.0, 4.0)]
    # Numbered 1, 3, 2 as they lie: scrolled in that order, whatever the file order.
    slices = [(p, AXIAL, n) for p, n in zip(positions, (1, 3, 2), strict=True)]
    assert slice_order(slices) == [0, 2, 1]
    # Numbered from the foot up: the other way along the normal.
    slices = [(p, AXIAL, n) for p, n in zip(positions, (3, 1, 2), strict=True)]
    assert slice_order(slices) == [1, 2, 0]
    # A missing number does not stop the ordering by position.
    slices = [(p, AXIAL, None) for p in positions]
    assert slice_order(slices) == [1, 2, 0]


def test_slices_without_geometry_keep_the_instance_numbers():
    assert slice_order([(None, None, 3), (None, None, 1), (None, None, None)]) == [1, 0, 2]


def test_patient_points_of_image_coordinates():
    plane = Plane.from_dicom(SAG_AT_0, SAGITTAL, (0.5, 2.0))
    assert plane.to_patient(0.5, 0.5) == pytest.approx(SAG_AT_0)
    # One pixel right: 2 mm posterior; one pixel down: 0.5 mm inferior.
    assert plane.to_patient(1.5, 1.5) == pytest.approx((0.0, -98.0, 99.5))


def test_positions_are_named_on_the_axis_across_the_slices():
    assert position_label((28.0, -100.0, 100.0), SAGITTAL) == "L 28.0"
    assert position_label((-12.0, -100.0, 100.0), SAGITTAL) == "R 12.0"
    assert position_label((-100.0, -100.0, 40.0), AXIAL) == "S 40.0"
    assert position_label((-100.0, -100.0, -7.25), AXIAL) == "I 7.2"
