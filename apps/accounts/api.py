"""Accounts API: who am I, teams, departments. Only administrators write."""

from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.generics import RetrieveAPIView
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from . import selectors, services
from .models import User
from .permissions import ReadOnlyOrRole
from .roles import Role
from .serializers import DepartmentSerializer, MeSerializer, TeamSerializer


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class TokenView(ObtainAuthToken):
    """POST {username, password} → {token}. Send it as ``Authorization: Token <token>``."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"


class MeView(RetrieveAPIView):
    serializer_class = MeSerializer

    def get_object(self):
        return (
            User.objects.select_related("team")
            .prefetch_related("groups", "departments")
            .get(pk=self.request.user.pk)
        )


class _AdminWritableViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Lists and details for every signed-in user; writes go through a service, admin only."""

    permission_classes = [ReadOnlyOrRole.of(Role.ADMIN)]
    ordering_fields = ["name", "id"]

    def save(self, serializer, instance=None):
        raise NotImplementedError

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = self.save(serializer)
        return Response(self._reloaded(obj), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        obj = self.save(serializer, instance)
        return Response(self._reloaded(obj))

    def _reloaded(self, obj):
        return self.get_serializer(self.get_queryset().get(pk=obj.pk)).data


@extend_schema(tags=["accounts"])
class TeamViewSet(_AdminWritableViewSet):
    serializer_class = TeamSerializer
    filterset_fields = ["lead"]

    def get_queryset(self):
        return selectors.teams_with_members()

    def save(self, serializer, instance=None):
        data = serializer.validated_data
        lead = data.get("lead", instance.lead if instance else None)
        members = data.get("members")
        return services.team_save(
            by=self.request.user,
            team=instance,
            name=data.get("name", instance.name if instance else ""),
            lead_id=lead.pk if lead else None,
            member_ids=[m.pk for m in members] if members is not None else None,
        )

    def perform_destroy(self, instance):
        services.team_delete(by=self.request.user, team=instance)


@extend_schema(tags=["accounts"])
class DepartmentViewSet(_AdminWritableViewSet):
    serializer_class = DepartmentSerializer

    def get_queryset(self):
        return selectors.departments_with_members()

    def save(self, serializer, instance=None):
        data = serializer.validated_data
        members = data.get("members")
        return services.department_save(
            by=self.request.user,
            department=instance,
            name=data.get("name", instance.name if instance else ""),
            member_ids=[m.pk for m in members] if members is not None else None,
        )

    def perform_destroy(self, instance):
        services.department_delete(by=self.request.user, department=instance)
