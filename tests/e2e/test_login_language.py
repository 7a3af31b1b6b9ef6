"""Chromium signs in, switches to Chinese and sees the translated navigation."""

import pytest

from apps.accounts.roles import Role
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.e2e


@pytest.mark.django_db(transaction=True)
def test_sign_in_switch_to_chinese_and_see_translated_navigation(page, live_server):
    UserFactory(username="wangfang", display_name="王芳", roles=[Role.EXPERT])

    page.goto(f"{live_server.url}/")
    assert page.url == f"{live_server.url}/login/?next=/"
    page.fill("input[name=username]", "wangfang")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("[data-testid=login-submit]")

    nav = page.locator("[data-testid=main-nav]")
    nav.get_by_text("My work").wait_for()
    assert nav.locator("a").all_inner_texts() == [
        "My work",
        "My cases",
        "Complaints",
        "Dashboards",
        "Teams & departments",
    ]
    assert page.locator("h1").inner_text() == "Hello, 王芳"

    page.click("[data-testid=lang-zh-hans]")
    nav.get_by_text("我的工作").wait_for()
    assert nav.locator("a").all_inner_texts() == ["我的工作", "我的工单", "投诉", "看板", "班组与部门"]
    assert page.locator("h1").inner_text() == "您好，王芳"
    assert page.locator("html").get_attribute("lang") == "zh-hans"

    # The choice sticks: the next page is Chinese too.
    nav.get_by_text("班组与部门").click()
    page.locator("h1", has_text="班组与部门").wait_for()


@pytest.mark.django_db(transaction=True)
def test_wrong_password_shows_the_error_in_the_browser(page, live_server):
    UserFactory(username="lina", roles=[Role.AGENT])
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "lina")
    page.fill("input[name=password]", "wrong")
    page.click("[data-testid=login-submit]")
    assert "The username or password is not correct" in page.locator("[data-testid=login-error]").inner_text()


@pytest.mark.django_db(transaction=True)
def test_pages_fit_a_phone_screen(browser, live_server):
    UserFactory(username="phoneuser", roles=[Role.ADMIN])
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "phoneuser")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("[data-testid=login-submit]")
    page.locator("[data-testid=main-nav]").wait_for()
    # No sideways scrolling of the page itself on a 375 px wide phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()
