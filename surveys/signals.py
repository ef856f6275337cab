"""Signals `surveys` sends so that other apps can react without `surveys` importing them.

`response_recorded(sender=Response, response=<Response>)` is sent inside the
transaction that stored a new answer, exactly once per answer. Receivers that
start work elsewhere (a Celery task) must defer it with `transaction.on_commit`.

`response_updated(sender=Response, response=<Response>, fields=[...],
previous={field: old value})` is sent inside the transaction that corrected an
answer delivered before (a comment added later, a corrected score).

`response_batch_recorded(sender=Response, response_ids=[...])` is sent inside the
transaction that stored many new answers at once (a CSV import's batch, a bulk API
request), instead of `response_recorded` for each.

`contact_matched(sender=Contact, contact=<Contact>, account=<Account>,
response_ids=[...], actor=<User or None>)` is sent inside the transaction that
attached an unmatched contact to an account, with the answers that followed it
(actor None: matched automatically by a later answer).
"""

from django.dispatch import Signal

response_recorded = Signal()
response_updated = Signal()
response_batch_recorded = Signal()
contact_matched = Signal()
