"""The widget and the agent console in Chromium against a real gateway and CRM (Rasa is the
recording stand-in of tests/support/fake_rasa.py, so this runs without a trained model):
embedding, Spanish chat, HTML shown as text, reload, handoff, exclusive take, translation
both ways, hand back; and rasa-webchat's own bundle talking to the gateway unchanged."""

import pytest

from tests.browser.conftest import sign_in
from tests.support.gateway_clients import crm_and_gateway, wait_for
from tests.support.stack import ROOT

pytestmark = pytest.mark.browser
WEBCHAT = ROOT / ".cache" / "npm" / "node_modules" / "rasa-webchat" / "lib" / "index.js"


@pytest.fixture(scope="module")
def gw():
    with crm_and_gateway("gateway-browser") as running:
        yield running


def bubbles(page, sender=None):
    selector = "#support-widget .saw-msg" + (f'[data-sender="{sender}"]' if sender else "")
    return page.locator(selector)


def test_widget_customer_and_console_agent(gw, new_context, screenshots):
    base = gw.url("gateway")
    shop = new_context().new_page()
    shop.goto(base + "/")
    shop.get_by_role("button", name="Chat with us").click()
    shop.get_by_label("Language").select_option("es")
    box = shop.get_by_label("Su mensaje")
    expect_focus = shop.evaluate("document.activeElement.id")
    assert expect_focus in ("saw-language", "saw-input")

    box.fill("hola, ¿dónde está mi pedido?")
    box.press("Enter")
    bubbles(shop, "bot").filter(has_text="echo[es]: hola").wait_for()

    # Markup typed by a customer is shown as text, never parsed.
    box.fill('<img src=x onerror="window.pwned=1"><b>negrita</b>')
    box.press("Enter")
    bubbles(shop, "bot").filter(has_text="<b>negrita</b>").wait_for()
    assert shop.locator("#support-widget img").count() == 0 and shop.locator("#support-widget b").count() == 0
    assert shop.evaluate("window.pwned") is None

    # Quick replies are buttons; clicking one sends its payload.
    box.fill("buttons")
    box.press("Enter")
    shop.locator(".saw-replies button", has_text="Yes").click()
    wait_for(lambda: "/affirm" in gw.rasa.texts_for(shop.evaluate("SupportWidget.state().sessionId")), what="payload")
    bubbles(shop, "bot").filter(has_text="/affirm").wait_for()  # its answer is on screen before counting
    assert bubbles(shop, "customer").filter(has_text="Yes").count() == 1  # the title is shown, not the payload

    # Reload: same session, the transcript comes back once (no duplicates).
    session_id = shop.evaluate("SupportWidget.state().sessionId")
    count = bubbles(shop).count()
    shop.reload()
    bubbles(shop, "bot").filter(has_text="echo[es]: hola").wait_for()
    wait_for(lambda: bubbles(shop).count() == count, what=f"{count} bubbles after reload")
    assert shop.evaluate("SupportWidget.state().sessionId") == session_id
    assert bubbles(shop, "customer").filter(has_text="/affirm").count() == 0  # the button's title, again

    # An agent signs in (second browser context) and has a console open: presence.
    console = new_context().new_page()
    sign_in(console, base, "agent@example.com", gw.env["DEMO_AGENT_PASSWORD"])
    console.get_by_role("status").filter(has_text="live").wait_for()

    shop.get_by_label("Su mensaje").fill("/request_human")
    shop.get_by_label("Su mensaje").press("Enter")
    bubbles(shop, "bot").filter(has_text="handoff: queued").wait_for()
    shop.get_by_label("Su mensaje").fill("quiero hablar con una persona")
    shop.get_by_label("Su mensaje").press("Enter")

    queued = console.locator("#queue button").first
    queued.wait_for()
    queued.click()
    console.locator("#transcript .customer").filter(has_text="Original (es): quiero hablar con una persona").wait_for()
    console.get_by_role("button", name="Take", exact=True).click()
    bubbles(shop, "system").filter(has_text="se ha unido").wait_for()

    console.get_by_label("Reply").fill("Hello, I will check your order now.")
    console.get_by_role("button", name="Send", exact=True).click()
    agent_line = bubbles(shop, "agent").first
    agent_line.wait_for()
    assert "comprobar" in agent_line.inner_text().lower()

    shop.get_by_label("Su mensaje").fill("gracias, espero")
    shop.get_by_label("Su mensaje").press("Enter")
    console.locator("#transcript .customer").filter(has_text="gracias, espero").wait_for()
    shop.screenshot(path=str(screenshots / "widget-with-agent.png"))
    console.screenshot(path=str(screenshots / "console-with-customer.png"))

    console.get_by_role("button", name="Hand back to bot", exact=True).click()
    bubbles(shop, "system").filter(has_text="asistente").wait_for()
    wait_for(lambda: "/handed_back" in gw.rasa.texts_for(session_id), what="/handed_back")


