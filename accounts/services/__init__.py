"""Every write of the `accounts` app: CRM imports live in `imports`."""
