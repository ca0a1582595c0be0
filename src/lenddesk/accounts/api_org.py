"""API for departments, roles and staff (`/api/v1/departments/`, `/roles/`, `/users/`).

Thin: parse with a serializer, call one service or selector, answer. Out-of-scope or
other-firm ids answer 404.
"""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import Throttled
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from lenddesk.accounts import selectors, services
from lenddesk.accounts.permissions import (
    DepartmentPermission,
    RolePermission,
    UserPermission,
)
from lenddesk.accounts.serializers import (
    DepartmentSerializer,
    RevealResponseSerializer,
    RevealSerializer,
    RoleSerializer,
    UserSerializer,
)
from lenddesk.security.errors import RateLimited
from lenddesk.security.services import reveal_field
from lenddesk.web.api import TenantAPIView, number_page


class Pagination(PageNumberPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"


def _paginated(view, request, queryset, serializer_class):
    paginator = Pagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


class DepartmentListAPI(TenantAPIView):
    permissions = {
        "GET": (DepartmentPermission.VIEW,),
        "POST": (DepartmentPermission.CHANGE,),
    }

    @extend_schema(responses=DepartmentSerializer(many=True), tags=["organisation"])
    def get(self, request):
        return Response(
            DepartmentSerializer(selectors.department_tree(), many=True).data
        )

    @extend_schema(
        request=DepartmentSerializer,
        responses={201: DepartmentSerializer},
        tags=["organisation"],
    )
    def post(self, request):
        body = DepartmentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        department = services.department_create(
            actor=request.user,
            name=data["name"],
            parent_id=data.get("parent_id"),
            leader_id=data.get("leader_id"),
            sort=data.get("sort", 0),
        )
        return Response(
            DepartmentSerializer(department).data, status=status.HTTP_201_CREATED
        )


class DepartmentDetailAPI(TenantAPIView):
    permissions = {
        "GET": (DepartmentPermission.VIEW,),
        "PATCH": (DepartmentPermission.CHANGE,),
        "DELETE": (DepartmentPermission.CHANGE,),
    }

    @extend_schema(responses=DepartmentSerializer, tags=["organisation"])
    def get(self, request, pk: int):
        return Response(
            DepartmentSerializer(selectors.department_get(department_id=pk)).data
        )

    @extend_schema(
        request=DepartmentSerializer,
        responses=DepartmentSerializer,
        tags=["organisation"],
    )
    def patch(self, request, pk: int):
        department = selectors.department_get(department_id=pk)
        body = DepartmentSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        department = services.department_update(
            actor=request.user,
            department=department,
            name=data.get("name", department.name),
            parent_id=data.get("parent_id", department.parent_id),
            leader_id=data.get("leader_id", department.leader_id),
            sort=data.get("sort", department.sort),
        )
        return Response(DepartmentSerializer(department).data)

    @extend_schema(responses={204: None}, tags=["organisation"])
    def delete(self, request, pk: int):
        department = selectors.department_get(department_id=pk)
        services.department_delete(actor=request.user, department=department)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _role_data(validated: dict, role=None) -> tuple[dict, list[int]]:
    """A PATCH changes only what it names; the rest keeps the role's current values."""
    departments = validated.pop("custom_departments", None)
    if role is not None:
        current = {field: getattr(role, field) for field in services.ROLE_FIELDS}
        validated = {**current, **validated}
        if departments is None:
            departments = list(role.custom_departments.values_list("pk", flat=True))
    return validated, departments or []


class RoleListAPI(TenantAPIView):
    permissions = {"GET": (RolePermission.VIEW,), "POST": (RolePermission.CHANGE,)}

    @extend_schema(responses=RoleSerializer(many=True), tags=["organisation"])
    def get(self, request):
        return Response(RoleSerializer(selectors.role_list(), many=True).data)

    @extend_schema(
        request=RoleSerializer, responses={201: RoleSerializer}, tags=["organisation"]
    )
    def post(self, request):
        body = RoleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data, departments = _role_data(dict(body.validated_data))
        role = services.role_save(
            actor=request.user, role=None, data=data, custom_department_ids=departments
        )
        return Response(RoleSerializer(role).data, status=status.HTTP_201_CREATED)


class RoleDetailAPI(TenantAPIView):
    permissions = {
        "GET": (RolePermission.VIEW,),
        "PATCH": (RolePermission.CHANGE,),
        "DELETE": (RolePermission.CHANGE,),
    }

    @extend_schema(responses=RoleSerializer, tags=["organisation"])
    def get(self, request, pk: int):
        return Response(RoleSerializer(selectors.role_get(role_id=pk)).data)

    @extend_schema(
        request=RoleSerializer, responses=RoleSerializer, tags=["organisation"]
    )
    def patch(self, request, pk: int):
        role = selectors.role_get(role_id=pk)
        body = RoleSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        validated = dict(body.validated_data)
        validated.pop("key", None)
        data, departments = _role_data(validated, role)
        role = services.role_save(
            actor=request.user, role=role, data=data, custom_department_ids=departments
        )
        return Response(RoleSerializer(role).data)

    @extend_schema(responses={204: None}, tags=["organisation"])
    def delete(self, request, pk: int):
        services.role_delete(actor=request.user, role=selectors.role_get(role_id=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserListAPI(TenantAPIView):
    permissions = {"GET": (UserPermission.VIEW,), "POST": (UserPermission.CREATE,)}

    @extend_schema(
        responses=number_page("UserPage", UserSerializer),
        tags=["organisation"],
        operation_id="users_list",
    )
    def get(self, request):
        users = selectors.user_list(
            actor=request.user,
            status=request.query_params.get("status", ""),
            q=request.query_params.get("q", "")[:80],
        )
        return _paginated(self, request, users, UserSerializer)

    @extend_schema(
        request=UserSerializer, responses={201: UserSerializer}, tags=["organisation"]
    )
    def post(self, request):
        body = UserSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if not data.get("password"):
            raise ValidationError({"password": ["This field is required."]})
        user = services.user_create(
            actor=request.user,
            username=data["username"],
            display_name=data["display_name"],
            email=data.get("email", ""),
            password=data["password"],
            role_ids=data.get("roles", []),
            active=data.get("active", True),
            department_id=data.get("department_id"),
            superior_id=data.get("superior_id"),
            phone=data.get("phone", ""),
            id_number=data.get("id_number", ""),
        )
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class UserDetailAPI(TenantAPIView):
    permissions = {"GET": (UserPermission.VIEW,), "PATCH": (UserPermission.CHANGE,)}

    @extend_schema(responses=UserSerializer, tags=["organisation"])
    def get(self, request, pk: int):
        return Response(
            UserSerializer(selectors.user_get(actor=request.user, user_id=pk)).data
        )

    @extend_schema(
        request=UserSerializer, responses=UserSerializer, tags=["organisation"]
    )
    def patch(self, request, pk: int):
        user = selectors.user_get(actor=request.user, user_id=pk)
        body = UserSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        user = services.user_update(
            actor=request.user,
            user=user,
            display_name=data.get("display_name", user.display_name),
            email=data.get("email", user.email),
            role_ids=data.get("roles"),
            department_id=data.get("department_id", user.department_id),
            superior_id=data.get("superior_id", user.superior_id),
            phone=data.get("phone"),
            id_number=data.get("id_number"),
        )
        return Response(UserSerializer(user).data)


class UserRevealAPI(TenantAPIView):
    """Reveal one field in clear for a stated purpose (audited, rate-limited)."""

    permissions = {"POST": (UserPermission.REVEAL_PHONE, UserPermission.REVEAL_ID)}

    @extend_schema(
        request=RevealSerializer,
        responses=RevealResponseSerializer,
        tags=["organisation"],
    )
    def post(self, request, pk: int):
        subject = selectors.user_get(actor=request.user, user_id=pk)
        body = RevealSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            value = reveal_field(
                actor=request.user,
                instance=subject,
                field=body.validated_data["field"],
                purpose=body.validated_data["purpose"],
            )
        except RateLimited as exc:
            raise Throttled(detail=str(exc)) from exc
        response = Response({"field": body.validated_data["field"], "value": value})
        # Exactly "no-store", as this answer has always said (integrators may match it).
        response["Cache-Control"] = "no-store"
        return response
