"""A case read on a phone, as a CSM between two meetings reads it: the answer, then the
360° view (who, the account's worth and renewal, whether others agree, the last contact),
then the steps, and the timeline within three screens, in English and in French."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Interaction, Persona
from playbooks.defaults import install_default_playbooks
from playbooks.models import Case
from playbooks.services.engine import process_response
from tests.e2e.conftest import PHONE
from tests.factories import AccountFactory, ContactFactory, ResponseFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def escalated_case(csm) -> Case:
    """A champion's 2 at a large account renewing in seven weeks, where two others scored
    low too: every rule escalates, and the page is as long as a case gets."""
    install_default_playbooks()
    account = AccountFactory(
        csm=csm,
        name="Arkwright Industrial",
        arr=Decimal("460000"),
        renewal_date=timezone.localdate() + dt.timedelta(days=50),
    )
    for score in (3, 4):
        ResponseFactory(contact=ContactFactory(account=account), score=score)
    Interaction.objects.create(
        account=account,
        kind="qbr",
        occurred_at=timezone.now() - dt.timedelta(days=12),
        summary="QBR: adoption flat, concerns about the missing SSO.",
    )
    champion = ContactFactory(
        account=account, name="Samuel Ellison", title="VP Sales", persona=Persona.CHAMPION
    )
    answer = ResponseFactory(
        contact=champion, score=2, comment="SSO was on the roadmap when we signed."
    )
    return Case.objects.get(pk=process_response(response_id=answer.pk).case_id)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_on_a_phone_the_timeline_starts_within_three_screens(
    page, sign_in, csm, escalated_case, screenshots, language
):
    csm.language = language
    csm.save(update_fields=["language"])
    assert escalated_case.escalations.count() >= 3
    page.set_viewport_size(PHONE)
    sign_in(csm)

    page.goto(f"/cases/{escalated_case.pk}/")

    top = {
        name: page.locator(f"#{name}-title").evaluate(
            "h => h.getBoundingClientRect().top + window.scrollY"
        )
        for name in ("answer", "glance", "steps", "escalations", "timeline")
    }
    assert top["answer"] < top["glance"] < top["steps"] < top["escalations"] < top["timeline"]
    assert top["timeline"] < 3 * PHONE["height"], f"the timeline starts at {top['timeline']} px"
    glance = page.locator(".case-glance")
    assert "Samuel Ellison" in glance.inner_text()
    assert "460" in glance.inner_text()
    screenshots(f"case-on-a-phone-{language}")
