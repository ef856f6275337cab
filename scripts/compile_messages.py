"""Compile the translation catalogues (locale/*/LC_MESSAGES/*.po) into the .mo files Django reads.

Django's `compilemessages` needs GNU gettext's `msgfmt`, which a fresh machine may
lack; polib (a project dependency) does the same in Python. A catalogue is compiled
when its .mo is missing or older. Untranslated and fuzzy entries are left out, so
they show in English, as `msgfmt` does. Exits 1, naming the file, on a broken .po.

    python scripts/compile_messages.py
"""

import sys
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "locale"


def main() -> int:
    compiled = 0
    for po_path in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        try:
            catalogue = polib.pofile(str(po_path))
        except (OSError, ValueError) as error:
            print(f"{po_path.relative_to(LOCALE.parent)}: {error}", file=sys.stderr)
            return 1
        catalogue.save_as_mofile(str(mo_path))
        compiled += 1
        print(
            f"Compiled {po_path.relative_to(LOCALE.parent)}: "
            f"{len(catalogue.translated_entries())} messages, {catalogue.percent_translated()}% "
            "translated."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
