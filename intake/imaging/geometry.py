"""Where a slice lies in the patient: orientation names and edge markers, slice order, and the
reference line of one slice drawn on another.

Pure arithmetic on DICOM's patient coordinates (LPS: +x towards the patient's left, +y posterior,
+z superior), from Image Position (Patient), Image Orientation (Patient) and Pixel Spacing. A plane is
`Plane(position, row, column, spacing)`: `position` is the centre of the first pixel, `row` the unit
vector along a row (the direction of increasing column index), `column` the unit vector down a column,
`spacing` = (between rows, between columns) in mm, as DICOM orders Pixel Spacing.

Image coordinates here put (0, 0) at the top-left corner of the first pixel, x to the right and y down,
in pixels, so pixel (i, j)'s centre is (i + 0.5, j + 0.5): what a canvas draws. The viewer
(intake/static/intake/viewer.js) repeats `reference_line` so the line follows the scroll with no
round trip; tests/e2e/test_viewer.py checks that both agree.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

Vector = tuple[float, float, float]

# A normal whose largest component is below this is called oblique as well as by its nearest plane.
OBLIQUE_BELOW = 0.8
# Directions with a component above this fraction get its letter in an edge marker ("LP", "AS").
MARKER_COMPONENT = 0.25
# Planes closer to parallel than this (sine of the angle between them) have no reference line.
PARALLEL_BELOW = 1e-3


def _dot(a: Sequence[float], b: Sequence[float]) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def _cross(a: Sequence[float], b: Sequence[float]) -> Vector:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def _unit(a: Sequence[float]) -> Vector:
    length = math.sqrt(_dot(a, a))
    if length == 0:
        raise ValueError("a direction of length zero")
    return (a[0] / length, a[1] / length, a[2] / length)


@dataclass(frozen=True)
class Plane:
    position: Vector
    row: Vector
    column: Vector
    spacing: tuple[float, float]  # (between rows, between columns), mm

    @classmethod
    def from_dicom(
        cls,
        position: Sequence[float],
        orientation: Sequence[float],
        spacing: Sequence[float] = (1.0, 1.0),
    ) -> "Plane":
        """From Image Position (Patient), Image Orientation (Patient) and Pixel Spacing values."""
        return cls(
            position=(float(position[0]), float(position[1]), float(position[2])),
            row=_unit(orientation[:3]),
            column=_unit(orientation[3:6]),
            spacing=(float(spacing[0]), float(spacing[1])),
        )

    @property
    def normal(self) -> Vector:
        return _unit(_cross(self.row, self.column))

    def to_patient(self, x: float, y: float) -> Vector:
        """The patient point at image coordinates (x, y) (corner-based, in pixels)."""
        u = (x - 0.5) * self.spacing[1]
        v = (y - 0.5) * self.spacing[0]
        return tuple(self.position[k] + u * self.row[k] + v * self.column[k] for k in range(3))  # type: ignore[return-value]


def orientation_name(orientation: Sequence[float]) -> str:
    """'sagittal', 'coronal' or 'axial' from Image Orientation (Patient), by the plane's normal;
    'oblique axial' (etc.) when the normal leans far from every axis."""
    normal = _unit(_cross(_unit(orientation[:3]), _unit(orientation[3:6])))
    axis = max(range(3), key=lambda k: abs(normal[k]))
    name = ("sagittal", "coronal", "axial")[axis]
    return f"oblique {name}" if abs(normal[axis]) < OBLIQUE_BELOW else name


def direction_letters(direction: Sequence[float]) -> str:
    """The patient directions a vector points to, strongest first: (1, 0, 0) is 'L', (0, -0.7, 0.7)
    'AS' (LPS axes: +x left, +y posterior, +z superior)."""
    letters = (("R", "L"), ("A", "P"), ("I", "S"))
    order = sorted(range(3), key=lambda k: -abs(direction[k]))
    return "".join(
        letters[k][direction[k] > 0] for k in order if abs(direction[k]) > MARKER_COMPONENT
    )


def edge_markers(orientation: Sequence[float]) -> dict[str, str]:
    """The letters for each edge of the image: what lies towards its left, right, top and bottom."""
    row, column = _unit(orientation[:3]), _unit(orientation[3:6])
    return {
        "left": direction_letters(tuple(-c for c in row)),
        "right": direction_letters(row),
        "top": direction_letters(tuple(-c for c in column)),
        "bottom": direction_letters(column),
    }


def position_along_normal(position: Sequence[float], orientation: Sequence[float]) -> float:
    """Where a slice lies along its stack (mm): its position projected on the plane's normal."""
    return _dot(position, _cross(_unit(orientation[:3]), _unit(orientation[3:6])))


