"""Every main page of each role, in English and French, at a laptop's width (1280 px) and a
phone's (390 px): the page never scrolls sideways (a table may, inside its own
`.table-responsive` box); at 1280 px a list filter shows the whole of its chosen option and
a search box its hint; axe-core finds nothing serious; with `E2E_SCREENSHOTS=1`, a
screenshot of each is kept.

axe runs at both widths in English, and at the phone's in French: the markup and colours
are the same in both languages, and French's longer words wrap and crowd most on a phone.
A fifth of a second of axe per page and width: the sweep's largest cost."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import Segment
from core.roles import Role, set_role
from playbooks.defaults import install_default_playbooks
from playbooks.models import Case, Playbook
from playbooks.services.engine import process_response
from surveys.defaults import install_default_themes
from surveys.services.themes import tag_themes
from tests.e2e.conftest import ARTIFACTS, KEEP_SCREENSHOTS
from tests.factories import (
    AccountFactory,
    CampaignFactory,
    ContactFactory,
    ResponseFactory,
    UserFactory,
)

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

# For each visible list of a filter form (a GET form), and each search box's hint: is the
# chosen option's text (the hint's) wider than the room the control leaves it, between its
# padding and its arrow?
CUT_OFF_FILTERS = """
() => {
  const canvas = document.createElement("canvas").getContext("2d");
  const filters = document.querySelectorAll(
    "form[method='get'] select, form:not([method]) select, form[method='get'] input[placeholder]"
  );
  return [...filters]
    .filter((control) => control.offsetParent !== null)
    .filter((control) => control.tagName !== "SELECT" || control.selectedIndex >= 0)
    .map((control) => {
      const style = getComputedStyle(control);
      canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      const text = control.tagName === "SELECT"
        ? control.options[control.selectedIndex].text.trim() : control.placeholder;
      // Chromium keeps room for a search box's clear button, even while it is hidden.
      const room = control.clientWidth - parseFloat(style.paddingLeft)
        - parseFloat(style.paddingRight) - (control.type === "search" ? 20 : 0);
      return {name: control.name || control.id, text, room, needed: canvas.measureText(text).width};
    })
    .filter((control) => control.needed > control.room + 1);
}
"""

# What sticks out past the right edge of the window, outside a box that scrolls on its own.
WIDER_THAN_THE_WINDOW = """
() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  return [...document.querySelectorAll("body *")]
    .filter((element) => element.getBoundingClientRect().right > width + 1
      && !element.closest(".table-responsive, .overflow-auto, .visually-hidden"))
    .slice(0, 5)
    .map((element) => `${element.tagName.toLowerCase()}.${[...element.classList].join(".")}`
      + ` "${element.innerText.slice(0, 40)}"`);
}
"""


SETTLED = """
() => new Promise((done) => document.querySelector("canvas")
  ? requestAnimationFrame(() => setTimeout(done, 100)) : done())
