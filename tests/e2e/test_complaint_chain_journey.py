"""A complaint through the whole chain in Chromium, with one send-back:
agent → expert → duty manager → department → (sent back) → department → feedback → duty manager closes."""

import pytest

from apps.accounts.roles import Role
from apps.complaints.models import Category, Ticket
from tests.factories import TEST_PASSWORD, DepartmentFactory, UserFactory

pytestmark = pytest.mark.e2e


def _sign_in(browser, live_server, username):
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("[data-testid=login-submit]")
    page.locator("[data-testid=main-nav]").wait_for()
    return context, page


def _act(page, action, note, **selects):
    """Open the action's panel on the ticket page, fill it in and send it."""
    page.click(f"details[data-action={action}] > summary")
    form = page.locator(f"[data-testid=transition-{action}]")
    form.locator("textarea").first.fill(note)
    for name, value in selects.items():
        form.locator(f"select[name$={name}]").select_option(value)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def _state(ticket) -> str:
    ticket.refresh_from_db()
    return ticket.state


@pytest.mark.django_db(transaction=True)
def test_complaint_goes_through_the_whole_chain_with_a_send_back(browser, live_server):
    billing = DepartmentFactory(name="Billing")
    UserFactory(username="lina", roles=[Role.AGENT])
    UserFactory(username="liuyang", roles=[Role.EXPERT])
    UserFactory(username="chenjing", roles=[Role.DUTY_MANAGER])
    staff = UserFactory(username="zhaolei", roles=[Role.DEPARTMENT_STAFF])
    billing.members.add(staff)
    category = Category.objects.create(name="Double charge", default_department=billing)

    # The agent opens the ticket and escalates it to the expert.
    context, page = _sign_in(browser, live_server, "lina")
    page.goto(f"{live_server.url}/complaints/new/")
    page.fill("input[name=customer_name]", "Wang Lei")
    page.fill("input[name=customer_phone]", "13812348000")
    page.select_option("select[name=category]", str(category.pk))
    page.select_option("select[name=severity]", "high")
    page.fill("textarea[name=description]", "Charged twice for the November bill.")
    page.click("[data-testid=ticket-submit]")
    ticket = Ticket.objects.get()
    page.goto(f"{live_server.url}/complaints/{ticket.pk}/")
    _act(page, "escalate", "Customer insists on a refund today.")
    assert _state(ticket) == "with_expert"
    context.close()

    # The expert escalates to the duty manager.
    context, page = _sign_in(browser, live_server, "liuyang")
    page.click("[data-nav=complaint_queue]")
    page.click(f"text={ticket.reference}")
    _act(page, "escalate", "Needs the billing department.")
    assert _state(ticket) == "with_duty_manager"
    context.close()

    # The duty manager routes it to Billing.
    context, page = _sign_in(browser, live_server, "chenjing")
    page.goto(f"{live_server.url}/complaints/{ticket.pk}/")
    _act(page, "assign_department", "Please check the double charge.", department=str(billing.pk))
    assert _state(ticket) == "with_department"
    context.close()

    # Billing sends it back (wrong information), the duty manager routes it again.
    context, page = _sign_in(browser, live_server, "zhaolei")
    page.goto(f"{live_server.url}/complaints/{ticket.pk}/")
    assert "138****8000" in page.locator("[data-testid=customer-phone]").inner_text()
    _act(page, "return", "The account number is missing.")
    assert _state(ticket) == "with_duty_manager"
    context.close()

    context, page = _sign_in(browser, live_server, "chenjing")
    page.goto(f"{live_server.url}/complaints/{ticket.pk}/")
    _act(page, "assign_department", "Account 8812-3345 added.", department=str(billing.pk))
    assert _state(ticket) == "with_department"
    context.close()

    # Billing answers.
    context, page = _sign_in(browser, live_server, "zhaolei")
    page.goto(f"{live_server.url}/complaints/{ticket.pk}/")
    _act(page, "submit_feedback", "Refunded 58.00 yuan on 23 Nov.")
    assert _state(ticket) == "feedback"
    context.close()

    # The duty manager closes the loop; the timeline shows every step.
    context, page = _sign_in(browser, live_server, "chenjing")
    page.click("[data-nav=complaint_queue]")
    page.click(f"text={ticket.reference}")
    page.click("details[data-action=close] > summary")
    form = page.locator("[data-testid=transition-close]")
    form.locator("textarea").first.fill("Customer confirmed the refund.")
    satisfied = form.locator("[name$=customer_satisfied]")
    if satisfied.first.evaluate("e => e.tagName") == "SELECT":
        satisfied.first.select_option("true")
    else:
        form.locator("input[name$=customer_satisfied][value=true]").check()
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert _state(ticket) == "closed"
    timeline = page.locator("[data-testid=timeline]").inner_text()
    for note in [
        "Needs the billing department.",
        "The account number is missing.",
        "Customer confirmed the refund.",
    ]:
        assert note in timeline
    context.close()
    assert ticket.events.count() == 8  # create + 7 actions
