"""Every public form control, in Chromium, measured from its computed styles: its border stands out
from what is behind it (WCAG 1.4.11, 3:1), and, reached by the Tab key, it shows a focus ring of at
least 2 px at 3:1 against what is beside the ring (WCAG 2.4.7, aiming at 2.4.13). Also what axe-core
did not catch on the MRI form (issue #18): Uppy's file list after a file is added, the size of its
"remove file" button, and radio questions in the same type as text-field labels.

The ratios are WCAG's relative-luminance contrast of sRGB colours; a semi-transparent colour is laid
over what is behind it first. Background images are not read (none of these pages puts a control on
one)."""

import re
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from exercises.models import Routine
from intake.models import UploadLink
from intake.triage import services as triage
from tests.e2e.conftest import axe_violations, reach_the_upload_box
from tests.factories import ReviewRequestFactory, pdf_bytes
from tests.test_review_letter_link import path_of, sent_letter
from tests.triage_support import COORDINATOR, staff_user

pytestmark = pytest.mark.django_db(transaction=True)

MIN_CONTRAST = 3.0
MIN_RING_PX = 2.0
MIN_TARGET_PX = 24.0

# What a person can reach on the page: the form controls, and the language switch (a link in the
# menu). Inside [aria-hidden] or tabindex="-1" are the honeypot and Uppy's hidden inputs.
CONTROLS = "input:not([type=hidden]), select, textarea, button, a.btn, a.language-switch, summary"

# Runs in the page: the computed styles this module reads, for one element or for every control.
MEASURE = """
([mode, selector]) => {
  const describe = (el) => {
    let text = el.id ? `#${el.id}` : "";
    if (!text && el.name) text = `[name=${el.name}][value=${el.value}]`;
    if (!text) text = `.${[...el.classList].join(".")} "${(el.textContent || "").trim().slice(0, 30)}"`;
    return `${el.tagName.toLowerCase()}${text}`;
  };
  const measure = (el) => {
    const s = getComputedStyle(el);
    const behind = [];
    for (let up = el.parentElement; up; up = up.parentElement) {
      behind.push(getComputedStyle(up).backgroundColor);
    }
    const rect = el.getBoundingClientRect();
    return {
      key: el.dataset.a11yKey || null,
      desc: describe(el),
      tag: el.tagName.toLowerCase(),
      type: (el.getAttribute("type") || "").toLowerCase(),
      name: el.name || "",
      borders: ["Top", "Right", "Bottom", "Left"].map((side) => [
        parseFloat(s[`border${side}Width`]), s[`border${side}Style`], s[`border${side}Color`],
      ]),
      background: s.backgroundColor,
      behind,
      outline: [s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor, parseFloat(s.outlineOffset)],
      boxShadow: s.boxShadow,
      size: [rect.width, rect.height],
    };
  };
  if (mode === "focused") {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    // Bootstrap eases colours and shadows in over 0.15 s: measure where they end.
    return Promise.all(el.getAnimations().map((a) => a.finished)).then(() => measure(el));
  }
  const shown = [...document.querySelectorAll(selector)].filter((el) =>
    !el.disabled && el.tabIndex !== -1 && !el.closest("[aria-hidden=true], [inert]") &&
    el.checkVisibility({ visibilityProperty: true, opacityProperty: true }) &&
    el.getClientRects().length > 0);
  return shown.map((el, index) => {
    el.dataset.a11yKey = String(index);
    return measure(el);
  });
}
"""

RGBA = re.compile(r"rgba?\(([\d.]+),? ([\d.]+),? ([\d.]+)(?:(?:,| /) ([\d.]+%?))?\)")
SHADOW = re.compile(
    r"(rgba?\([^)]*\)) (-?[\d.]+)px (-?[\d.]+)px (-?[\d.]+)px (-?[\d.]+)px( inset)?"
)

Colour = tuple[float, float, float, float]


def parse(colour: str) -> Colour:
    match = RGBA.fullmatch(colour.strip())
    assert match, f"a colour this test cannot read: {colour!r}"
    r, g, b, a = match.groups()
    alpha = 1.0 if a is None else (float(a[:-1]) / 100 if a.endswith("%") else float(a))
    return float(r), float(g), float(b), alpha


