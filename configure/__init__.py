"""The admins' configuration pages in the browser, under /configure/: the business settings
and the themes (`business`), the root causes cases close with (`root_causes`), the people
and their roles and the API keys (`access`), the CSV imports (`imports`)."""