def test_console_redirects_to_login_when_signed_out(gw, new_context):
    page = new_context().new_page()
    page.goto(gw.url("gateway") + "/console")
    page.wait_for_url("**/login?next=/console")


def test_rasa_webchat_bundle_works_against_the_gateway(gw, new_context, screenshots):
    assert WEBCHAT.exists(), "rasa-webchat is not installed: scripts/setup.sh --test npm-installs it into .cache/npm"
    page = new_context().new_page()
    page.goto(gw.url("gateway") + "/health")  # an empty page on the gateway's origin
    page.set_content('<html><body><div id="webchat"></div></body></html>')
    page.add_script_tag(path=str(WEBCHAT))
    page.evaluate("""url => WebChat.default({selector: '#webchat', socketUrl: url, socketPath: '/socket.io/',
                                                title: 'Support', initPayload: 'hello from webchat',
                                                embedded: true, showMessageDate: false}, null)""", gw.url("gateway"))
    # rasa-webchat renders bot text as Markdown ("echo[en]:" loses its brackets).
    page.locator(".rw-response", has_text="hello from webchat").wait_for(timeout=30_000)
    page.locator("input.rw-new-message, textarea.rw-new-message").fill("second message")
    page.locator("input.rw-new-message, textarea.rw-new-message").press("Enter")
    page.locator(".rw-response", has_text="second message").wait_for()
    assert [m["message"] for m in gw.rasa.messages[-2:]] == ["hello from webchat", "second message"]
    page.screenshot(path=str(screenshots / "rasa-webchat.png"))


def test_widget_survives_a_gateway_restart_without_loss_or_duplicates(gw, new_context, screenshots):
    shop = new_context().new_page()
    shop.goto(gw.url("gateway") + "/")
    shop.get_by_role("button", name="Chat with us").click()
    box = shop.get_by_label("Your message")
    box.fill("before the restart")
    box.press("Enter")
    bubbles(shop, "bot").filter(has_text="echo[en]: before the restart").wait_for()

    gw.stop_service("gateway")
    shop.locator(".saw-status").filter(has_text="Reconnecting").wait_for()
    box.fill("typed while the gateway was down")
    box.press("Enter")
    assert shop.evaluate("SupportWidget.state().pending") == 1
    gw.start("gateway")

    bubbles(shop, "bot").filter(has_text="echo[en]: typed while the gateway was down").wait_for(timeout=30_000)
    wait_for(lambda: shop.evaluate("SupportWidget.state().pending") == 0, what="pending message acknowledged")
    texts = bubbles(shop).all_inner_texts()
    assert texts.count("typed while the gateway was down") == 1
    assert texts.count("echo[en]: typed while the gateway was down") == 1
    session_id = shop.evaluate("SupportWidget.state().sessionId")
    assert gw.rasa.texts_for(session_id).count("typed while the gateway was down") == 1
    shop.screenshot(path=str(screenshots / "widget-after-restart.png"))


def test_widget_is_usable_with_the_keyboard_alone(gw, new_context):
    shop = new_context().new_page()
    shop.goto(gw.url("gateway") + "/")
    launcher = shop.get_by_role("button", name="Chat with us")
    assert launcher.get_attribute("aria-expanded") == "false"
    launcher.focus()
    shop.keyboard.press("Enter")
    assert launcher.get_attribute("aria-expanded") == "true"
    assert shop.evaluate("document.activeElement.id") == "saw-input"  # focus moves into the chat
    shop.keyboard.type("hello by keyboard")
    shop.keyboard.press("Enter")
    bubbles(shop, "bot").filter(has_text="echo[en]: hello by keyboard").wait_for()
    assert shop.get_by_role("log").get_attribute("aria-live") == "polite"
    assert shop.get_by_role("dialog", name="Customer support").is_visible()
    shop.keyboard.press("Escape")
    assert not shop.get_by_role("dialog").is_visible()
    assert shop.evaluate("document.activeElement.className") == "saw-launcher"  # focus returns
