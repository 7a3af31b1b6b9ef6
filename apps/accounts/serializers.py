"""API shapes for accounts. Validation of shape only; rules live in services."""

from rest_framework import serializers

from .models import Department, Team, User
from .permissions import roles_of
from .roles import Role


class TeamRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name"]


class MeSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    team = TeamRefSerializer(read_only=True)
    roles = serializers.SerializerMethodField()
    departments = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "name",
            "display_name",
            "email",
            "employee_number",
            "team",
            "departments",
            "roles",
        ]

    def get_roles(self, user) -> list[str]:
        return [role for role in Role.values if role in roles_of(user)]


class TeamSerializer(serializers.ModelSerializer):
    lead = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), allow_null=True, required=False)
    members = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), many=True, required=False)
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Team
        fields = ["id", "name", "lead", "members", "member_count"]
        # Uniqueness (case-insensitive) is a service rule; keep DRF's own check out of the way.
        extra_kwargs = {"name": {"validators": []}}


class DepartmentSerializer(serializers.ModelSerializer):
    members = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), many=True, required=False)
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Department
        fields = ["id", "name", "members", "member_count"]
        extra_kwargs = {"name": {"validators": []}}
