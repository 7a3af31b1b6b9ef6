"""API shapes for complaints (DESIGN.md §9). Shape checks only; the workflow decides the rest."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from apps.accounts.models import Department

from . import access, workflow
from .models import Category, Notification, Ticket, TicketEvent
from .states import Channel, Severity, State

MAX_ID = 2**63 - 1


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), allow_null=True, required=False
    )
    default_department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = Category
        fields = ["id", "name", "parent", "default_department", "active"]
        read_only_fields = ["active"]
        validators = []  # uniqueness within the parent is the service's rule


class TicketSerializer(serializers.ModelSerializer):
    category_name = serializers.CharField(source="category.name", read_only=True)
    assignee_name = serializers.CharField(source="assignee.name", read_only=True, default=None)
    department_name = serializers.CharField(source="department.name", read_only=True, default=None)
    overdue = serializers.SerializerMethodField()
    available_actions = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = [
            "id",
            "reference",
            "customer_name",
            "customer_phone",
            "category",
            "category_name",
            "severity",
            "channel",
            "description",
            "state",
            "assignee",
            "assignee_name",
            "department",
            "department_name",
            "created_by",
            "created_at",
            "stage_started_at",
            "due_at",
            "overdue",
            "sla_breached_at",
            "waiting_for_customer",
            "resolution",
            "customer_satisfied",
            "satisfaction_score",
            "closed_at",
            "version",
            "available_actions",
        ]
        read_only_fields = fields

    def get_overdue(self, ticket) -> bool:
        if ticket.state == State.CLOSED:
            return False
        return ticket.sla_breached_at is not None or (
            ticket.due_at is not None and ticket.due_at < timezone.now()
        )

    def get_available_actions(self, ticket) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        return [t.action for t in access.available_transitions(request.user, ticket)]

    def to_representation(self, ticket):
        data = super().to_representation(ticket)
        request = self.context.get("request")
        if request is not None and not access.sees_customer_phone(request.user):
            data["customer_phone"] = access.mask_phone(ticket.customer_phone)
        return data


class TicketCreateSerializer(serializers.Serializer):
    customer_name = serializers.CharField(max_length=100)
    customer_phone = serializers.CharField(max_length=32)
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all())
    severity = serializers.ChoiceField(choices=Severity.choices)
    description = serializers.CharField()
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.PHONE)


class TransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=workflow.ACTIONS)
    expected_state = serializers.ChoiceField(choices=State.choices)
    note = serializers.CharField(max_length=10000)
    department = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
    assignee = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
    customer_satisfied = serializers.BooleanField(required=False, allow_null=True, default=None)
    satisfaction_score = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=5)
    version = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)


class WaitingSerializer(serializers.Serializer):
    waiting = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)


class TicketEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()
    department_name = serializers.CharField(source="department.name", read_only=True, default=None)

    class Meta:
        model = TicketEvent
        fields = [
            "id",
            "action",
            "actor",
            "actor_name",
            "from_state",
            "to_state",
            "note",
            "department",
            "department_name",
            "created_at",
        ]
        read_only_fields = fields

    def get_actor_name(self, event) -> str:
        return event.actor.name if event.actor else "system"


class NotificationSerializer(serializers.ModelSerializer):
    ticket_reference = serializers.CharField(source="ticket.reference", read_only=True, default=None)

    class Meta:
        model = Notification
        fields = ["id", "kind", "message", "ticket", "ticket_reference", "created_at", "read_at"]
        read_only_fields = fields


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        allow_null=True,
        default=None,
    )
