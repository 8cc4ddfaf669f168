"""Views of the accounts API: parse, call one service, render.

Status codes: register 201 with the user; login and refresh 200 with ``{access, refresh}``;
logout and password change 204. Bad credentials, and a refresh token that is bad, expired,
used or blacklisted, answer 401 at login and refresh. At logout the caller is already
authenticated by the access token, so a bad, blacklisted or foreign refresh token in the body
is a 400 on the ``refresh`` field.
"""

from __future__ import annotations

from drf_yasg import openapi
from drf_yasg.utils import swagger_auto_schema
from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import AUTH_HEADER_TYPES
from rest_framework_simplejwt.exceptions import InvalidToken

from nexus_accounts import services
from nexus_accounts.api.serializers import (
    ErrorDetailSerializer,
    LoginSerializer,
    PasswordChangeSerializer,
    RefreshTokenSerializer,
    RegisterSerializer,
    TokenPairSerializer,
    UserSerializer,
)
from nexus_accounts.api.throttles import (
    LoginRateThrottle,
    PasswordChangeRateThrottle,
    RegisterRateThrottle,
)
from nexus_accounts.exceptions import (
    AccountValidationError,
    InvalidCredentials,
    InvalidRefreshToken,
)
from nexus_catalog.api.parsers import NexusParsersMixin
from nexus_catalog.api.schema import NexusAutoSchema
from nexus_catalog.idempotency.exempt import idempotency_exempt

TAGS = ["auth"]
FIELD_ERRORS = openapi.Response("Invalid input: messages by field.")
THROTTLED = openapi.Response(
    "Too many requests from this address; see the Retry-After header.", ErrorDetailSerializer
)
UNAUTHENTICATED = openapi.Response(
    "Missing, invalid or expired access token.", ErrorDetailSerializer
)


class AccountsAutoSchema(NexusAutoSchema):
    """The package's schema inspector (open operations, every error status, request and
    response definitions); the accounts views neither refuse a write with a 403 nor record
    ``X-Request-ID``."""

    writes_may_be_forbidden = False
    documents_request_id = False


class AccountsEndpoint(NexusParsersMixin, APIView):
    """Every view of the accounts API: with DRF's JSON parser swapped for the package's, a
    JSON body nested too deeply is a 400 (see :mod:`nexus_catalog.api.parsers`)."""

    swagger_schema = AccountsAutoSchema


class AnonymousEndpoint(AccountsEndpoint):
    """An endpoint for callers without a token: any Authorization header is ignored, and
    authentication failures stay 401 (DRF turns them into 403 when no authenticator is set)."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get_authenticate_header(self, request: Request) -> str:
        return f'{AUTH_HEADER_TYPES[0]} realm="api"'


class RegisterView(AnonymousEndpoint):
    throttle_classes = (RegisterRateThrottle,)

    @swagger_auto_schema(
        operation_summary="Register a user",
        request_body=RegisterSerializer,
        responses={201: UserSerializer, 400: FIELD_ERRORS, 429: THROTTLED},
        security=[],
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            user = services.register_user(
                username=data["username"],
                email=data["email"],
                password=data["password"],
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
            )
        except AccountValidationError as exc:
            raise ValidationError(exc.errors) from exc
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


# Token responses are credentials: never stored by the Idempotency-Key middleware.
@idempotency_exempt
class LoginView(AnonymousEndpoint):
    throttle_classes = (LoginRateThrottle,)

    @swagger_auto_schema(
        operation_summary="Log in: trade credentials for a token pair",
        request_body=LoginSerializer,
        responses={
            200: TokenPairSerializer,
            400: FIELD_ERRORS,
            401: openapi.Response("Wrong credentials or inactive account.", ErrorDetailSerializer),
            429: THROTTLED,
        },
        security=[],
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            user = services.authenticate_user(
                request,
                serializer.validated_data["username"],
                serializer.validated_data["password"],
            )
        except InvalidCredentials as exc:
            raise AuthenticationFailed(exc.message) from exc
        return Response(services.issue_token_pair(user))


@idempotency_exempt
class RefreshView(AnonymousEndpoint):
    @swagger_auto_schema(
        operation_summary="Trade a refresh token for a new pair (the old one is blacklisted)",
        request_body=RefreshTokenSerializer,
        responses={
            200: TokenPairSerializer,
            400: FIELD_ERRORS,
            401: openapi.Response(
                "Refresh token invalid, expired, already used or blacklisted, or its user "
                "inactive.",
                ErrorDetailSerializer,
            ),
        },
        security=[],
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        serializer = RefreshTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            pair = services.rotate_refresh_token(serializer.validated_data["refresh"])
        except InvalidRefreshToken as exc:
            raise InvalidToken(exc.message) from exc
        return Response(pair)


class LogoutView(AccountsEndpoint):
    permission_classes = (IsAuthenticated,)

    @swagger_auto_schema(
        operation_summary="Log out: blacklist a refresh token of the caller",
        request_body=RefreshTokenSerializer,
        responses={
            204: "The refresh token is blacklisted.",
            400: openapi.Response(
                "The refresh token is invalid, expired, already blacklisted or another user's."
            ),
            401: UNAUTHENTICATED,
        },
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        serializer = RefreshTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.revoke_refresh_token(request.user, serializer.validated_data["refresh"])
        except InvalidRefreshToken as exc:
            raise ValidationError({"refresh": [exc.message]}) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(AccountsEndpoint):
    permission_classes = (IsAuthenticated,)

    @swagger_auto_schema(
        operation_summary="The caller's profile",
        responses={200: UserSerializer, 401: UNAUTHENTICATED},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        return Response(UserSerializer(request.user).data)

    @swagger_auto_schema(
        operation_summary="Change the caller's first name, last name or e-mail address",
        request_body=UserSerializer,
        responses={200: UserSerializer, 400: FIELD_ERRORS, 401: UNAUTHENTICATED},
        tags=TAGS,
    )
    def patch(self, request: Request) -> Response:
        serializer = UserSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            user = services.update_profile(request.user, serializer.validated_data)
        except AccountValidationError as exc:
            raise ValidationError(exc.errors) from exc
        return Response(UserSerializer(user).data)


class PasswordChangeView(AccountsEndpoint):
    permission_classes = (IsAuthenticated,)
    throttle_classes = (PasswordChangeRateThrottle,)

    @swagger_auto_schema(
        operation_summary="Change the caller's password and log out every session",
        request_body=PasswordChangeSerializer,
        responses={
            204: "Password changed; every refresh token of the user is blacklisted.",
            400: FIELD_ERRORS,
            401: UNAUTHENTICATED,
            429: openapi.Response(
                "Too many password changes by this user; see the Retry-After header.",
                ErrorDetailSerializer,
            ),
        },
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.change_password(
                request.user,
                old_password=serializer.validated_data["old_password"],
                new_password=serializer.validated_data["new_password"],
            )
        except AccountValidationError as exc:
            raise ValidationError(exc.errors) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)