def position_label(position: Sequence[float], orientation: Sequence[float]) -> str:
    """Where a slice lies, as radiologists say it: its coordinate on the patient axis nearest to the
    plane's normal, with that axis' letter ('L 28.0' for a sagittal slice 28 mm left of the origin,
    'S 40.0' for an axial one 40 mm above it)."""
    normal = _cross(_unit(orientation[:3]), _unit(orientation[3:6]))
    axis = max(range(3), key=lambda k: abs(normal[k]))
    value = float(position[axis])
    letter = (("R", "L"), ("A", "P"), ("I", "S"))[axis][value > 0]
    return f"{letter} {abs(value):.1f}"


def slice_order(
    slices: Sequence[tuple[Sequence[float] | None, Sequence[float] | None, int | None]],
) -> list[int]:
    """Indexes of `slices` ((position, orientation, instance number) each) in viewing order.

    Along the normal of the first slice's plane, when every slice has a position and orientation (a
    multi-stack spine axial still runs head to foot, and shuffled or missing numbers do not matter),
    in the direction the scanner numbered them; otherwise by instance number. Ties keep the instance
    number order, then the input order.
    """

    def number(i: int) -> float:
        value = slices[i][2]
        return math.inf if value is None else value

    if not slices or not all(p is not None and o is not None for p, o, _ in slices):
        return sorted(range(len(slices)), key=lambda i: (number(i), i))
    orientation = slices[0][1]
    along = [round(position_along_normal(p, orientation), 3) for p, _, _ in slices]  # type: ignore[arg-type]
    order = sorted(range(len(slices)), key=lambda i: (along[i], number(i), i))
    first, last = number(order[0]), number(order[-1])
    if math.isfinite(first) and math.isfinite(last) and first > last:
        order = sorted(range(len(slices)), key=lambda i: (-along[i], number(i), i))
    return order


def reference_line(
    target: Plane, size: tuple[int, int], source: Plane
) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """Where the plane of slice `source` cuts image `target` (`size` = (columns, rows)), as two
    end points in the target's image coordinates, clipped to the image; None if the planes are
    (nearly) parallel or the line misses the image.

    A point target.to_patient(x, y) lies on the source plane when
    n·(P0 - S0) + u (n·row) + v (n·column) = 0, with u, v its distances in mm from the first pixel's
    centre along the row and the column, n the source's normal and S0 its position.
    """
    n = source.normal
    a = _dot(n, target.row)  # per mm along the target's rows
    b = _dot(n, target.column)  # per mm down the target's columns
    c = _dot(n, tuple(target.position[k] - source.position[k] for k in range(3)))
    if math.hypot(a, b) < PARALLEL_BELOW:
        return None
    # In pixels, with the corner-based image coordinates: u = (x - ½)·dx, v = (y - ½)·dy.
    dy, dx = target.spacing
    ax, by = a * dx, b * dy
    c0 = c - 0.5 * ax - 0.5 * by  # so the line reads ax·x + by·y + c0 = 0
    return _clip_line(ax, by, c0, float(size[0]), float(size[1]))


def _clip_line(
    ax: float, by: float, c0: float, width: float, height: float
) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """The segment of the line ax·x + by·y + c0 = 0 inside [0, width] x [0, height]."""
    points: list[tuple[float, float]] = []
    if abs(by) > 1e-12:
        for x in (0.0, width):
            y = -(c0 + ax * x) / by
            if -1e-9 <= y <= height + 1e-9:
                points.append((x, min(max(y, 0.0), height)))
    if abs(ax) > 1e-12:
        for y in (0.0, height):
            x = -(c0 + by * y) / ax
            if -1e-9 <= x <= width + 1e-9:
                points.append((min(max(x, 0.0), width), y))
    unique: list[tuple[float, float]] = []
    for point in points:
        if all(math.dist(point, seen) > 1e-6 for seen in unique):
            unique.append(point)
    if len(unique) < 2:
        return None
    start, end = sorted(unique[:2])
    return start, end


def distance_to_plane(point: Sequence[float], plane: Plane) -> float:
    """Signed distance (mm) from a patient point to a slice's plane."""
    return _dot(plane.normal, tuple(point[k] - plane.position[k] for k in range(3)))
