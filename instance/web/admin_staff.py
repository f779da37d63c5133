"""Local accounts for the administration: who they are, their state and storage (for
anyone with manage_users), and their role and custom permissions (changed by admins
only, each change audited; instance/moderation/permissions.py decides)."""

from __future__ import annotations

from quart import Blueprint, redirect, render_template, request, url_for
from tortoise.expressions import Q
from tortoise.functions import Sum

from instance.moderation import permissions
from instance.storage.models import Account, MediaAttachment, User
from instance.web.csrf import check_csrf
from instance.web.i18n import gettext
from instance.web.session import permission_required, signed_in_user

blueprint = Blueprint("admin_staff", __name__, url_prefix="/admin")
blueprint.before_request(check_csrf)

STATES = ("all", "staff", "waiting", "suspended")


async def _storage() -> dict[int, int]:
    """Bytes of originals per local account."""
    rows = await MediaAttachment.filter(remote_url__isnull=True).annotate(
        total=Sum("original_bytes")).group_by("account_id").values_list("account_id", "total")
    return {int(account): int(total or 0) for account, total in rows}


@blueprint.get("/accounts")
@permission_required(permissions.MANAGE_USERS)
async def accounts(error: str = "", status: int = 200):
    state = request.args.get("state", "all")
    state = state if state in STATES else "all"
    query = User.all()
    if state == "staff":
        query = query.filter(Q(role__in=("admin", "moderator")) | ~Q(permissions=""))
    elif state == "waiting":
        query = query.filter(approved=False, disabled=False)
    elif state == "suspended":
        query = query.filter(disabled=True)
    users = await query.order_by("id").limit(500).prefetch_related("account")
    storage = await _storage()
    if request.args.get("sort") == "storage":
        users.sort(key=lambda user: -storage.get(user.account_id, 0))
    me = await signed_in_user()
    return await render_template(
        "admin/accounts.html", title=gettext("Accounts and roles"), users=users, state=state,
        states=STATES, storage=storage, roles=permissions.ROLES,
        all_permissions=permissions.PERMISSIONS, role_permissions=permissions.ROLE_PERMISSIONS,
        granted=permissions.granted, can_grant=me.role == "admin" and not me.disabled,
        message=request.args.get("done", ""), error=error,
    ), status


@blueprint.post("/accounts/<int:user_id>/role")
@permission_required(permissions.MANAGE_USERS)
async def change_role(user_id: int):
    me = await signed_in_user()
    permissions.require_admin(me)
    user = await User.get_or_none(id=user_id)
    if user is None:
        return await accounts(error=f"No local account {user_id}.", status=404)
    form = await request.form
    chosen = [name for name in form.getlist("permission")]
    try:
        changed = await permissions.set_role(await Account.get(id=me.account_id), user,
                                             str(form.get("role", "")), chosen)
    except permissions.RoleError as exc:
        return await accounts(error=f"Nothing changed: {exc.message}", status=422)
    account = await Account.get(id=user.account_id)
    done = (f"@{account.username} is now {user.role}"
            + (f" with {', '.join(permissions.granted(user))}" if permissions.granted(user) else "")
            + "." if changed else "Nothing changed.")
    return redirect(url_for(".accounts", done=done))
