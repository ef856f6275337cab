"""The managers' dashboard page and its CSV exports: who may see them, what they show."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Segment
from playbooks.services.engine import process_response
from surveys.services.themes import tag_themes
from tests.factories import (
    AccountFactory,
    CampaignFactory,
    ContactFactory,
    ResponseFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

URL = reverse("dashboard")


def export(table: str) -> str:
    return reverse("dashboard-export", args=[table])


def read_csv(reply) -> list[list[str]]:
    text = reply.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def answers(default_playbooks, default_themes):
    smb = AccountFactory(segment=Segment.SMB, name="Small Co", tier="Silver")
    big = AccountFactory(
        segment=Segment.ENTERPRISE,
        name="=cmd|' /C calc'!A0",
        tier="Gold",
        renewal_date=timezone.localdate() + dt.timedelta(days=40),
    )
    campaign = CampaignFactory(name="Q4 survey", invitations_sent=10)
    made = []
    for account, score, comment in (
        (smb, 10, "Great"),
        (smb, 9, ""),
        (big, 3, "Billing is wrong on every invoice"),
        (big, 2, "Support is slow"),
        (big, 7, ""),
    ):
        answer = ResponseFactory(
            contact=ContactFactory(account=account), score=score, comment=comment, campaign=campaign
        )
        tag_themes(response=answer)
        if score <= 8:
            process_response(response_id=answer.pk)
        made.append(answer)
    return made


@pytest.mark.parametrize("url", [URL, export("scores")])
def test_an_anonymous_visitor_is_sent_to_sign_in(client, url):
    assert client.get(url)["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("url", [URL, export("scores")])
def test_csms_and_people_without_a_role_are_refused(client, csm, url):
    client.force_login(csm)
    assert client.get(url).status_code == 403
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403


def test_a_manager_lands_on_the_dashboard_after_signing_in(client, manager):
    client.force_login(manager)

    assert client.get(reverse("landing"))["Location"] == URL


def test_managers_and_admins_see_the_figures(client, manager, admin_user, answers):
    for user in (manager, admin_user):
        client.force_login(user)
        page = client.get(URL)
        assert page.status_code == 200
        html = page.content.decode()
        assert page.context["nps"].responses == 5
        assert page.context["nps"].nps == 0.0  # 2 promoters, 2 detractors of 5
        assert "Recurring themes of detractors and passives" in html
        assert "Billing" in html


def test_each_campaign_of_the_response_rates_links_to_its_page(client, manager, answers):
    client.force_login(manager)
    campaign = answers[0].campaign

    html = client.get(URL).content.decode()

    assert f'href="{reverse("campaign-detail", args=[campaign.pk])}">Q4 survey</a>' in html


def test_the_slice_follows_the_pickers(client, manager, answers):
    client.force_login(manager)

    enterprise = client.get(URL, {"segment": "enterprise"}).context

    assert enterprise["nps"].responses == 3
    assert [g.key for g in enterprise["by_segment"]] == [Segment.ENTERPRISE]
    assert enterprise["arr"].open_detractor_accounts == 1


def test_the_period_defaults_to_twelve_calendar_months(client, manager):
    client.force_login(manager)
    today = timezone.localdate()

    part = client.get(URL).context["part"]

    assert part.end == today
    assert part.start.day == 1
    assert len({(d.year, d.month) for d in _days(part.start, part.end)}) == 12


def _days(start: dt.date, end: dt.date):
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


def test_a_period_ending_before_it_starts_falls_back_to_the_default(client, manager):
    client.force_login(manager)

    part = client.get(URL, {"start": "2026-05-01", "end": "2026-01-01"}).context["part"]

    assert part.end == timezone.localdate()


def test_an_htmx_request_gets_only_the_figures(client, manager, answers):
    client.force_login(manager)

    html = client.get(URL, {"segment": "smb"}, headers={"HX-Request": "true"}).content.decode()

    assert html.lstrip().startswith('<div id="dashboard-body"')
    assert "<form" not in html


def test_every_table_exports_as_csv_for_the_same_slice(client, manager, answers):
    client.force_login(manager)
    from playbooks.views.dashboard import TABLES

    for table in TABLES:
        reply = client.get(export(table), {"segment": "enterprise"})
        assert reply.status_code == 200, table
        assert reply["Content-Type"].startswith("text/csv")
        assert f'filename="{table}-' in reply["Content-Disposition"]
        assert len(read_csv(reply)) >= 2, table  # a header and rows


def test_the_segment_export_has_the_pooled_figures(client, manager, answers):
    client.force_login(manager)

    rows = read_csv(client.get(export("nps-by-segment")))

    assert rows[0][:2] == ["Segment", "Answers"]
    assert rows[rows.index(next(r for r in rows if r[0] == "SMB"))][:6] == [
        "SMB",
        "2",
        "2",
        "0",
        "0",
        "100.0",
    ]


def test_csv_cells_that_a_spreadsheet_would_run_are_written_as_text(client, manager, answers):
    client.force_login(manager)

    rows = read_csv(client.get(export("renewals")))

    names = [row[0] for row in rows[1:]]
    assert "'=cmd|' /C calc'!A0" in names


def test_a_negative_nps_is_a_number_in_the_csv_and_a_text_starting_with_a_minus_is_not(
    client, manager, default_playbooks
):
    for tier, score in (("-legacy", 2), ("-legacy", 2), ("-legacy", 10), ("@risk", 9)):
        ResponseFactory(contact=ContactFactory(account=AccountFactory(tier=tier)), score=score)
    client.force_login(manager)

    rows = read_csv(client.get(export("nps-by-tier")))

    by_tier = {row[0]: row for row in rows[1:]}
    assert set(by_tier) == {"'-legacy", "'@risk"}
    assert by_tier["'-legacy"][1:6] == ["3", "1", "0", "2", "-33.3"]
    assert float(by_tier["'-legacy"][5]) == -33.3
    assert by_tier["'@risk"][5] == "100.0"


def test_every_csv_number_is_written_as_a_number(client, manager, answers):
    client.force_login(manager)
    from playbooks.views.dashboard import TABLES

    for table in TABLES:
        for row in read_csv(client.get(export(table)))[1:]:
            for cell in row:
                if cell.startswith("'"):
                    assert not cell[1:].lstrip("-+").replace(".", "", 1).isdigit(), (table, cell)


def test_a_csv_file_is_named_after_its_table_and_the_period(client, manager, answers):
    client.force_login(manager)

    reply = client.get(export("nps-by-segment"), {"start": "2026-01-01", "end": "2026-06-30"})

    assert reply["Content-Disposition"] == (
        'attachment; filename="nps-by-segment-2026-01-01-2026-06-30.csv"'
    )
    assert (
        client.get(export("renewals"), {"start": "2025-07-01", "end": "2025-12-31"})[
            "Content-Disposition"
        ]
        == 'attachment; filename="renewals-2025-07-01-2025-12-31.csv"'
    )


def test_an_unknown_table_is_a_404(client, manager):
    client.force_login(manager)

    assert client.get(export("salaries")).status_code == 404


def test_the_query_count_does_not_grow_with_the_data(
    client, manager, default_playbooks, default_themes, django_assert_max_num_queries
):
    client.force_login(manager)

    def add(count: int) -> None:
        for n in range(count):
            account = AccountFactory(renewal_date=timezone.localdate() + dt.timedelta(days=30))
            answer = ResponseFactory(
                contact=ContactFactory(account=account),
                score=n % 11,
                comment="Support is slow, billing is wrong",
                campaign=CampaignFactory(),
            )
            tag_themes(response=answer)
            if answer.score <= 6:
                process_response(response_id=answer.pk)

    add(3)
    with django_assert_max_num_queries(40) as few:
        client.get(URL)
    add(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(URL).context["nps"].responses == 33


def test_the_renewals_card_lists_25_accounts_and_points_to_the_csv(client, manager):
    for n in range(27):
        account = AccountFactory(renewal_date=timezone.localdate() + dt.timedelta(days=10 + n))
        ResponseFactory(contact=ContactFactory(account=account), score=2)
    # Renewing soonest, but with no detractor: neither listed nor counted.
    happy = AccountFactory(renewal_date=timezone.localdate() + dt.timedelta(days=1))
    ResponseFactory(contact=ContactFactory(account=happy), score=10)
    client.force_login(manager)

    page = client.get(URL)

    renewals = page.context["arr"].renewals
    assert len(renewals) == 25  # the soonest renewals
    assert [r.account.renewal_date for r in renewals] == sorted(
        timezone.localdate() + dt.timedelta(days=10 + n) for n in range(25)
    )
    assert page.context["arr"].renewal_accounts == 27
    html = page.content.decode()
    assert "The first 25 of 27 accounts: the CSV has them all." in html
    assert len(read_csv(client.get(export("renewals")))) == 28  # header and every account


def test_the_headline_compares_the_nps_with_the_previous_period(client, manager):
    for day, score in (("2026-01-20", 10), ("2026-01-21", 10), ("2026-02-10", 10)):
        ResponseFactory(score=score, answered_at=dt.datetime.fromisoformat(f"{day}T10:00+00:00"))
    ResponseFactory(score=0, answered_at=dt.datetime.fromisoformat("2026-02-11T10:00+00:00"))
    client.force_login(manager)

    page = client.get(URL, {"start": "2026-02-01", "end": "2026-02-28"})

    html = page.content.decode()
    assert (page.context["nps"].nps, page.context["nps_before"].nps) == (0, 100)
    assert "Previous period: 100" in html
    assert "\u2212100" in html  # down by 100, with a true minus
    assert "Compared with the previous period of the same length" in html
