"""The brand of the survey emails and pages customers see: the company's name, colour and
logo, and the sender the emails come from.

The maths of colour contrast and the reading of a logo's type and size are pure
functions; `current_brand()` and `survey_sender()` read the settings.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.urls import reverse

from core.models import LoopSettings

# WCAG 2 AA for normal text: white text on a button of the brand colour stays readable.
MIN_CONTRAST_WITH_WHITE = 4.5
HEX_COLOUR = re.compile(r"#?(?P<hex>[0-9a-fA-F]{6}|[0-9a-fA-F]{3})")
# Email clients show PNG and JPEG everywhere; many block SVG (it may carry scripts) and
# some still mangle WebP. 200 KB keeps the email light on a phone.
MAX_LOGO_BYTES = 200 * 1024
LOGO_TYPES = {"png": "image/png", "jpeg": "image/jpeg"}
LOGO_EXTENSIONS = {"png": "png", "jpeg": "jpg"}
# The logo's height in the email and on the survey page; its width follows its proportions.
LOGO_HEIGHT = 40
MAX_LOGO_WIDTH = 240

# A display name holding one of these must be quoted in a mail header (RFC 5322 specials).
NAME_SPECIALS = re.compile(r'[()<>\[\]:;@\\,."]')

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_START = b"\xff\xd8\xff"
# JPEG markers that carry the image's size (start of frame), all but DHT, JPG and DAC.
JPEG_FRAME_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE}


def normalise_colour(text: str) -> str | None:
    """`#rrggbb` in lower case from `#RRGGBB`, `rrggbb` or `#rgb`; None if it is none of them."""
    match = HEX_COLOUR.fullmatch(text.strip())
    if match is None:
        return None
    digits = match["hex"].lower()
    if len(digits) == 3:
        digits = "".join(digit * 2 for digit in digits)
    return f"#{digits}"


def _channel(value: int) -> float:
    share = value / 255
    return share / 12.92 if share <= 0.03928 else ((share + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """WCAG 2's relative luminance of `#rrggbb`: 0 for black, 1 for white."""
    red, green, blue = (int(colour[index : index + 2], 16) for index in (1, 3, 5))
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast_with_white(colour: str) -> float:
    """The contrast ratio of white text on `#rrggbb`, from 1 (white) to 21 (black)."""
    return 1.05 / (relative_luminance(colour) + 0.05)


def readable_shade(colour: str) -> str:
    """`colour`, darkened step by step until white text on it reaches the minimum contrast."""
    red, green, blue = (int(colour[index : index + 2], 16) for index in (1, 3, 5))
    shade = colour
    factor = 1.0
    while contrast_with_white(shade) < MIN_CONTRAST_WITH_WHITE:
        factor -= 0.02
        shade = "#{:02x}{:02x}{:02x}".format(
            *(max(0, int(channel * factor)) for channel in (red, green, blue))
        )
    return shade


@dataclass(frozen=True)
class LogoImage:
    """An uploaded logo, read from its bytes: its kind (png or jpeg) and its size in pixels."""

    kind: str
    width: int
    height: int

    @property
    def content_type(self) -> str:
        return LOGO_TYPES[self.kind]


def read_logo(data: bytes) -> LogoImage | None:
    """The kind and size of a PNG or JPEG image; None for anything else (SVG, GIF, a PDF)."""
    if data.startswith(PNG_SIGNATURE) and data[12:16] == b"IHDR" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return LogoImage("png", width, height) if width and height else None
    if data.startswith(JPEG_START):
        size = _jpeg_size(data)
        return LogoImage("jpeg", *size) if size else None
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """The width and height of the JPEG's first frame; None if no frame header is found."""
    position = 2
    while position + 9 < len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte before a marker
            position += 1
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if marker in JPEG_FRAME_MARKERS:
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return (width, height) if width and height else None
        position += 2 + length
    return None


def logo_display_size(width: int, height: int) -> tuple[int, int]:
    """The logo's width and height as shown: LOGO_HEIGHT high, at most MAX_LOGO_WIDTH wide."""
    shown_height = LOGO_HEIGHT
    shown_width = round(width * shown_height / height)
    if shown_width > MAX_LOGO_WIDTH:
        shown_width = MAX_LOGO_WIDTH
        shown_height = max(1, round(height * shown_width / width))
    return shown_width, shown_height


@dataclass(frozen=True)
class Brand:
    """What the survey emails and pages show of the company; empty fields keep the default look."""

    name: str = ""
    colour: str = ""
    logo_path: str = ""  # the logo view's path, with the file's version in it; "" for none
    logo_width: int = 0
    logo_height: int = 0

    @property
    def logo_url(self) -> str:
        """The logo's absolute address, for email clients (they know no other site)."""
        return settings.NPS_BASE_URL + self.logo_path if self.logo_path else ""

    @property
    def colour_css_path(self) -> str:
        """The stylesheet that gives the survey pages the brand colour; "" without one."""
        return reverse("brand-colour-css", args=[self.colour[1:]]) if self.colour else ""


def brand_of(row: LoopSettings) -> Brand:
    """The brand the settings row describes."""
    logo_path, width, height = "", 0, 0
    if row.brand_logo and row.brand_logo_width and row.brand_logo_height:
        logo_path = reverse("brand-logo", args=[row.brand_logo.name.rsplit("/", 1)[-1]])
        width, height = logo_display_size(row.brand_logo_width, row.brand_logo_height)
    return Brand(
        name=row.brand_name,
        colour=row.brand_colour,
        logo_path=logo_path,
        logo_width=width,
        logo_height=height,
    )


def current_brand() -> Brand:
    """The brand of the settings, as every process reads them."""
    return brand_of(LoopSettings.current())


def survey_sender_of(row: LoopSettings) -> str:
    """The From of survey emails: the survey sender's name and address of the settings; a
    missing name is the brand's, a missing address the one of every email (the settings'
    sender, else DEFAULT_FROM_EMAIL). Nothing set: the sender of every email, unchanged."""
    general = row.sender_email or settings.DEFAULT_FROM_EMAIL
    name = row.survey_sender_name or row.brand_name
    if not name and not row.survey_sender_address:
        return general
    general_name, general_address = parseaddr(general)
    return mailbox(name or general_name, row.survey_sender_address or general_address)


def mailbox(name: str, address: str) -> str:
    """`Name <address>` as a mail header needs it: a name holding a comma or a dot gets quotes
    (Django encodes non-ASCII names when it sends)."""
    if not name:
        return address
    if NAME_SPECIALS.search(name):
        name = '"{}"'.format(name.replace("\\", "\\\\").replace('"', '\\"'))
    return f"{name} <{address}>"


def survey_sender() -> str:
    """The From of survey emails, as the settings say now (`survey_sender_of`)."""
    return survey_sender_of(LoopSettings.current())
