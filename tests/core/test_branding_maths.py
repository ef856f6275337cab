"""The pure parts of the survey branding: colours, their contrast with white text, and what
an uploaded logo is."""

import pytest

from core.branding import (
    MIN_CONTRAST_WITH_WHITE,
    contrast_with_white,
    logo_display_size,
    mailbox,
    normalise_colour,
    read_logo,
    readable_shade,
)
from tests.core.images import jpeg, png


@pytest.mark.parametrize(
    ("typed", "colour"),
    [("#1D4ED8", "#1d4ed8"), ("1d4ed8", "#1d4ed8"), (" #abc ", "#aabbcc"), ("#12345g", None)],
)
def test_a_colour_is_read_in_hexadecimal_and_written_in_lower_case(typed, colour):
    assert normalise_colour(typed) == colour


def test_white_on_black_is_21_to_1_and_white_on_white_is_1_to_1():
    assert round(contrast_with_white("#000000"), 1) == 21.0
    assert round(contrast_with_white("#ffffff"), 1) == 1.0


def test_a_light_colour_gets_a_darker_shade_that_white_text_can_be_read_on():
    shade = readable_shade("#ffcc00")
    assert contrast_with_white("#ffcc00") < MIN_CONTRAST_WITH_WHITE
    assert contrast_with_white(shade) >= MIN_CONTRAST_WITH_WHITE
    assert readable_shade("#1d4ed8") == "#1d4ed8"  # already readable: unchanged


def test_png_and_jpeg_logos_are_read_with_their_size_and_svg_is_not_an_image_here():
    assert read_logo(png(400, 100)).kind == "png"
    assert (read_logo(png(400, 100)).width, read_logo(png(400, 100)).height) == (400, 100)
    image = read_logo(jpeg(320, 80))
    assert (image.kind, image.width, image.height) == ("jpeg", 320, 80)
    assert read_logo(b'<svg xmlns="http://www.w3.org/2000/svg"></svg>') is None
    assert read_logo(b"GIF89a") is None


def test_a_logo_is_shown_40_pixels_high_and_at_most_240_wide():
    assert logo_display_size(400, 100) == (160, 40)
    assert logo_display_size(2000, 100) == (240, 12)


def test_a_sender_name_with_a_comma_is_quoted():
    assert mailbox("Acme, Inc.", "cs@acme.example") == '"Acme, Inc." <cs@acme.example>'
    assert mailbox("Acme CS", "cs@acme.example") == "Acme CS <cs@acme.example>"
    assert mailbox("", "cs@acme.example") == "cs@acme.example"
