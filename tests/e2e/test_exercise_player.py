"""A patient follows a routine in Chromium with a fake clock: holds, repetitions, rests, pause, a
hidden tab, the keyboard alone, pain scores kept on the device only, the history page, offline."""

import datetime
import json

import pytest
from playwright.sync_api import expect

from exercises.models import Exercise, Routine, RoutineItem, Status
from tests.e2e.conftest import axe_violations

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def short_routine(seeded):
    """Two exercises: a held one (2 holds of 5 s, 2 sets) and a counted one (3 repetitions)."""
    routine = Routine.objects.create(
        title="Test routine",
        slug="test-routine",
        summary="For the test.",
        who_for="Tests.",
        minutes=5,
        status=Status.PUBLISHED,
    )
    RoutineItem.objects.create(
        routine=routine,
        exercise=Exercise.objects.get(slug="pelvic-tilt"),
        order=1,
        reps=2,
        sets=2,
        hold_seconds=5,
    )
    RoutineItem.objects.create(
        routine=routine, exercise=Exercise.objects.get(slug="cat-camel"), order=2, reps=3, sets=1
    )
    return routine


@pytest.fixture
def sent(page):
    """Every request the page (and its worker) makes, with its body."""
    requests = []
    page.context.on("request", lambda r: requests.append((r.method, r.url, r.post_data)))
    return requests


START = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC)


def open_with_a_stopped_clock(page, url: str) -> None:
    """The page's clock stands still and moves only when the test moves it (run_for)."""
    page.clock.install(time=START)
    page.goto(url)
    page.clock.pause_at(START + datetime.timedelta(minutes=1))


def accessibility_problems(page) -> list[dict]:
    """axe-core waits on timers: let the clock run while it checks, then stop it again. Only used
    while nothing is counting down, so the moment of time that passes changes nothing on screen."""
    page.clock.resume()
    try:
        return axe_violations(page)
    finally:
        # A few seconds ahead, so that the time axe took (on a busy machine) is not in the future.
        now = page.evaluate("Date.now()") / 1000
        page.clock.pause_at(datetime.datetime.fromtimestamp(now + 5, tz=datetime.UTC))


def phase(page):
    return page.locator("#exercise-phase")


def timer(page):
    return page.locator("#exercise-timer")


def hide_the_tab(page):
    page.evaluate(
        """() => {
            Object.defineProperty(document, "visibilityState", {value: "hidden", configurable: true});
            document.dispatchEvent(new Event("visibilitychange"));
        }"""
    )


def show_the_tab(page):
    page.evaluate(
        """() => {
            Object.defineProperty(document, "visibilityState", {value: "visible", configurable: true});
            document.dispatchEvent(new Event("visibilitychange"));
        }"""
    )


