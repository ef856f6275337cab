"""Form controls a person can find: the edge of every text field, list, checkbox and radio
button stands out from what is behind it at 3:1 at least (WCAG 2.2, 1.4.11 non-text
contrast), and a control that takes the keyboard's focus shows it. axe-core does not
measure either, so the browser computes them here from the rendered styles. And the
main menu of the role with the most links fits a laptop's width in the longer language."""

import pytest

from playbooks.defaults import install_default_playbooks
from playbooks.models import Case
from playbooks.services.engine import process_response
from tests.factories import AccountFactory, ContactFactory, ResponseFactory

pytestmark = pytest.mark.e2e

# For each visible form control: its border colour against the first opaque background
# behind it, and the same once it has the keyboard's focus (outline or shadow drawn).
MEASURE = """
() => {
  const channel = (c) => {
    c /= 255;
    return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  };
  const rgba = (text) => {
    const parts = text.match(/[\\d.]+/g).map(Number);
    return {r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1};
  };
  const luminance = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a),
    g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a),
    a: 1,
  });
  const behind = (element) => {
    for (let node = element.parentElement; node; node = node.parentElement) {
      const colour = rgba(getComputedStyle(node).backgroundColor);
      if (colour.a === 1) return colour;
    }
    return {r: 255, g: 255, b: 255, a: 1};
  };
  const ratio = (a, b) => {
    const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (light + 0.05) / (dark + 0.05);
  };
  const controls = document.querySelectorAll(
    "input.form-control, select.form-select, textarea.form-control, input.form-check-input"
  );
  return [...controls]
    .filter((element) => element.offsetParent !== null && !element.disabled)
    .map((element) => {
      const style = getComputedStyle(element);
      const background = behind(element);
      const border = over(rgba(style.borderTopColor), background);
      const field = over(rgba(style.backgroundColor), background);
      // The edge is seen against what surrounds the control, or against its own fill.
      const edge = Math.max(ratio(border, background), ratio(field, background));
      element.focus();
      const focused = getComputedStyle(element);
      const ring =
        (focused.outlineStyle !== "none" && parseFloat(focused.outlineWidth) > 0) ||
        focused.boxShadow !== "none";
      element.blur();
      const name = element.name || element.id || element.type;
      return {control: `${element.tagName.toLowerCase()}[${name}]`, edge, ring};
    });
}
"""


def unreadable(page) -> list[str]:
    measured = page.evaluate(MEASURE)
    assert measured, f"no form control on {page.url}"
    return [
        f"{m['control']} on {page.url}: edge {m['edge']:.2f}:1"
        + ("" if m["ring"] else ", no focus ring")
        for m in measured
        if m["edge"] < 3 or not m["ring"]
    ]


def test_every_form_control_stands_out_and_shows_its_focus(page, sign_in, admin_user):
    page.goto("/login/")
    problems = unreadable(page)

    sign_in(admin_user)
    for path in (
        "/cases/",
        "/responses/",
        "/profile/",
        "/configure/general/",
        "/configure/users/new/",
    ):
        page.goto(path)
        problems += unreadable(page)

    assert problems == [], "\n".join(problems)


def test_an_admins_whole_menu_fits_on_one_line_in_french_at_1280_px(page, sign_in, admin_user):
    admin_user.language = "fr"
    admin_user.save(update_fields=["language"])
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(admin_user)

    header = page.locator(".app-header")
    assert page.get_by_role("link", name="Tableau de bord").is_visible()
    assert header.evaluate("h => h.scrollWidth <= h.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    # The name is out of sight at this width, and still the menu's label.
    assert page.get_by_role("button", name=admin_user.name).is_visible()


# For each visible button (and link or summary drawn as one): its label's colour against its
# own fill (or what shows through it), as drawn, after the keyboard's focus came and went.
BUTTON_LABELS = """
() => {
  const channel = (c) => {
    c /= 255;
    return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  };
  const rgba = (text) => {
    const parts = text.match(/[\\d.]+/g).map(Number);
    return {r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1};
  };
  const luminance = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a),
    g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a),
    a: 1,
  });
  const fill = (element) => {
    let colour = {r: 255, g: 255, b: 255, a: 1};
    const chain = [];
    for (let node = element; node; node = node.parentElement) chain.unshift(node);
    for (const node of chain) colour = over(rgba(getComputedStyle(node).backgroundColor), colour);
    return colour;
  };
  const ratio = (a, b) => {
    const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (light + 0.05) / (dark + 0.05);
  };
  return [...document.querySelectorAll("button, .btn")]
    .filter((element) => element.offsetParent !== null && element.innerText.trim())
    .map((element) => {
      element.focus();
      element.blur();
      const background = fill(element);
      const label = over(rgba(getComputedStyle(element).color), background);
      return {button: element.innerText.trim().slice(0, 40), contrast: ratio(label, background)};
    });
}
"""


def unreadable_labels(page) -> list[str]:
    measured = page.evaluate(BUTTON_LABELS)
    assert measured, f"no button on {page.url}"
    return [
        f"'{m['button']}' on {page.url}: {m['contrast']:.2f}:1"
        for m in measured
        if m["contrast"] < 4.5
    ]


def test_every_button_keeps_a_readable_label_after_the_focus_leaves_it(page, sign_in, csm):
    install_default_playbooks()
    account = AccountFactory(csm=csm, name="Initech", arr=20_000, renewal_date=None)
    answer = ResponseFactory(contact=ContactFactory(account=account), score=2)
    case = Case.objects.get(pk=process_response(response_id=answer.pk).case_id)
    sign_in(csm)

    problems = []
    for path in (f"/cases/{case.pk}/", "/cases/", "/tasks/", "/responses/", "/"):
        page.goto(path)
        problems += unreadable_labels(page)

    assert problems == [], "\n".join(problems)
