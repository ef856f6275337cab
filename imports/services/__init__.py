"""Every write of the `imports` app: customers and answers from CSV, and browser import jobs."""
