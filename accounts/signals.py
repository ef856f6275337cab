"""Signals `accounts` sends so that the floors above can react without `accounts` importing them.

`contact_account_set(sender=Contact, contact=<Contact>, account=<Account>, actor=<User or
None>)` is sent inside the transaction that gave a contact an account it did not have
(or another one), by someone editing the contact. The answers that wait for an account
follow it (`surveys`), and with them their cases (`playbooks`).
"""

from django.dispatch import Signal

contact_account_set = Signal()

# `contact_erased(sender=Contact, contact_id=<int>, needles=<core.redaction.Needles>)` is
# sent inside the transaction that erased a person (GDPR Art. 17), so that floors the
# eraser cannot import (`imports`) forget them too. `needles` are what identifies them.
contact_erased = Signal()

# `account_arr_changed(sender=Account, account_ids=<list[int]>)` and
# `contact_role_changed(sender=Contact, contact_ids=<list[int]>)` are sent inside the
# transaction that changed accounts' ARR, or contacts' persona or influence: the risk score
# of their cases (`playbooks`) follows.
account_arr_changed = Signal()
contact_role_changed = Signal()
