"""The whole human-handoff story in Chromium on the REAL stack (CRM, action server, Rasa
with the newest trained model, gateway): a Spanish-speaking customer asks for a person, an
English-speaking agent takes the conversation in the console, they talk (Apertium eng<->spa),
the agent hands back and the customer finishes an order-status request with the bot.

Needs the trained assistant (handoff action, order-status flow): `make train` first."""

import re

import pytest

from tests.browser.conftest import sign_in
from tests.support.stack import ROOT, Stack, fresh_workdir

pytestmark = pytest.mark.browser

ORDER, EMAIL = "100203", "lucia.garcia@example.com"  # demo data: Lucía García's shipped order


@pytest.fixture(scope="module")
def stack():
    running = Stack(fresh_workdir(ROOT / "test-artifacts", "browser-story-stack"))
    try:
        running.start()
        yield running
    finally:
        running.stop()


def bot_lines(page):
    return page.locator('#support-widget .saw-msg:not([data-sender="customer"])')


def customer_says(page, text):
    box = page.get_by_label("Su mensaje")
    box.fill(text)
    box.press("Enter")


def test_spanish_customer_english_agent_hand_back_then_order_status(stack, new_context, screenshots):
    base = stack.url("gateway")
    console = new_context().new_page()
    sign_in(console, base, "agent@example.com", stack.env["DEMO_AGENT_PASSWORD"])
    console.get_by_role("status").filter(has_text="live").wait_for()

    shop = new_context(locale="es-ES").new_page()
    shop.goto(base + "/")
    shop.get_by_role("button", name="Chat with us").click()
    shop.get_by_label("Language").select_option("es")
    customer_says(shop, "hola")
    bot_lines(shop).first.wait_for(timeout=60_000)

    customer_says(shop, "quiero hablar con una persona")
    console.locator("#queue button").first.wait_for(timeout=60_000)
    console.locator("#queue button").first.click()
    console.locator("#transcript .customer").filter(has_text="quiero hablar con una persona").wait_for()
    console.get_by_role("button", name="Take", exact=True).click()
    shop.locator('#support-widget .saw-msg[data-sender="system"]').filter(has_text="Sam Agent").wait_for()

    console.get_by_label("Reply").fill("Hello! I can see your conversation. How can I help you?")
    console.get_by_role("button", name="Send", exact=True).click()
    agent_line = shop.locator('#support-widget .saw-msg[data-sender="agent"]').first
    agent_line.wait_for()
    assert "Hello" not in agent_line.inner_text() and re.search(r"ayud|Hola", agent_line.inner_text())

    customer_says(shop, "solo quería saber si alguien me atiende, gracias")
    console.locator("#transcript .customer").filter(has_text="gracias").wait_for()
    shop.screenshot(path=str(screenshots / "story-widget-with-agent.png"))
    console.screenshot(path=str(screenshots / "story-console.png"))

    console.get_by_role("button", name="Hand back to bot", exact=True).click()
    shop.locator('#support-widget .saw-msg[data-sender="system"]').filter(has_text="asistente").wait_for()

    before = bot_lines(shop).count()
    customer_says(shop, f"¿dónde está mi pedido {ORDER}?")
    shop.wait_for_function("n => document.querySelectorAll("
                           "'#support-widget .saw-msg:not([data-sender=customer])').length > n", arg=before)
    # The bot verifies the customer (order number + e-mail) before telling the status.
    customer_says(shop, EMAIL)
    status_line = bot_lines(shop).filter(has_text=re.compile("enviado", re.IGNORECASE)).first
    status_line.wait_for(timeout=60_000)
    assert ORDER in status_line.inner_text() or ORDER in shop.locator("#support-widget").inner_text()
    shop.screenshot(path=str(screenshots / "story-widget-order-status.png"))
