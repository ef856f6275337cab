"""Check that the French catalogue covers the code: every text marked for translation in
the Python code and the templates has a French translation that is neither missing nor
fuzzy. `make lint` runs it.

It runs Django's `makemessages` (GNU gettext's xgettext and msgmerge) on a copy of the
sources and of the catalogue, so the committed catalogue is never rewritten, and lists
what a translator has to add to locale/fr/LC_MESSAGES/django.po.

    python scripts/check_messages.py
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = Path("locale/fr/LC_MESSAGES/django.po")
# What holds no text of the product: tools, tests, assets and the environment.
SKIPPED = (
    ".git",
    ".venv",
    "node_modules",
    "static",
    "staticfiles",
    "var",
    "tests",
    "bench",
    "*.mo",
    "*.pyc",
)


def main() -> int:
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        print("GNU gettext is needed to check the catalogue: apt-get install gettext")
        return 1
    with tempfile.TemporaryDirectory() as work:
        copy = Path(work) / "src"
        shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*SKIPPED), symlinks=True)
        result = subprocess.run(
            [sys.executable, "manage.py", "makemessages", "--locale", "fr", "--no-obsolete"],
            cwd=copy,
            env={**os.environ, "DJANGO_DEBUG": "true"},
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode:
            print(result.stdout + result.stderr)
            return 1
        catalogue = polib.pofile(str(copy / CATALOGUE))
    missing = [
        entry
        for entry in catalogue
        if not entry.obsolete and (not entry.translated() or "fuzzy" in entry.flags)
    ]
    for entry in missing:
        where = ", ".join(f"{path}:{line}" for path, line in entry.occurrences[:2])
        state = "fuzzy" if "fuzzy" in entry.flags else "untranslated"
        print(f"{CATALOGUE}: {state}: {entry.msgid!r} ({where})")
    if missing:
        print(f"{len(missing)} text(s) of the code lack a French translation.")
        return 1
    print(f"{CATALOGUE}: every one of the code's {len(catalogue)} texts is translated.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
