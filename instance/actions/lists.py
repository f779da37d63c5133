"""Lists as an action: making one by its title and putting an account in it, with the
limits the API keeps (instance.api.lists), so an import of `lists.csv` obeys them too."""

from __future__ import annotations

from instance.errors import Refused
from instance.services import Services
from instance.storage.models import Account, AccountList, Follow, ListMember, RepliesPolicy
from instance.translation import gettext as _

MAX_LISTS = 100  # per person; Mastodon allows 50
MAX_TITLE = 200


class ListRefused(Refused):
    """A list that cannot be made or filled; the message says why."""


async def create_list(owner: Account, title: str, *, replies_policy: str = RepliesPolicy.LIST.value,
                      exclusive: bool = False) -> AccountList:
    if await AccountList.filter(owner_id=owner.id).count() >= MAX_LISTS:
        raise ListRefused(_("Validation failed: You cannot have more than %(max_lists)s lists",
                            max_lists=MAX_LISTS))
    return await AccountList.create(owner_id=owner.id, title=title, replies_policy=replies_policy,
                                    exclusive=exclusive)


async def list_titled(owner: Account, title: str) -> AccountList:
    """The owner's (first) list with this title, made when there is none."""
    found = await AccountList.filter(owner_id=owner.id, title=title).order_by("id").first()
    return found if found is not None else await create_list(owner, title)


async def follow_into_list(services: Services, owner: Account, account_list: AccountList,
                           target: Account) -> None:
    """Put `target` in the list, following it first when the owner does not (as Mastodon's
    list import does: a list holds only accounts its owner follows)."""
    from instance.actions.social import follow

    if target.id != owner.id and not await Follow.filter(follower_id=owner.id, target_id=target.id).exists():
        await follow(services, owner, target)
    await ListMember.get_or_create(account_list_id=account_list.id, account_id=target.id)


async def remove_member(account_list: AccountList, target: Account) -> None:
    await ListMember.filter(account_list_id=account_list.id, account_id=target.id).delete()


async def delete_list(account_list: AccountList) -> None:
    """The list and its members (they cascade)."""
    await account_list.delete()
