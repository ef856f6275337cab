"""Every write of the `surveys` app. See `responses.record_response` for the way answers enter."""

from surveys.services.recorded import AddressErased, RecordedResponse
from surveys.services.response_batches import record_responses
from surveys.services.responses import assign_account_to_contact, opt_out_contact, record_response

__all__ = [
    "AddressErased",
    "RecordedResponse",
    "assign_account_to_contact",
    "opt_out_contact",
    "record_response",
    "record_responses",
]
