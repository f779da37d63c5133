"""Per-person domain blocks (Mastodon's account domain blocks): one person hides a whole
remote server from themself. Its accounts leave their timelines, notifications and
streams (`instance.storage.visibility.outside_blocked_domains`), and, as Mastodon does,
their followers on that server are removed (a Reject tells each one's server). The API,
the CSV import and the export all go through here."""

from __future__ import annotations

from instance.actions import social
from instance.errors import Refused
from instance.moderation.domain_names import DomainNameError, normalise_domain
from instance.services import Services
from instance.storage.models import Account, AccountDomainBlock, Follow
from instance.translation import gettext as _

MAX_LENGTH = 253


class DomainBlockRefused(Refused):
    """A domain that cannot be blocked (empty, not a domain name, this server's own)."""


def checked_domain(services: Services, text: str | None) -> str:
    """The domain to block or unblock, normalised; refuses bad input in words."""
    value = (text or "").strip()
    if not value:
        raise DomainBlockRefused(_("Give the domain to block, e.g. example.com."))
    if len(value) > MAX_LENGTH:
        raise DomainBlockRefused(_("A domain name has at most %(max_length)s characters; this one has "
                                   "%(len)s.", max_length=MAX_LENGTH, len=len(value)))
    try:
        domain = normalise_domain(value)
    except DomainNameError:
        raise DomainBlockRefused(_("%(value)r is not a domain name.", value=value)) from None
    if "." not in domain.split(":", 1)[0]:
        raise DomainBlockRefused(_("%(value)r is not a domain name.", value=value))
    if domain == services.config.instance.domain.lower():
        raise DomainBlockRefused(_("This is this server's own domain: block its accounts one by one."))
    return domain


async def block_domain(services: Services, account: Account, text: str | None) -> str:
    """Block a domain for `account` (again is fine) and remove its followers from there."""
    domain = checked_domain(services, text)
    await AccountDomainBlock.get_or_create(account_id=account.id, domain=domain)
    followers = await Follow.filter(target_id=account.id, follower__domain=domain) \
        .select_related("follower")
    for follow in followers:
        await social.remove_follower(services, account, follow.follower)
    return domain


async def unblock_domain(services: Services, account: Account, text: str | None) -> str:
    """Lift a domain block (none is fine)."""
    domain = checked_domain(services, text)
    await AccountDomainBlock.filter(account_id=account.id, domain=domain).delete()
    return domain


async def blocked_domains(account_id: int) -> list[str]:
    """The domains a person blocked, oldest first."""
    rows = await AccountDomainBlock.filter(account_id=account_id).order_by("id") \
        .values_list("domain", flat=True)
    return [str(domain) for domain in rows]
