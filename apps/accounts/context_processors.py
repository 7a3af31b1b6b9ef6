from .navigation import nav_for
from .permissions import roles_display, roles_of


def navigation(request) -> dict:
    """Menu entries and role labels for base.html."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_role_labels": []}
    return {
        "nav_items": nav_for(user, request.path),
        "user_role_labels": roles_display(roles_of(user)),
    }