def test_a_routine_plays_through_with_its_holds_reps_and_rests(
    page, live_server, short_routine, sent, console_errors
):
    open_with_a_stopped_clock(page, f"{live_server.url}/exercises/routines/test-routine/play/")
    expect(page.get_by_role("heading", name="Before you start")).to_be_visible()
    assert accessibility_problems(page) == []
    page.locator("#pain_before-3").check()
    page.get_by_role("button", name="Start").click()

    expect(page.get_by_role("heading", level=2, name="Pelvic tilt")).to_be_focused()
    expect(page.locator("#exercise-count")).to_have_text("Exercise 1 of 2")
    expect(phase(page)).to_have_text("Get into position. Press Start when you are ready.")
    assert accessibility_problems(page) == []
    page.locator("#player-primary").click()

    expect(phase(page)).to_have_text("Hold 1 of 2, set 1 of 2")
    expect(timer(page)).to_have_text("5")
    page.clock.run_for(100)
    expect(page.locator("#player-live")).to_have_text("Hold 1 of 2, set 1 of 2. 5 seconds.")
    page.clock.run_for(2_000)
    expect(timer(page)).to_have_text("3")
    expect(page.locator("#exercise-caption")).to_have_text("3")
    page.get_by_role("button", name="Pause").click()
    assert accessibility_problems(page) == []
    page.get_by_role("button", name="Resume").click()
    expect(timer(page)).to_have_text("3")
    page.clock.run_for(3_000)
    expect(phase(page)).to_have_text("Relax")
    expect(timer(page)).to_have_text("3")
    page.clock.run_for(3_000)
    expect(phase(page)).to_have_text("Hold 2 of 2, set 1 of 2")
    page.clock.run_for(5_000)
    expect(phase(page)).to_have_text("Rest before set 2 of 2")
    expect(timer(page)).to_have_text("30")

    # Paused, the rest does not run down; it goes on from where it was.
    page.clock.run_for(10_000)
    expect(timer(page)).to_have_text("20")
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Resume")).to_have_attribute("aria-pressed", "true")
    assert accessibility_problems(page) == []
    page.clock.run_for(60_000)
    expect(timer(page)).to_have_text("20")
    page.get_by_role("button", name="Resume").click()
    page.clock.run_for(20_000)
    expect(phase(page)).to_have_text("Hold 1 of 2, set 2 of 2")

    # A hidden tab pauses the hold; back on the tab it waits where it was.
    page.clock.run_for(2_000)
    hide_the_tab(page)
    page.clock.run_for(30_000)
    show_the_tab(page)
    expect(timer(page)).to_have_text("3")
    expect(page.locator("#player-live")).to_have_text(
        "Paused while you were away. Press Resume to go on."
    )
    page.get_by_role("button", name="Resume").click()
    page.clock.run_for(3_000 + 3_000 + 5_000)

    # The counted exercise: the patient says when each repetition is done.
    expect(page.get_by_role("heading", level=2, name="Cat and camel")).to_be_focused()
    page.locator("#player-primary").click()
    expect(phase(page)).to_have_text("Repetition 1 of 3")
    expect(timer(page)).to_be_hidden()
    for n in (1, 2, 3):
        expect(page.locator("#exercise-reps")).to_have_text(f"{n} of 3")
        page.get_by_role("button", name="Done one").click()

    expect(page.get_by_role("heading", name="Well done")).to_be_focused()
    expect(page.locator("#after-summary")).to_have_text("You did 2 of 2 exercises.")
    page.locator("#pain_after-6").check()
    assert accessibility_problems(page) == []
    page.get_by_role("button", name="Save and finish").click()

    # Pain is higher after than before: the "stop if" reminder shows.
    expect(
        page.get_by_role("heading", name="Your pain is worse than before you started")
    ).to_be_visible()
    expect(page.locator("#done-stop li").first).to_be_visible()
    assert accessibility_problems(page) == []
    history = json.loads(page.evaluate("localStorage.getItem('backcare.history')"))
    assert [
        (h["title"], h["done"], h["total"], h["pain_before"], h["pain_after"]) for h in history
    ] == [("Test routine", 2, 2, 3, 6)]
    # Nothing the patient did or scored left the browser: only page, script, style and image loads.
    assert all(method == "GET" and body is None for method, _url, body in sent)
    assert not [url for _m, url, _b in sent if "pain" in url or "history" in url]
    assert console_errors == []


def test_the_player_works_by_keyboard_alone(page, live_server, short_routine):
    open_with_a_stopped_clock(page, f"{live_server.url}/exercises/routines/test-routine/play/")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Start":
            break
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=2, name="Pelvic tilt")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#player-primary")).to_be_focused()
    page.keyboard.press("Enter")
    expect(phase(page)).to_have_text("Hold 1 of 2, set 1 of 2")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Pause")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.get_by_role("button", name="Resume")).to_be_visible()
    # Tab on to "Next exercise" and leave the held exercise.
    for _ in range(3):
        page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Next exercise")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=2, name="Cat and camel")).to_be_focused()


def test_the_history_page_shows_sessions_and_deletes_them(page, live_server, short_routine, sent):
    page.goto(f"{live_server.url}/exercises/my-progress/")
    expect(page.get_by_text("No sessions yet.")).to_be_visible()
    page.evaluate(
        """() => localStorage.setItem("backcare.history", JSON.stringify([
            {when: new Date().toISOString(), title: "Test routine", page: "/x/", done: 2, skipped: 0,
             total: 2, pain_before: 4, pain_after: 2},
            {when: new Date().toISOString(), title: "Test routine", page: "/x/", done: 1, skipped: 1,
             total: 2, pain_before: 6, pain_after: 4}
        ]))"""
    )
    page.reload()
    this_week = page.locator("#progress-rows tr").last
    expect(this_week.locator("td")).to_have_text(["2", "5.0", "3.0"])
    expect(page.locator("#progress-list li")).to_have_count(2)
    expect(page.locator("#progress-chart rect")).to_have_count(8)
    assert axe_violations(page) == []

    page.get_by_role("button", name="Delete my history").click()
    expect(page.get_by_role("button", name="Yes, delete my history")).to_be_focused()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Yes, delete my history").click()
    expect(page.get_by_text("No sessions yet.")).to_be_visible()
    assert page.evaluate("localStorage.getItem('backcare.history')") is None
    assert all(method == "GET" and body is None for method, _url, body in sent)


def test_a_player_opened_once_plays_offline(page, live_server, short_routine, console_errors):
    url = f"{live_server.url}/exercises/routines/test-routine/play/"
    page.goto(url)
    expect(page.locator("html")).to_have_attribute("data-offline-ready", "true", timeout=30_000)
    page.context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", name="Before you start")).to_be_visible()
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("heading", level=2, name="Pelvic tilt")).to_be_focused()
    page.context.set_offline(False)
    assert console_errors == []
