"""Every page, signed in or public, HTML or JSON, tells the browser what it may run, use
and leak: Content-Security-Policy, Permissions-Policy and Referrer-Policy."""

from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import EmailCampaignFactory, InvitationFactory

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {name: values for name, *values in parts}


def assert_protected(response) -> None:
    assert "Content-Security-Policy" in response.headers, response.request["PATH_INFO"]
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize(
    "path", ["/login/", "/password/reset/", "/healthz", "/admin/login/", "/api/v1/nps"]
)
def test_pages_anyone_can_reach_carry_the_three_headers(client, db, path):
    assert_protected(client.get(path))


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/dashboard/",
        "/recurring-issues/",
        "/cases/",
        "/campaigns/",
        "/configure/general/",
        "/configure/api-keys/",
        "/configure/imports/",
        "/admin/",
        "/api/v1/docs/",
        "/api/v1/schema/",
        "/no-such-page/",
    ],
)
def test_signed_in_pages_carry_the_three_headers(client, admin_user, path):
    client.force_login(admin_user)
    assert_protected(client.get(path))


def test_the_public_survey_page_carries_the_three_headers(client, db):
    invitation = InvitationFactory(campaign=EmailCampaignFactory())
    response = client.get(f"/s/{invitation.token}/")

    assert response.status_code == 200
    assert_protected(response)


def test_the_policy_allows_only_our_own_scripts_and_no_framing(client, db):
    policy = directives(client.get("/login/"))

    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]


def test_no_template_of_a_page_has_an_inline_script_handler_or_style():
    # Emails keep their inline styles: mail clients need them and no policy applies.
    pages = [
        path
        for path in TEMPLATES.rglob("*.html")
        if not (
            "email" in path.parts
            or path.stem.endswith("_email")
            or path.name == "user_invitation.html"
        )
    ]
    offending = []
    for path in pages:
        text = path.read_text()
        for marker in ("<script>", "<script type=", " onclick=", " onsubmit=", " onchange=",
                       " style=", "javascript:", "hx-on"):  # fmt: skip
            if marker in text:
                offending.append(f"{path.relative_to(TEMPLATES)}: {marker.strip()}")
    assert offending == []