def over(top: Colour, bottom: Colour) -> Colour:
    """`top` painted over an opaque `bottom`."""
    a = top[3]
    return (*(top[i] * a + bottom[i] * (1 - a) for i in range(3)), 1.0)


def backdrop(behind: list[str]) -> Colour:
    """What shows behind an element: its ancestors' backgrounds laid over the white canvas."""
    colour: Colour = (255.0, 255.0, 255.0, 1.0)
    for layer in reversed(behind):
        colour = over(parse(layer), colour)
    return colour


def luminance(colour: Colour) -> float:
    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in colour[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: Colour, b: Colour) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_contrast_arithmetic_matches_wcag():
    white, black = parse("rgb(255, 255, 255)"), parse("rgb(0, 0, 0)")
    assert round(contrast(white, black), 1) == 21.0
    # The figures in issue #18: Bootstrap's border, and the old amber ring, on white.
    assert round(contrast(parse("rgb(222, 226, 230)"), white), 1) == 1.3
    assert round(contrast(parse("rgb(240, 163, 10)"), white), 1) == 2.1
    # A 50 % black over white is mid grey.
    assert over(parse("rgba(0, 0, 0, 0.5)"), white)[:3] == (127.5, 127.5, 127.5)


@dataclass
class Measured:
    desc: str
    tag: str
    type: str
    name: str
    key: str | None
    behind: Colour
    own: Colour
    borders: list[Colour]
    raw: dict

    @classmethod
    def of(cls, raw: dict) -> "Measured":
        behind = backdrop(raw["behind"])
        own = over(parse(raw["background"]), behind)
        borders = [
            over(parse(colour), own)
            for width, style, colour in raw["borders"]
            if width > 0 and style not in ("none", "hidden") and parse(colour)[3] > 0
        ]
        return cls(
            desc=raw["desc"],
            tag=raw["tag"],
            type=raw["type"],
            name=raw["name"],
            key=raw["key"],
            behind=behind,
            own=own,
            borders=borders,
            raw=raw,
        )

    @property
    def is_field(self) -> bool:
        """Something typed into or ticked, whose box is its only outline."""
        if self.tag in ("select", "textarea"):
            return True
        return self.tag == "input" and self.type not in ("submit", "button", "reset", "image")

    def boundary(self) -> float | None:
        """The contrast of the control's edge against what is behind it (its border, or its own
        background for a filled button); None for a button drawn as text only."""
        edges = [contrast(border, self.behind) for border in self.borders]
        if self.is_field:
            return min(edges) if edges else contrast(self.own, self.behind)
        best = max([*edges, contrast(self.own, self.behind)])
        return None if best < 1.05 else best

    def ring(self) -> tuple[float, float, float]:
        """The focus indicator: (width in px, contrast against what is behind, contrast against the
        control's own edge when the ring touches it)."""
        style, width, colour, offset = self.raw["outline"]
        if style not in ("none", "hidden", "auto") and width > 0:
            ring = over(parse(colour), self.behind)
            touching = offset < 1
        else:
            width, ring, touching = 0.0, self.behind, False
            for match in SHADOW.finditer(self.raw["boxShadow"]):
                colour, x, y, _blur, spread, inset = match.groups()
                if not inset and float(x) == float(y) == 0 and float(spread) > width:
                    width, ring, touching = float(spread), over(parse(colour), self.behind), True
        beside_control = min(
            [contrast(ring, edge) for edge in [*self.borders, self.own]]
            if touching
            else [MIN_CONTRAST]
        )
        return width, contrast(ring, self.behind), beside_control


def boundary_problems(controls: list[Measured]) -> list[str]:
    problems = []
    for control in controls:
        ratio = control.boundary()
        if ratio is not None and ratio < MIN_CONTRAST:
            problems.append(f"{control.desc}: edge {ratio:.2f}:1 against what is behind it")
    return problems


