"""Every write of the `accounts` app made by hand (the Django admin); CRM files go through
`imports`."""
