"""Local accounts: usernames, passwords (argon2), key pairs, creation and suspension."""

from __future__ import annotations

import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from tortoise.transactions import in_transaction

from instance.errors import Refused
from instance.storage.models import Account, User
from instance.translation import gettext as _
from instance.urls import LocalUrls

USERNAME_RE = re.compile(r"^[a-z0-9_]{1,30}$")
ROLES = ("artist", "moderator", "admin")
# WebFinger names of server-owned actors (instance.actors.jobs_actor: acct:jobs@domain).
RESERVED_USERNAMES = frozenset({"jobs"})
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()


class AccountError(Refused):
    """A request about an account cannot be done; the message says why."""


def normalise_username(name: str) -> str:
    username = name.strip().lstrip("@").lower()
    if not USERNAME_RE.match(username):
        raise AccountError(
            _("username %(name)r must be 1–30 characters of lower-case letters, digits and _", name=name)
        )
    if username in RESERVED_USERNAMES:
        raise AccountError(_("the username %(username)r is reserved for this server's own use",
                             username=username))
    return username


def generate_password() -> str:
    return secrets.token_urlsafe(15)


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_("the password must have at least %(min_password_length)s characters",
                             min_password_length=MIN_PASSWORD_LENGTH))
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def generate_key_pair() -> tuple[str, str]:
    """An RSA-2048 key pair as (private PEM, public PEM), the size every peer accepts."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


async def create_local_user(
    urls: LocalUrls,
    username: str,
    password: str,
    *,
    email: str | None = None,
    role: str = "artist",
    approved: bool = True,
    display_name: str = "",
    email_pending: bool = False,
) -> User:
    """Create an account with its login, keys and ActivityPub endpoints."""
    username = normalise_username(username)
    if role not in ROLES:
        raise AccountError(_("role must be one of %(choices)s", choices=', '.join(ROLES)))
    password_hash = hash_password(password)
    if await Account.filter(username=username, domain=None).exists():
        raise AccountError(_("the username %(username)r is taken", username=username))
    if email_pending and not email:
        raise AccountError(_("an email address is needed to confirm the sign-up"))
    if email and await User.filter(email__iexact=email).exists():
        raise AccountError(_("the email %(email)r is already registered", email=email))
    private_pem, public_pem = generate_key_pair()
    async with in_transaction() as connection:
        account = await Account.create(
            ap_id=urls.actor(username),
            username=username,
            domain=None,
            display_name=display_name or username,
            url=urls.profile(username),
            inbox_url=urls.inbox(username),
            shared_inbox_url=urls.shared_inbox,
            outbox_url=urls.outbox(username),
            followers_url=urls.followers(username),
            following_url=urls.following(username),
            featured_url=urls.featured(username),
            public_key_id=urls.key_id(username),
            public_key_pem=public_pem,
            private_key_pem=private_pem,
            using_db=connection,
        )
        user = await User.create(
            account=account,
            email=email or None,
            password_hash=password_hash,
            role=role,
            approved=approved,
            email_pending=email_pending,
            using_db=connection,
        )
    return user


async def get_local_user(username: str) -> User:
    user = await User.filter(account__username=username.lower(), account__domain=None).first()
    if user is None:
        raise AccountError(_("no local user named %(username)r", username=username))
    return user


async def set_password(username: str, password: str) -> None:
    user = await get_local_user(username)
    user.password_hash = hash_password(password)
    await user.save(update_fields=["password_hash"])


async def suspend_user(username: str, actor: Account | None = None) -> None:
    """Suspend a local account: it can no longer log in and its works are hidden."""
    from instance.storage.models import AuditEntry

    user = await get_local_user(username)
    async with in_transaction() as connection:
        await User.filter(id=user.id).using_db(connection).update(disabled=True)
        await Account.filter(id=user.account_id).using_db(connection).update(suspended=True)
        await AuditEntry.create(actor=actor, action="account.suspend", target=str(user.account_id),
                                detail={"username": username.lower()},
                                using_db=connection)
