"""Sign-in backends: django-axes' lockout check in front of Django's password check."""

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """Refuse the sign-ins of a locked-out username or address (django-axes).

    Sign-ins without a request — a shell, a management command, the test client — come
    from no address and no form anyone can hammer: axes would refuse them outright, so
    they pass to the password check uncounted.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
