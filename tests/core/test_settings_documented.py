"""Every environment variable the settings read is documented in `.env.example`."""

import ast
import re
from pathlib import Path

from django.conf import settings

SETTINGS_FILE = Path(settings.BASE_DIR) / "nps_loop" / "settings.py"
ENV_EXAMPLE = Path(settings.BASE_DIR) / ".env.example"


def variables_read_by_settings() -> set[str]:
    """Names passed to `env.<type>("NAME", ...)` (env.str, env.bool, env.db, env.email_url...)."""
    tree = ast.parse(SETTINGS_FILE.read_text(), filename=str(SETTINGS_FILE))
    names = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "env"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value)
    return names


def variables_documented() -> set[str]:
    """Names given a value in `.env.example`, on a line of their own, commented out or not."""
    pattern = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)
    return set(pattern.findall(ENV_EXAMPLE.read_text()))


def test_settings_variables_are_found_by_the_parser():
    # Guards the test below against passing on an empty set if settings.py changes shape.
    assert {
        "DJANGO_SECRET_KEY",
        "DATABASE_URL",
        "EMAIL_URL",
        "DJANGO_ALLOWED_HOSTS",
    } <= variables_read_by_settings()


def test_every_variable_read_by_settings_is_documented_in_env_example():
    undocumented = variables_read_by_settings() - variables_documented()

    assert not undocumented, (
        f"{', '.join(sorted(undocumented))} read by nps_loop/settings.py but missing from "
        ".env.example: add a commented line with its default and what it is for."
    )
