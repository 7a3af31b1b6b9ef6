"""Complaints API (DESIGN.md §9): parse → call the service → serialise."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.accounts.permissions import HasRole, ReadOnlyOrRole
from apps.accounts.roles import Role

from . import selectors, services
from .access import CREATOR_ROLES, TICKET_ROLES
from .models import Category, Notification, Ticket
from .serializers import (
    CategorySerializer,
    MarkReadSerializer,
    NotificationSerializer,
    TicketCreateSerializer,
    TicketEventSerializer,
    TicketSerializer,
    TransitionSerializer,
    WaitingSerializer,
)
from .states import Severity, State


@extend_schema(tags=["complaints"])
class CategoryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """The business classification tree. Duty managers and administrators add categories."""

    serializer_class = CategorySerializer
    permission_classes = [ReadOnlyOrRole.of(Role.DUTY_MANAGER, Role.ADMIN)]
    queryset = Category.objects.all()
    filterset_fields = ["parent", "active"]

    def get_queryset(self):
        return selectors.categories_tree()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        category = services.category_create(
            by=request.user,
            name=data["name"],
            parent=data.get("parent"),
            default_department=data.get("default_department"),
        )
        return Response(self.get_serializer(category).data, status=status.HTTP_201_CREATED)


class TicketFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=State.choices)
    # A category stands for its subcategories too, as on the pages (selectors.filter_tickets).
    category = django_filters.ModelChoiceFilter(queryset=Category.objects.all(), method="filter_category")
    severity = django_filters.ChoiceFilter(choices=Severity.choices)
    overdue = django_filters.BooleanFilter(method="filter_overdue")
    date_from = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    date_to = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte")
    q = django_filters.CharFilter(method="filter_text")

    class Meta:
        model = Ticket
        fields = ["state", "category", "severity", "department", "assignee"]

    def filter_category(self, queryset, name, value):
        return selectors.filter_tickets(queryset, category=value.pk)

    def filter_overdue(self, queryset, name, value):
        return selectors.filter_tickets(queryset, overdue=value)

    def filter_text(self, queryset, name, value):
        return selectors.filter_tickets(queryset, q=value)


@extend_schema(tags=["complaints"])
class TicketViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Complaint tickets. Every state change goes through ``transition/``."""

    serializer_class = TicketSerializer
    filterset_class = TicketFilter
    queryset = Ticket.objects.none()  # for the schema generator; see get_queryset
    ordering_fields = ["created_at", "due_at", "severity", "id"]

    def get_permissions(self):
        if self.action == "create":
            return [HasRole.of(*CREATOR_ROLES)()]
        return [HasRole.of(*TICKET_ROLES)()]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Ticket.objects.none()
        return selectors.tickets_list(self.request.user)

    def _fresh(self, pk, code=status.HTTP_200_OK):
        # Not scoped: the service has authorised the action, and after a transfer the actor
        # may no longer see the ticket, yet gets its new state back.
        ticket = Ticket.objects.select_related("category", "assignee", "department", "created_by").get(pk=pk)
        return Response(TicketSerializer(ticket, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=TicketCreateSerializer, responses=TicketSerializer)
    def create(self, request, *args, **kwargs):
        payload = TicketCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        ticket = services.ticket_create(by=request.user, **payload.validated_data)
        return self._fresh(ticket.pk, status.HTTP_201_CREATED)

    @extend_schema(request=TransitionSerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Take an action of the workflow. 400 bad fields, 403 role, 404 unseen ticket, 409 stale state."""
        payload = TransitionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        ticket = services.ticket_transition(
            by=request.user,
            ticket_id=self._ticket_id(pk),
            action=data["action"],
            expected_state=data["expected_state"],
            note=data["note"],
            department_id=data.get("department"),
            assignee_id=data.get("assignee"),
            customer_satisfied=data.get("customer_satisfied"),
            satisfaction_score=data.get("satisfaction_score"),
            expected_version=data.get("version"),
        )
        return self._fresh(ticket.pk)

    @extend_schema(request=WaitingSerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def waiting(self, request, pk=None):
        """Pause (``waiting: true``) or resume the SLA clock while the customer owes an answer."""
        payload = WaitingSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        ticket = services.ticket_set_waiting(
            by=request.user, ticket_id=self._ticket_id(pk), **payload.validated_data
        )
        return self._fresh(ticket.pk)

    @extend_schema(responses=TicketEventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def events(self, request, pk=None):
        """The timeline, oldest first."""
        ticket = self.get_object()
        events = ticket.events.select_related("actor", "department").order_by("created_at", "id")
        return Response(TicketEventSerializer(events, many=True).data)

    @staticmethod
    def _ticket_id(pk) -> int:
        try:
            return int(pk)
        except (TypeError, ValueError):
            return 0  # no such ticket: the service answers 404


@extend_schema(tags=["complaints"])
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The signed-in user's notifications, newest first; ``mark-read/`` marks some or all read."""

    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()
    filterset_fields = ["kind"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        queryset = selectors.notifications_for(self.request.user)
        if self.request.query_params.get("unread") == "true":
            queryset = queryset.filter(read_at__isnull=True)
        return queryset

    @extend_schema(request=MarkReadSerializer, responses={200: dict})
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request):
        payload = MarkReadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        count = services.notifications_mark_read(by=request.user, ids=payload.validated_data["ids"])
        return Response({"marked": count, "unread": selectors.unread_notifications_count(request.user)})
