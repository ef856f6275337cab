"""The case page in the reader's language: the timeline, written once, and refusals."""

import pytest
from django.urls import reverse
from django.utils import translation

from playbooks.models import ActionAudience, CaseEvent
from playbooks.services.cases import add_action_item, log_call
from playbooks.timeline import event_text

pytestmark = pytest.mark.django_db


def timeline_of(client, case) -> str:
    html = client.get(reverse("case-detail", args=[case.pk])).content.decode()
    return html.split('id="timeline-title"')[1]


@pytest.fixture
def worked_case(case, csm):
    call = case.steps.get(kind="qualification_call")
    log_call(step=call, actor=csm, reached=True, notes="They want a credit.")
    add_action_item(
        case=case, actor=csm, audience=ActionAudience.CUSTOMER, text="Credit the invoice"
    )
    return case


def test_events_keep_their_english_sentence_for_the_api_and_the_admin(worked_case):
    messages = list(worked_case.events.values_list("message", flat=True))

    assert "Call logged: reached. They want a credit." in messages
    assert "Action added (for the customer): Credit the invoice" in messages
    assert any(m.startswith("Case opened by playbook 'Detractor follow-up'") for m in messages)


def test_a_french_reader_reads_the_timeline_in_french(client, worked_case, csm):
    csm.language = "fr"
    csm.save()
    client.force_login(csm)

    timeline = timeline_of(client, worked_case)

    assert "Appel consigné\xa0: contact joint. They want a credit." in timeline
    assert "Action ajoutée (pour le client)\xa0: Credit the invoice" in timeline
    assert "Dossier ouvert par le playbook" in timeline
    assert "Statut\xa0: Nouveau → En cours." in timeline
    assert "Call logged" not in timeline


def test_an_english_reader_reads_it_in_english(client, worked_case, csm):
    client.force_login(csm)

    assert "Call logged: reached. They want a credit." in timeline_of(client, worked_case)


def test_an_event_written_before_sentences_were_kept_shows_its_message(case):
    old = CaseEvent.objects.create(case=case, kind="note", message="Written long ago.")

    with translation.override("fr"):
        assert event_text(old) == "Written long ago."


def test_a_refused_action_says_why_in_the_readers_language(client, case, csm, root_cause):
    csm.language = "fr"
    csm.save()
    client.force_login(csm)

    refused = client.post(
        reverse("case-action", args=[case.pk, "close"]),
        {
            "close-outcome": "resolved",
            "close-post_mortem": "Fait.",
            "close-root_cause": root_cause.pk,
        },
        follow=True,
    )

    page = refused.content.decode()
    assert "Des étapes obligatoires sont encore ouvertes" in page
    assert "Required steps" not in page
