from core.roles import Role, has_role


def roles(request):
    """Expose the signed-in user's roles to templates for navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_csm": False, "is_manager": False, "is_admin": False}
    return {
        "is_csm": has_role(user, Role.CSM),
        "is_manager": has_role(user, Role.MANAGER),
        "is_admin": has_role(user, Role.ADMIN),
    }
