from django.urls import path

from tests.idempotency import views

urlpatterns = [
    path("echo/", views.EchoView.as_view()),
    path("private/", views.PrivateEchoView.as_view()),
    path("post-only/", views.PostOnlyView.as_view()),
    path("blocking/", views.BlockingView.as_view()),
    path("plain/", views.plain_view),
    path("exempt/", views.ExemptView.as_view()),
    path("exempt-plain/", views.exempt_plain_view),
]
