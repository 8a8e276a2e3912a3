"""The admin workbench in Debian's Chromium: an admin signs in, adds a phrasing the model did
not recognise, trains, sees the evaluation, activates the new model, and the running Rasa
then understands the phrasing.

Real CRM (sign-in, audit), real Rasa server and real gateway; the workbench trains a SMALL
copy of the assistant (tests/admin/tiny_project.py via ADMIN_DATA_DIR / ADMIN_CONFIG / ...)
through the same training job as the real one, so the test takes minutes, not tens of them.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import httpx
import pytest

from tests.admin import tiny_project
from tests.support.stack import RASA_PYTHON, ROOT, Stack, fresh_workdir

pytestmark = pytest.mark.browser
PHRASE = "has my package shipped yet"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def workbench_stack():
    workdir = fresh_workdir(ROOT / "test-artifacts", "admin-browser")
    project = workdir / "project"
    env = tiny_project.build(project)
    # the model Rasa starts with, trained on the tiny data before the admin's edit
    subprocess.run([str(RASA_PYTHON), "-m", "rasa", "train", "--data", "data/nlu", "data/stories", "data/rules",
                    "--config", "config.yml", "--domain", "domain.yml", "--out", "models",
                    "--fixed-model-name", "initial"], cwd=project, check=True, capture_output=True, timeout=900)
    env.update({"KB_ENABLED": "false", "TRANSLATION_PRELOAD": "false",
                "ADMIN_TRACKER_STORE_URL": f"sqlite:///{workdir / 'rasa_tracker.db'}"})
    stack = Stack(workdir, model=project / "models" / "initial.tar.gz", extra_env=env)
    try:
        stack.start("crm", "rasa", "gateway")
        yield stack, project
    finally:
        stack.stop()


def parse(stack: Stack, text: str) -> dict:
    answer = httpx.post(f"{stack.url('rasa')}/model/parse", params={"token": stack.env["RASA_TOKEN"]},
                        json={"text": text}, timeout=30)
    assert answer.status_code == 200
    return answer.json()["intent"]


def test_admin_teaches_the_assistant_a_new_phrasing(workbench_stack):
    from playwright.sync_api import expect, sync_playwright

    stack, project = workbench_stack
    before = parse(stack, PHRASE)
    assert before["name"] != "check_order_status"  # the starting model does not understand it

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"{stack.url('gateway')}/admin")
        expect(page).to_have_url(f"{stack.url('gateway')}/login?next=/admin")
        page.fill("#email", "admin@example.com")
        page.fill("#password", stack.env["DEMO_ADMIN_PASSWORD"])
        page.click("button[type=submit]")
        expect(page).to_have_url(f"{stack.url('gateway')}/admin")

        # add the phrasing to check_order_status (English)
        page.click("#intent-list button[data-intent=check_order_status]")
        expect(page.locator("#nlu-title")).to_have_text("check_order_status (en)")
        examples = page.locator("#nlu-examples")
        examples.fill(examples.input_value() + "\n" + PHRASE)
        page.click("#nlu-save")
        expect(page.locator("#flash")).to_contain_text("Saved 6 examples of check_order_status")
        assert f"- {PHRASE}\n" in (project / "data/nlu/en/basics.yml").read_text()

        # train: live progress and log, then the evaluation next to the active model
        page.click("[data-tab=models]")
        page.click("#train")
        expect(page.locator("#job-status")).to_have_text("running")
        expect(page.locator("#job-status")).to_have_text("succeeded", timeout=900_000)
        assert re.search(r"(Finished training|Restored) component", page.locator("#job-log").text_content())
        expect(page.locator("#comparison")).to_be_visible()
        expect(page.locator("#cmp-active")).to_have_text("initial.tar.gz")
        row = page.locator("#cmp-table tr[data-intent=check_order_status]")
        expect(row).to_be_visible()
        assert page.locator("#cmp-chart rect").count() >= 8  # two bars per intent
        expect(page.locator("#cmp-img-candidate")).to_be_visible()
        assert page.evaluate("document.querySelector('#cmp-img-candidate').naturalWidth") > 0
        new_model = page.locator("#cmp-candidate").text_content()

        # activate it on the running Rasa
        page.click(f"#models-table tr[data-model='{new_model}'] button.activate")
        expect(page.locator("#flash")).to_contain_text(f"{new_model} is active")
        expect(page.locator(f"#models-table tr[data-model='{new_model}']")).to_have_class("active")
        browser.close()

    after = parse(stack, PHRASE)
    assert after["name"] == "check_order_status"
    assert (project / "models" / "ACTIVE").read_text().strip() == new_model


def test_story_builder_form_yaml_and_validation_messages(workbench_stack):
    from playwright.sync_api import expect, sync_playwright

    stack, project = workbench_stack
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"{stack.url('gateway')}/login?next=/admin")
        page.fill("#email", "admin@example.com")
        page.fill("#password", stack.env["DEMO_ADMIN_PASSWORD"])
        page.click("button[type=submit]")
        expect(page).to_have_url(f"{stack.url('gateway')}/admin")

        page.click("[data-tab=stories]")
        page.click("#story-new")
        page.fill("#story-name", "thanks after status")
        page.click("#story-add-intent")
        page.locator("#story-steps li >> nth=0").locator(".step-name").fill("check_order_status")
        page.locator("#story-steps li >> nth=0").locator(".step-entities").fill("order_number=482913")
        page.click("#story-add-action")
        page.locator("#story-steps li >> nth=1").locator(".step-name").fill("utter_pizza")
        page.click("#story-save")
        expect(page.locator("#story-errors")).to_contain_text("step 2: action 'utter_pizza' is not in domain.yml")

        # fix it in the YAML view, come back to the form, save
        page.click("#story-yaml-view")
        yaml = page.locator("#story-yaml")
        assert "order_number" in yaml.input_value()
        yaml.fill(yaml.input_value().replace("utter_pizza", "utter_order_status"))
        page.click("#story-form-view")
        expect(page.locator("#story-steps li >> nth=1").locator(".step-name")).to_have_value("utter_order_status")
        page.click("#story-save")
        expect(page.locator("#flash")).to_contain_text("Saved story thanks after status in stories/admin.yml")
        browser.close()
    saved = (project / "data/stories/admin.yml").read_text()
    assert "- story: thanks after status" in saved and "- action: utter_order_status" in saved
    assert "order_number: '482913'" in saved or 'order_number: "482913"' in saved or "order_number: 482913" in saved
