"""Views of the accounts API: parse, call one service, render.

Status codes: register 201 with the user; login and refresh 200 with `{access, refresh}`;
logout and password change 204. Bad credentials, and a refresh token that is bad, expired,
used or blacklisted, answer 401 at login and refresh. At logout the caller is already
authenticated by the access token, so a bad, blacklisted or foreign refresh token in the body
is a 400 on the `refresh` field. With `EMAIL_VERIFICATION = "mandatory"`, a login with
the right password for an unverified address is a 403 with `"code": "email_not_verified"`.

Password reset requests and verification resends answer 202 with one body, whatever was
found; the confirmations answer 204 (reset) and 200 (verify). The address book answers 201,
200 and 204; another user's address is a 404. `me/delete/` answers 204.

None of the new endpoints answers with a secret, so the `Idempotency-Key` middleware may
store their answers (a reset confirmation's body holds a password, but the stored
fingerprint of a request is an HMAC, not the body).
"""

from __future__ import annotations

from drf_yasg import openapi
from drf_yasg.utils import swagger_auto_schema
from rest_framework import serializers, status
from rest_framework.exceptions import (
    AuthenticationFailed,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import AUTH_HEADER_TYPES
from rest_framework_simplejwt.exceptions import InvalidToken

from nexus_accounts import services
from nexus_accounts.api.serializers import (
    AcceptedSerializer,
    AccountDeleteSerializer,
    AddressSerializer,
    EmailResendSerializer,
    EmailVerifiedSerializer,
    EmailVerifySerializer,
    ErrorDetailSerializer,
    LoginSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetSerializer,
    RefreshTokenSerializer,
    RegisterSerializer,
    TokenPairSerializer,
    UserSerializer,
)
from nexus_accounts.api.throttles import (
    AccountDeleteRateThrottle,
    EmailVerificationRateThrottle,
    EmailVerificationResendRateThrottle,
    LoginRateThrottle,
    PasswordChangeRateThrottle,
    PasswordResetConfirmRateThrottle,
    PasswordResetEmailRateThrottle,
    PasswordResetRateThrottle,
    RegisterRateThrottle,
)
from nexus_accounts.conf import accounts_settings
from nexus_accounts.exceptions import (
    AccountValidationError,
    AddressNotFound,
    EmailNotVerified,
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
NOT_FOUND = openapi.Response("Not found, or not the caller's.", ErrorDetailSerializer)
VERIFICATION_OFF = openapi.Response(
    "E-mail verification is off (EMAIL_VERIFICATION is 'none').", ErrorDetailSerializer
)


class CodedErrorSerializer(ErrorDetailSerializer):
    """An error with a machine-readable `code` (schema only)."""

    code = serializers.CharField(read_only=True)


def profile(user) -> dict:
    """The user as `UserSerializer` shows it, its `EmailAddress` row made sure of."""
    services.email_address_of(user)
    return UserSerializer(user).data


class AccountsAutoSchema(NexusAutoSchema):
    """The package's schema inspector (open operations, every error status, request and
    response definitions); the accounts views neither refuse a write with a 403 nor record
    `X-Request-ID`."""

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
        return Response(profile(user), status=status.HTTP_201_CREATED)


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
            403: openapi.Response(
                "EMAIL_VERIFICATION is 'mandatory' and the account's address is not verified "
                'yet: `{"detail": ..., "code": "email_not_verified"}`.',
                CodedErrorSerializer,
            ),
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
        except EmailNotVerified as exc:
            raise PermissionDenied({"detail": exc.message, "code": exc.code}) from exc
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
        return Response(profile(request.user))

    @swagger_auto_schema(
        operation_summary="Change the caller's first name, last name or e-mail address",
        operation_description="With EMAIL_VERIFICATION on, a new `email` does not replace the "
        "current one: it is shown as `pending_email` and sent a verification link, and "
        "replaces `email` once that link is used.",
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
        return Response(profile(user))


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


# Password reset ----------------------------------------------------------------------------

RESET_ACCEPTED = "If an active account uses this address, a password reset link is on its way."
RESEND_ACCEPTED = "If this address waits for verification, a new link is on its way."


class PasswordResetView(AnonymousEndpoint):
    throttle_classes = (PasswordResetRateThrottle, PasswordResetEmailRateThrottle)

    @swagger_auto_schema(
        operation_summary="Request a password reset link by e-mail",
        operation_description="Always 202 with the same body, whether or not an account uses "
        "the address; the e-mail carries a link built from PASSWORD_RESET_URL.",
        request_body=PasswordResetSerializer,
        responses={
            202: openapi.Response("Accepted (whatever was found).", AcceptedSerializer),
            400: FIELD_ERRORS,
            429: openapi.Response(
                "Too many requests from this client or for this address; see Retry-After.",
                ErrorDetailSerializer,
            ),
        },
        security=[],
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordResetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.request_password_reset(serializer.validated_data["email"])
        return Response({"detail": RESET_ACCEPTED}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(AnonymousEndpoint):
    throttle_classes = (PasswordResetConfirmRateThrottle,)

    @swagger_auto_schema(
        operation_summary="Set a new password with the uid and token of a reset link",
        request_body=PasswordResetConfirmSerializer,
        responses={
            204: "Password set; every refresh token of the user is blacklisted.",
            400: openapi.Response(
                "Invalid input; a bad, used or expired link is a message on `token`, a weak "
                "password messages on `new_password`."
            ),
            429: THROTTLED,
        },
        security=[],
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordResetConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.reset_password(**serializer.validated_data)
        except AccountValidationError as exc:
            raise ValidationError(exc.errors) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


# E-mail verification -----------------------------------------------------------------------


def _verification_on() -> None:
    if accounts_settings.EMAIL_VERIFICATION == "none":
        raise NotFound("E-mail verification is off.")


class EmailVerifyView(AnonymousEndpoint):
    throttle_classes = (EmailVerificationRateThrottle,)

    @swagger_auto_schema(
        operation_summary="Verify an e-mail address with the key of a verification link",
        operation_description="A pending address (a change made through me/) replaces the "
        "account's address at this moment.",
        request_body=EmailVerifySerializer,
        responses={
            200: EmailVerifiedSerializer,
            400: openapi.Response("A bad, expired or outdated key: a message on `key`."),
            404: VERIFICATION_OFF,
            429: THROTTLED,
        },
        security=[],
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        _verification_on()
        serializer = EmailVerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            user = services.verify_email(serializer.validated_data["key"])
        except AccountValidationError as exc:
            raise ValidationError(exc.errors) from exc
        return Response({"email": user.email, "email_verified": True})


class EmailVerifyResendView(AccountsEndpoint):
    """With an access token: the caller's pending (or unverified) address. Without one: the
    `email` of the body, with the same answer whether or not it belongs to an account
    (`mandatory` verification refuses login, so a user who lost the first link has no
    token to show)."""

    permission_classes = (AllowAny,)
    throttle_classes = (EmailVerificationRateThrottle, EmailVerificationResendRateThrottle)

    @swagger_auto_schema(
        operation_summary="Send the verification link again",
        request_body=EmailResendSerializer,
        responses={
            202: openapi.Response("Accepted (whatever was found).", AcceptedSerializer),
            400: FIELD_ERRORS,
            401: UNAUTHENTICATED,
            404: VERIFICATION_OFF,
            429: openapi.Response(
                "Too many requests from this client or for this address; see Retry-After.",
                ErrorDetailSerializer,
            ),
        },
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        _verification_on()
        if request.user.is_authenticated:
            services.send_verification(request.user)
        else:
            serializer = EmailResendSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            if "email" not in serializer.validated_data:
                raise ValidationError({"email": ["This field is required without a token."]})
            services.resend_verification_to(serializer.validated_data["email"])
        return Response({"detail": RESEND_ACCEPTED}, status=status.HTTP_202_ACCEPTED)


# Erasure -----------------------------------------------------------------------------------


class AccountDeleteView(AccountsEndpoint):
    permission_classes = (IsAuthenticated,)
    throttle_classes = (AccountDeleteRateThrottle,)

    @swagger_auto_schema(
        operation_summary="Delete the caller's account (GDPR erasure)",
        operation_description="Deactivates the account, erases its name, username, e-mail "
        "address and address book, and revokes its refresh tokens. Orders are kept, still "
        "linked to the (now anonymous) account.",
        request_body=AccountDeleteSerializer,
        responses={
            204: "The account is erased.",
            400: openapi.Response("A wrong password: a message on `password`."),
            401: UNAUTHENTICATED,
            429: openapi.Response(
                "Too many attempts by this user; see the Retry-After header.",
                ErrorDetailSerializer,
            ),
        },
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        serializer = AccountDeleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.erase_account(request.user, password=serializer.validated_data["password"])
        except AccountValidationError as exc:
            raise ValidationError(exc.errors) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


# Address book ------------------------------------------------------------------------------

ADDRESS_TAGS = ["addresses"]
# The address's id in the path: an integer (drf-yasg cannot tell without a queryset).
ADDRESS_ID = openapi.Parameter(
    "id", openapi.IN_PATH, type=openapi.TYPE_INTEGER, required=True, description="The address's id."
)


def _address(user, address_id):
    try:
        return services.get_address(user, address_id)
    except AddressNotFound as exc:
        raise NotFound(exc.message) from exc


class AddressListView(AccountsEndpoint):
    permission_classes = (IsAuthenticated,)

    @swagger_auto_schema(
        operation_id="auth_addresses_list",
        operation_summary="The caller's addresses, oldest first (not paginated)",
        responses={200: AddressSerializer(many=True), 401: UNAUTHENTICATED},
        tags=ADDRESS_TAGS,
    )
    def get(self, request: Request) -> Response:
        addresses = services.addresses_of(request.user)
        return Response(AddressSerializer(addresses, many=True).data)

    @swagger_auto_schema(
        operation_summary="Add an address to the caller's book",
        request_body=AddressSerializer,
        responses={201: AddressSerializer, 400: FIELD_ERRORS, 401: UNAUTHENTICATED},
        tags=ADDRESS_TAGS,
    )
    def post(self, request: Request) -> Response:
        serializer = AddressSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            address = services.create_address(request.user, serializer.validated_data)
        except AccountValidationError as exc:
            raise ValidationError(exc.errors) from exc
        return Response(AddressSerializer(address).data, status=status.HTTP_201_CREATED)


# The answers of a PUT or PATCH of an address.
ADDRESS_CHANGED = {
    200: AddressSerializer,
    400: FIELD_ERRORS,
    401: UNAUTHENTICATED,
    404: NOT_FOUND,
}


class AddressDetailView(AccountsEndpoint):
    permission_classes = (IsAuthenticated,)

    @swagger_auto_schema(
        operation_summary="One of the caller's addresses",
        responses={200: AddressSerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND},
        tags=ADDRESS_TAGS,
        manual_parameters=[ADDRESS_ID],
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(AddressSerializer(_address(request.user, pk)).data)

    def _update(self, request: Request, pk: int, *, partial: bool) -> Response:
        address = _address(request.user, pk)
        serializer = AddressSerializer(address, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        try:
            address = services.update_address(request.user, pk, serializer.validated_data)
        except AddressNotFound as exc:
            raise NotFound(exc.message) from exc
        except AccountValidationError as exc:
            raise ValidationError(exc.errors) from exc
        return Response(AddressSerializer(address).data)

    @swagger_auto_schema(
        operation_summary="Replace one of the caller's addresses",
        request_body=AddressSerializer,
        responses=ADDRESS_CHANGED,
        tags=ADDRESS_TAGS,
        manual_parameters=[ADDRESS_ID],
    )
    def put(self, request: Request, pk: int) -> Response:
        return self._update(request, pk, partial=False)

    @swagger_auto_schema(
        operation_summary="Change some fields of one of the caller's addresses",
        request_body=AddressSerializer,
        responses=ADDRESS_CHANGED,
        tags=ADDRESS_TAGS,
        manual_parameters=[ADDRESS_ID],
    )
    def patch(self, request: Request, pk: int) -> Response:
        return self._update(request, pk, partial=True)

    @swagger_auto_schema(
        operation_summary="Delete one of the caller's addresses",
        responses={204: "Deleted.", 401: UNAUTHENTICATED, 404: NOT_FOUND},
        tags=ADDRESS_TAGS,
        manual_parameters=[ADDRESS_ID],
    )
    def delete(self, request: Request, pk: int) -> Response:
        try:
            services.delete_address(request.user, pk)
        except AddressNotFound as exc:
            raise NotFound(exc.message) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)
