"""The last URL pattern of a host's ``/api/``: a JSON answer for every path the API does not
serve, whatever ``DEBUG`` says::

    urlpatterns += [
        path("api/auth/", include("nexus_accounts.api.urls")),
        path("api/", include("nexus_catalog.api.urls")),
        re_path(r"^api(?:/.*)?$", api_fallback),  # last
    ]

Without it, Django answers an unmatched URL itself, and not in JSON when ``DEBUG`` is on: its
HTML debug 404 page, and for ``POST /api/orders`` (no trailing slash) an HTML 500, since
``CommonMiddleware`` refuses to turn a POST into a redirect that would lose its body
(``APPEND_SLASH`` raises ``RuntimeError`` in debug mode). Because this pattern matches every
path under ``/api/``, Django's own handling never starts, and this view answers instead:

* a path without its trailing slash whose slashed form is served: a redirect there, as
  ``APPEND_SLASH`` would do, with a JSON body. ``GET`` and ``HEAD`` get Django's ``301``;
  any other method a ``308``, which tells the client to repeat the same method with the same
  body (a ``301`` lets clients turn a ``POST`` into a ``GET``);
* anything else: a JSON ``404``.

CSRF-exempt, so that a write to an unknown path is answered as such rather than as a CSRF
failure.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.http import escape_leading_slashes
from django.views.decorators.csrf import csrf_exempt

#: Methods redirected with Django's 301; every other method is redirected with a 308.
SAFE_REDIRECT_METHODS = frozenset({"GET", "HEAD"})


@csrf_exempt
def api_fallback(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """A JSON answer for a path under ``/api/`` that no other pattern matched."""
    if slashed_path_is_served(request):
        location = escape_leading_slashes(request.get_full_path(force_append_slash=True))
        response = JsonResponse(
            {"detail": f"The API's URLs end in a slash: {location}"},
            status=301 if request.method in SAFE_REDIRECT_METHODS else 308,
        )
        response["Location"] = location
        return response
    return JsonResponse({"detail": "Not found."}, status=404)


def slashed_path_is_served(request: HttpRequest) -> bool:
    """Whether ``APPEND_SLASH`` applies: the path lacks the slash and a view serves it with one.

    The same test as ``CommonMiddleware.should_redirect_with_slash``, except that this
    fallback itself (which matches every path under ``/api/``) does not count as serving it.
    """
    if not settings.APPEND_SLASH or request.path_info.endswith("/"):
        return False
    try:
        match = resolve(f"{request.path_info}/", getattr(request, "urlconf", None))
    except Resolver404:
        return False
    return match.func is not api_fallback and getattr(match.func, "should_append_slash", True)
