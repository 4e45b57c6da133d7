"""A Spanish-speaking patient follows an exercise in Chromium: the plan, the cues and the spoken
words are Spanish, and the English page at its own address is unchanged."""

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from tests.e2e.test_exercise_player import accessibility_problems, open_with_a_stopped_clock

pytestmark = pytest.mark.django_db(transaction=True)

# Speech is the browser's: record what the player asks it to say, and in which language.
RECORD_SPEECH = """
    window.__spoken = [];
    Object.defineProperty(window, "speechSynthesis", {
        value: {speak: (u) => window.__spoken.push([u.text, u.lang]), cancel: () => {}},
    });
"""


@pytest.fixture
def spanish_page(browser):
    context = browser.new_context(locale="es-US", extra_http_headers={"Accept-Language": "es"})
    context.add_init_script(RECORD_SPEECH)
    page = context.new_page()
    yield page
    context.close()


def test_a_spanish_speaking_patient_follows_an_exercise_in_spanish(
    spanish_page, live_server, seeded
):
    page = spanish_page
    with translation.override("es"):
        url = reverse("exercises:exercise_player", args=["pelvic-tilt"])
    open_with_a_stopped_clock(page, f"{live_server.url}{url}")
    expect(page.get_by_role("heading", name="Antes de empezar")).to_be_visible()
    assert accessibility_problems(page) == []
    page.get_by_label("Decir las indicaciones en voz alta").check()
    page.get_by_role("button", name="Empezar").click()

    expect(page.get_by_role("heading", level=2, name="Inclinación de la pelvis")).to_be_focused()
    expect(page.locator("#exercise-count")).to_have_text("Ejercicio 1 de 1")
    expect(page.locator("#exercise-steps li").first).to_have_text(
        "Acuéstese boca arriba sobre una colchoneta o una alfombra."
    )
    expect(page.locator("#exercise-steps")).to_have_attribute("lang", "es")
    expect(page.locator("#exercise-phase")).to_have_text(
        "Póngase en posición. Oprima Empezar cuando esté listo."
    )
    page.locator("#player-primary").click()
    expect(page.locator("#exercise-phase")).to_have_text("Aguante 1 de 10")
    expect(page.get_by_role("button", name="Pausa")).to_be_enabled()
    page.clock.run_for(5_100)
    expect(page.locator("#exercise-phase")).to_have_text("Relájese")
    spoken = page.evaluate("window.__spoken")
    assert ["Aguante 5 segundos", page.evaluate("document.documentElement.lang")] in spoken
    assert [text for text, _lang in spoken][-1] == "Relájese"
    assert accessibility_problems(page) == []