"""


def _world() -> dict:
    """Three people, one per role, and one of everything their pages list."""
    install_default_playbooks()
    install_default_themes()
    people = {}
    for role in Role:
        Group.objects.get_or_create(name=role.value)
        people[role] = UserFactory(display_name=f"Dominique {role.value.title()}-Delacroix")
        set_role(people[role], role)
    people[Role.ADMIN].is_staff = True
    people[Role.ADMIN].save(update_fields=["is_staff"])
    account = AccountFactory(
        name="Compagnie Générale des Télécommunications",
        segment=Segment.ENTERPRISE,
        arr=1_250_000,
        csm=people[Role.CSM],
    )
    contact = ContactFactory(account=account, name="Marie-Hélène Fournier-Lambert")
    for score, comment in ((2, "La facturation est fausse chaque mois"), (6, ""), (9, "Bien")):
        answer = ResponseFactory(contact=contact, score=score, comment=comment)
        tag_themes(response=answer)
        if score <= 6:
            process_response(response_id=answer.pk)
    return {
        "people": people,
        "account": account,
        "contact": contact,
        "case": Case.objects.filter(response__account=account).first(),
        "campaign": CampaignFactory(name="Enquête trimestrielle"),
        "playbook": Playbook.objects.order_by("pk").first(),
    }


def _pages(role: Role, world: dict) -> list[tuple[str, str]]:
    """(name, path) of every main page `role` opens. An admin's workspace pages are the
    manager's, checked in the manager's run: the admin's run opens their own pages."""
    pages = [
        ("home", reverse("home")),
        ("cases", reverse("case-queue")),
        ("case", reverse("case-detail", args=[world["case"].pk])),
        ("my-tasks", reverse("my-tasks")),
        ("answers", reverse("answer-list")),
        ("account", reverse("account-detail", args=[world["account"].pk])),
        ("contact", reverse("contact-detail", args=[world["contact"].pk])),
        ("notifications", reverse("notification-list")),
        ("profile", reverse("profile")),
    ]
    if role == Role.ADMIN:
        pages = pages[:1]  # home: the admin's menu
    if role == Role.MANAGER:
        pages += [
            ("dashboard", reverse("dashboard")),
            ("recurring-issues", reverse("recurring-issues")),
            ("escalations", reverse("escalation-list")),
            ("campaigns", reverse("campaign-list")),
            ("campaign", reverse("campaign-detail", args=[world["campaign"].pk])),
        ]
    if role == Role.ADMIN:
        pages += (
            [
                ("playbooks", reverse("playbook-list")),
                ("playbook-editor", reverse("playbook-edit", args=[world["playbook"].pk])),
            ]
            + [
                (name, reverse(f"configure-{name}"))
                for name in (
                    "index",
                    "general",
                    "themes",
                    "branding",
                    "root-causes",
                    "customer-emails",
                    "users",
                    "user-new",
                    "api-keys",
                    "imports",
                    "lockouts",
                    "webhooks",
                    "webhook-new",
                    "theme-new",
                    "root-cause-new",
                    "api-key-new",
                )
            ]
            + [
                ("user-edit", reverse("configure-user-edit", args=[world["people"][Role.CSM].pk])),
                (
                    "customer-email-edit",
                    reverse("configure-customer-email-edit", args=["acknowledgment", "fr"]),
                ),
            ]
        )
    return pages


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("role", [Role.CSM, Role.MANAGER, Role.ADMIN])
def test_every_page_fits_both_widths_and_passes_axe(
    page, sign_in, role, language, serious_accessibility_violations, broken_requests
):
    world = _world()
    person = world["people"][role]
    person.language = language
    person.save(update_fields=["language"])
    sign_in(person)
    if KEEP_SCREENSHOTS:
        ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []

    for name, path in _pages(role, world):
        page.set_viewport_size(LAPTOP)
        page.goto(path)
        for width, viewport in (("1280", LAPTOP), ("390", PHONE)):
            page.set_viewport_size(viewport)
            # Chart.js follows the new width on a ResizeObserver callback, a frame later.
            page.evaluate(SETTLED)
            where = f"{name} ({path}) at {width} px in {language}"
            for element in page.evaluate(WIDER_THAN_THE_WINDOW):
                problems.append(f"{where}: wider than the window: {element}")
            if width == "1280":
                for control in page.evaluate(CUT_OFF_FILTERS):
                    problems.append(
                        f"{where}: filter {control['name']} cuts off '{control['text']}'"
                        f" ({control['needed']:.0f} px of text in {control['room']:.0f} px)"
                    )
            if language == "en" or width == "390":
                for violation in serious_accessibility_violations():
                    problems.append(f"{where}: {violation}")
            if KEEP_SCREENSHOTS:
                # JPEG: quicker to write and smaller than PNG, for some 200 screenshots.
                page.screenshot(
                    path=ARTIFACTS / f"every-page-{role.value}-{language}-{name}-{width}.jpg",
                    full_page=True,
                    quality=80,
                )

    assert problems == [], "\n".join(problems)
    assert broken_requests == []
