"""Admins brand the survey emails and pages under Configuration → Survey branding: the
sender customers see, the company's name, colour and logo."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.branding import current_brand, survey_sender
from core.models import LoopSettings
from tests.core.images import png

pytestmark = pytest.mark.django_db

BRANDING = reverse("configure-branding")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.NPS_BASE_URL = "https://nps.example.com"
    return tmp_path


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def branding_form(**changes) -> dict:
    return {
        "brand_name": "Acme",
        "survey_sender_name": "Acme Customer Success",
        "survey_sender_address": "cs@acme.example",
        "survey_reply_to": "team@acme.example",
        "brand_colour": "#1D4ED8",
        **changes,
    }


def errors(response) -> dict:
    return response.context["form"].errors


def test_an_admin_saves_the_sender_and_the_look_of_survey_emails(admin_client):
    response = admin_client.post(BRANDING, branding_form())

    assert response.status_code == 302
    row = LoopSettings.current()
    assert (row.brand_name, row.survey_reply_to, row.brand_colour) == (
        "Acme",
        "team@acme.example",
        "#1d4ed8",
    )
    assert survey_sender() == "Acme Customer Success <cs@acme.example>"
    page = admin_client.get(BRANDING).content.decode()
    assert "Acme Customer Success &lt;cs@acme.example&gt;" in page


def test_without_a_sender_name_the_company_name_is_the_one_customers_see(admin_client):
    admin_client.post(BRANDING, branding_form(survey_sender_name=""))
    assert survey_sender() == "Acme <cs@acme.example>"


def test_with_nothing_set_survey_emails_keep_the_default_sender(admin_client, settings):
    admin_client.post(
        BRANDING, branding_form(brand_name="", survey_sender_name="", survey_sender_address="")
    )
    assert survey_sender() == settings.DEFAULT_FROM_EMAIL


def test_a_sender_that_is_not_an_email_address_is_refused(admin_client):
    response = admin_client.post(BRANDING, branding_form(survey_sender_address="cs at acme"))
    assert response.status_code == 422
    assert errors(response)["survey_sender_address"] == [
        "Write one email address, such as cs@yourcompany.com."
    ]


def test_a_colour_that_is_not_hexadecimal_is_refused(admin_client):
    response = admin_client.post(BRANDING, branding_form(brand_colour="blue"))
    assert response.status_code == 422
    assert errors(response)["brand_colour"] == [
        "“blue” is not a colour: write it in hexadecimal, such as #1d4ed8."
    ]
    assert LoopSettings.current().brand_colour == ""


def test_a_logo_chosen_beside_a_refused_field_must_be_chosen_again_and_the_page_says_so(
    admin_client,
):
    logo = SimpleUploadedFile("logo.png", png(40, 40), content_type="image/png")
    response = admin_client.post(BRANDING, branding_form(brand_colour="blue", logo=logo))
    assert "Choose the logo again too" in response.content.decode()
    assert current_brand().logo_path == ""


def test_a_colour_too_light_for_white_text_is_refused_with_a_darker_shade_to_use(admin_client):
    response = admin_client.post(BRANDING, branding_form(brand_colour="#ffcc00"))
    assert response.status_code == 422
    assert errors(response)["brand_colour"] == [
        "White text on #ffcc00 has a contrast of 1.5:1, too light for buttons to stay "
        "readable (4.5:1 at least). Pick a darker shade, such as #8e7200."
    ]


def test_a_png_logo_is_stored_and_served_as_a_png_at_an_absolute_address(admin_client, media):
    logo = SimpleUploadedFile("logo.png", png(400, 100), content_type="image/png")
    admin_client.post(BRANDING, branding_form(logo=logo))

    brand = current_brand()
    assert brand.logo_url.startswith("https://nps.example.com/brand/logo/logo-")
    assert (brand.logo_width, brand.logo_height) == (160, 40)
    assert [path.name for path in (media / "branding").iterdir()] == [
        brand.logo_path.rsplit("/", 1)[-1]
    ]
    served = admin_client.get(brand.logo_path)
    assert served["Content-Type"] == "image/png"
    assert served.content == png(400, 100)


def test_the_logo_is_served_to_anyone_without_signing_in(admin_client, client):
    logo = SimpleUploadedFile("logo.png", png(40, 40), content_type="image/png")
    admin_client.post(BRANDING, branding_form(logo=logo))
    admin_client.logout()
    assert client.get(current_brand().logo_path).status_code == 200


def test_a_logo_over_200_kb_is_refused(admin_client):
    heavy = png(400, 100) + b"\x00" * (200 * 1024)
    logo = SimpleUploadedFile("logo.png", heavy, content_type="image/png")
    response = admin_client.post(BRANDING, branding_form(logo=logo))
    assert response.status_code == 422
    assert errors(response)["logo"] == [
        "The logo weighs 201 KB: make it 200 KB or less (a PNG of about 400 × 100 pixels is "
        "plenty)."
    ]


def test_an_svg_logo_is_refused_whatever_its_name_says(admin_client):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    logo = SimpleUploadedFile("logo.png", svg, content_type="image/png")
    response = admin_client.post(BRANDING, branding_form(logo=logo))
    assert response.status_code == 422
    assert errors(response)["logo"][0].startswith("“logo.png” is not a PNG or JPEG image.")
    assert current_brand().logo_path == ""


def test_removing_the_logo_deletes_its_file_and_its_address_answers_404(
    admin_client, media, django_capture_on_commit_callbacks
):
    logo = SimpleUploadedFile("logo.png", png(40, 40), content_type="image/png")
    admin_client.post(BRANDING, branding_form(logo=logo))
    old_path = current_brand().logo_path

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(BRANDING, branding_form(remove_logo="on"))

    assert response.status_code == 302
    assert current_brand().logo_path == ""
    assert list((media / "branding").iterdir()) == []
    assert admin_client.get(old_path).status_code == 404


def test_the_brand_colour_stylesheet_sets_the_colour_and_refuses_anything_else(client):
    css = client.get(reverse("brand-colour-css", args=["1d4ed8"]))
    assert css["Content-Type"] == "text/css; charset=utf-8"
    assert "--survey-brand: #1d4ed8;" in css.content.decode()
    assert client.get("/brand/colour/red;}body{x.css").status_code == 404


@pytest.mark.parametrize("who", ["manager", "csm"])
def test_only_admins_change_the_branding(request, client, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(BRANDING).status_code == 403
    assert client.post(BRANDING, branding_form()).status_code == 403
    assert LoopSettings.current().brand_name == ""


def test_a_line_break_in_a_name_never_reaches_the_from_header(admin_client):
    admin_client.post(BRANDING, branding_form(survey_sender_name="Acme\r\nBcc: all@acme.example"))
    assert survey_sender() == '"Acme Bcc: all@acme.example" <cs@acme.example>'