def ring_problems(control: Measured) -> list[str]:
    width, against_page, against_control = control.ring()
    problems = []
    if width < MIN_RING_PX:
        problems.append(f"{control.desc}: focus ring {width:g} px")
    if against_page < MIN_CONTRAST:
        problems.append(f"{control.desc}: focus ring {against_page:.2f}:1 against the page")
    if against_control < MIN_CONTRAST:
        problems.append(f"{control.desc}: focus ring {against_control:.2f}:1 against the control")
    return problems


def check_every_control(page, *, must_reach: tuple[str, ...] = ()) -> list[Measured]:
    """Measure every control's edge, then Tab through the whole page measuring each focused
    element's ring; every control must be reached (a radio group once: Tab enters it at one radio).
    Returns the controls, for a caller's own checks."""
    controls = [Measured.of(raw) for raw in page.evaluate(MEASURE, ["all", CONTROLS])]
    assert controls, "no control found on the page"
    problems = boundary_problems(controls)

    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.evaluate("() => window.scrollTo(0, 0)")
    reached_keys: set[str] = set()
    reached_groups: set[str] = set()
    first = None
    for _ in range(len(controls) * 2 + 60):
        page.keyboard.press("Tab")
        raw = page.evaluate(MEASURE, ["focused", ""])
        if raw is None:
            continue
        focused = Measured.of(raw)
        if first is not None and focused.desc == first:
            break  # round the page and back to the first stop
        first = first or focused.desc
        problems += ring_problems(focused)
        if focused.key is not None:
            reached_keys.add(focused.key)
        if focused.type == "radio":
            reached_groups.add(focused.name)
    for control in controls:
        reached = (
            control.name in reached_groups
            if control.type == "radio"
            else control.key in reached_keys
        )
        if not reached:
            problems.append(f"{control.desc}: never reached by the Tab key")
    described = {control.desc for control in controls}
    problems += [f"{wanted}: not on the page" for wanted in must_reach if wanted not in described]
    assert not problems, "\n".join(problems)
    return controls


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


@pytest.fixture
def desktop(page):
    page.set_viewport_size({"width": 1024, "height": 800})
    return page


def language_switch(page) -> str:
    return page.locator("a.language-switch").evaluate(
        """el => `a.${[...el.classList].join(".")} "${el.textContent.trim().slice(0, 30)}"`"""
    )


def test_every_control_of_the_mri_form_and_its_upload_box(desktop, live_server):
    page = desktop
    page.goto(f"{live_server.url}/mri-review/")
    reach_the_upload_box(page)
    expect(page.locator(".uppy-Dashboard-browse").first).to_be_visible()
    controls = check_every_control(page, must_reach=("input#id_first_name",))
    kinds = {(c.tag, c.type) for c in controls}
    assert {("input", "text"), ("input", "radio"), ("input", "checkbox"), ("textarea", "")} <= kinds
    assert any("uppy-Dashboard-browse" in c.desc for c in controls)
    assert any("language-switch" in c.desc for c in controls)


def test_every_control_of_the_form_sent_with_mistakes(desktop, live_server):
    page = desktop
    page.goto(f"{live_server.url}/mri-review/")
    page.get_by_role("button", name="Send my request").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert page.locator(".is-invalid").count() > 0
    check_every_control(page)


def test_every_control_of_the_status_and_letter_look_ups(desktop, live_server):
    page = desktop
    page.goto(f"{live_server.url}/mri-review/status/")
    check_every_control(page, must_reach=("input#id_reference", "input#id_date_of_birth"))
    page.goto(f"{live_server.url}{path_of(sent_letter())}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your MRI review letter")
    check_every_control(page, must_reach=("input#id_reference", "input#id_date_of_birth"))


def test_every_control_of_the_more_files_page(desktop, live_server):
    page = desktop
    obj = ReviewRequestFactory()
    token = "a-test-token-only-the-patient-has"
    UploadLink.objects.create(
        request=obj,
        token_hash=triage.hash_token(token),
        created_by=staff_user(role=COORDINATOR),
        expires_at=obj.submitted_at.replace(year=obj.submitted_at.year + 1),
    )
    page.goto(f"{live_server.url}/mri-review/more-files/{token}/")
    check_every_control(page, must_reach=("input#id_files",))


