"""Django's makemessages, also collecting `core.said.ngettext_noop`: sentences with a
plural form kept untranslated, translated when a person reads them."""

from django.core.management.commands.makemessages import Command as MakeMessages


class Command(MakeMessages):
    xgettext_options = [*MakeMessages.xgettext_options, "--keyword=ngettext_noop:1,2"]
