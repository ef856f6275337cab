"""The admins' configuration pages in the browser, under /configure/: the business settings
and the themes (`business`), the people and their roles and the API keys (`access`), the CSV
imports (`imports`)."""

from nps_loop.roles import Role, role_required

admins_only = role_required(Role.ADMIN)
