"""URLs of the accounts API; the example project mounts them under ``api/auth/``."""

from django.urls import path

from nexus_accounts.api import views

app_name = "nexus_accounts"

urlpatterns = [
    path("register/", views.RegisterView.as_view(), name="register"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("refresh/", views.RefreshView.as_view(), name="refresh"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("me/", views.MeView.as_view(), name="me"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password-change"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path(
        "password/reset/confirm/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("email/verify/", views.EmailVerifyView.as_view(), name="email-verify"),
    path("email/verify/resend/", views.EmailVerifyResendView.as_view(), name="email-verify-resend"),
    path("me/delete/", views.AccountDeleteView.as_view(), name="me-delete"),
    path("addresses/", views.AddressListView.as_view(), name="address-list"),
    path("addresses/<int:pk>/", views.AddressDetailView.as_view(), name="address-detail"),
]
