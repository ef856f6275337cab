"""Who may open the configuration pages: admins only."""

from core.roles import Role, role_required

admins_only = role_required(Role.ADMIN)
