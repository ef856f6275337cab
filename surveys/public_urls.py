"""The public pages of survey invitations, mounted under /s/ (see nps_loop/urls.py)."""

from django.urls import path

from surveys import public_views

urlpatterns = [
    path("<str:token>/", public_views.answer, name="survey-answer"),
    path("<str:token>/thanks/", public_views.thanks, name="survey-thanks"),
    path("<str:token>/unsubscribe/", public_views.unsubscribe, name="survey-unsubscribe"),
]