@pytest.mark.usefixtures("seeded")
def test_every_control_of_the_exercise_library_and_programme_look_up(desktop, live_server):
    page = desktop
    page.goto(f"{live_server.url}/exercises/")
    check_every_control(page, must_reach=("input#id_q",))
    page.goto(f"{live_server.url}/exercises/?q=chair")
    check_every_control(page)
    page.goto(f"{live_server.url}/exercises/programme/")
    check_every_control(page, must_reach=("input#programme-code",))


@pytest.mark.usefixtures("seeded")
def test_every_control_of_the_player_and_the_progress_page(desktop, live_server):
    page = desktop
    routine = Routine.objects.published().first()
    page.goto(f"{live_server.url}{routine.get_absolute_url()}play/")
    expect(page.locator("#player-before")).to_be_visible()
    check_every_control(page, must_reach=("input#player-speak",))
    page.locator("[data-action=begin]").click()
    expect(page.locator("#player-exercise")).to_be_visible()
    check_every_control(
        page,
        must_reach=(
            "button#player-primary",
            'button.btn.btn-outline-secondary "Skip this exercise"',
            'button.btn.btn-outline-secondary "Next exercise"',
        ),
    )
    page.goto(f"{live_server.url}/exercises/my-progress/")
    check_every_control(page)


def test_the_phone_menu_button_and_language_switch(page, live_server):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_server.url}/exercises/")
    toggler = page.locator(".navbar-toggler")
    expect(toggler).to_be_visible()
    toggler.click()
    expect(page.locator("a.language-switch")).to_be_visible()
    check_every_control(page, must_reach=(language_switch(page),))


def add_a_file(page, path) -> None:
    page.locator("#upload-dashboard input[type=file]:not([webkitdirectory])").first.set_input_files(
        str(path)
    )


def test_after_a_file_is_added_axe_finds_nothing_and_remove_is_big_enough(
    desktop, live_server, tmp_path, console_errors
):
    page = desktop
    report = tmp_path / "report.pdf"
    report.write_bytes(pdf_bytes())
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(pdf_bytes())
    page.goto(f"{live_server.url}/mri-review/")
    reach_the_upload_box(page)
    add_a_file(page, report)
    expect(page.locator(".uppy-StatusBar")).to_contain_text("Complete", timeout=30_000)
    remove = page.get_by_role("button", name="Remove file")
    assert axe_violations(page) == []

    for width in (1024, 375):  # Uppy draws the list as a grid, and as rows on a phone
        page.set_viewport_size({"width": width, "height": 800})
        expect(remove).to_be_visible()
        box = remove.bounding_box()
        assert box["width"] >= MIN_TARGET_PX, width
        assert box["height"] >= MIN_TARGET_PX, width

    # Reached by the keyboard, the remove button shows the ring too.
    page.set_viewport_size({"width": 1024, "height": 800})
    page.get_by_role("button", name="Add more").focus()
    for _ in range(20):
        page.keyboard.press("Tab")
        if (
            page.evaluate("() => document.activeElement.getAttribute('aria-label')")
            == "Remove file"
        ):
            break
    focused = Measured.of(page.evaluate(MEASURE, ["focused", ""]))
    assert "Item-action--remove" in focused.desc
    assert ring_problems(focused) == []

    # With two files Uppy draws the list another way (its list role on a scrolling box).
    page.get_by_role("button", name="Add more").click()
    add_a_file(page, scan)
    expect(page.get_by_role("button", name="Remove file")).to_have_count(2, timeout=30_000)
    assert axe_violations(page) == []
    assert console_errors == []


def test_radio_and_tick_box_questions_are_in_the_type_of_text_field_labels(desktop, live_server):
    page = desktop
    page.goto(f"{live_server.url}/mri-review/")
    sizes = page.evaluate(
        """() => {
            const size = (el) => getComputedStyle(el).fontSize;
            return {
                label: size(document.querySelector("label[for=id_first_name]")),
                legends: [...document.querySelectorAll(".intake-form legend.form-label")]
                    .map((el) => [el.textContent.trim().slice(0, 40), size(el)]),
            };
        }"""
    )
    assert len(sizes["legends"]) >= 10
    assert {text: sizes["label"] for text, _ in sizes["legends"]} == dict(sizes["legends"])
