#!/usr/bin/env python
"""Django's command-line utility for NPS Loop.

The command line is a developer's tool first: when DJANGO_DEBUG is set neither in
the environment nor in `.env`, it runs in development mode, as `make run` does.
Servers set DJANGO_DEBUG=false (docker-compose and the Dockerfile do), and then
the production checks apply, a secret key first.
"""

import os
import sys
from pathlib import Path

ENV_FILE = Path(__file__).resolve().parent / ".env"


def _env_file_sets(name: str) -> bool:
    if not ENV_FILE.exists():
        return False
    for line in ENV_FILE.read_text(errors="replace").splitlines():
        key, equals, _ = line.strip().removeprefix("export ").partition("=")
        if equals and key.strip() == name:
            return True
    return False


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nps_loop.settings")
    if "DJANGO_DEBUG" not in os.environ and not _env_file_sets("DJANGO_DEBUG"):
        os.environ["DJANGO_DEBUG"] = "true"
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:  # a setting is missing: say which, no traceback
        sys.stderr.write(f"Error: {error}\n")
        sys.exit(1)


if __name__ == "__main__":
    main()
