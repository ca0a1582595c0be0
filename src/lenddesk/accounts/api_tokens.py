"""API for one's own bearer tokens: list, revoke one, log out (`/api/v1/auth/…`), and an
administrator's view of a colleague's tokens (`/api/v1/users/<id>/tokens/`)."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from lenddesk.accounts import selectors, services
from lenddesk.accounts.permissions import UserPermission
from lenddesk.accounts.serializers import ApiTokenSerializer
from lenddesk.web.api import ERROR_SCHEMA, TenantAPIView


def _tokens(request, tokens):
    return ApiTokenSerializer(tokens, many=True, context={"request": request}).data


class TokenListAPI(TenantAPIView):
    """The caller's live tokens (the one making the request has ``current``)."""

    permissions = {"GET": ()}

    @extend_schema(responses={200: ApiTokenSerializer(many=True)}, tags=["auth"])
    def get(self, request):
        return Response(_tokens(request, selectors.token_list(actor=request.user)))


class TokenDetailAPI(TenantAPIView):
    """One token: one's own, or a visible colleague's for holders of ``user.change``."""

    permissions = {"GET": (), "DELETE": ()}

    @extend_schema(
        responses={200: ApiTokenSerializer, 404: ERROR_SCHEMA}, tags=["auth"]
    )
    def get(self, request, pk: int):
        token = selectors.token_get(actor=request.user, token_id=pk)
        return Response(ApiTokenSerializer(token, context={"request": request}).data)

    @extend_schema(
        responses={204: None, 400: ERROR_SCHEMA, 404: ERROR_SCHEMA}, tags=["auth"]
    )
    def delete(self, request, pk: int):
        token = selectors.token_get(actor=request.user, token_id=pk)
        services.token_revoke(actor=request.user, token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAPI(TenantAPIView):
    """End the token that made this request."""

    permissions = {"POST": ()}

    @extend_schema(request=None, responses={204: None}, tags=["auth"])
    def post(self, request):
        services.token_revoke(actor=request.user, token=request.auth)
        services.record_logout(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserTokenListAPI(TenantAPIView):
    """A colleague's live tokens, for an administrator who may revoke them."""

    permissions = {"GET": (UserPermission.CHANGE,)}

    @extend_schema(
        responses={200: ApiTokenSerializer(many=True), 404: ERROR_SCHEMA},
        tags=["organisation"],
    )
    def get(self, request, pk: int):
        subject = selectors.user_get(actor=request.user, user_id=pk)
        tokens = selectors.token_list(actor=request.user, user=subject)
        return Response(_tokens(request, tokens))
