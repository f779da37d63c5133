"""Mail through a real SMTP server on loopback (aiosmtpd): the `mail.account_link` job
sends a reset or confirmation link, the link works once and expires, and the job sorts
SMTP failures into retries (server down) and permanent failures (address refused).
SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from instance.actors import email_links
from instance.actors.accounts import AccountError, create_local_user, verify_password
from instance.actors.email_links import LinkRefused
from instance.jobs import kinds
from instance.storage.models import EmailToken, Job, JobState, TokenPurpose, User
from tests.rig.jobs import run_jobs_until_idle
from tests.rig.processes import free_port
from tests.rig.services import built_services
from tests.rig.smtp import smtp_server

PASSWORD = "a long enough password"
RESET, CONFIRM = TokenPurpose.RESET_PASSWORD, TokenPurpose.CONFIRM_EMAIL


@pytest.fixture
def smtp():
    with smtp_server(refuse=("nobody@example.org",)) as server:
        yield server


@pytest.fixture
async def mail_services(connected, tmp_path, smtp):
    async for services in built_services(connected, tmp_path, **smtp.settings):
        yield services


async def _artist(services, name="mira", email="mira@example.org", **extra):
    return await create_local_user(services.urls, name, PASSWORD, email=email, **extra)


def _token(link: str) -> str:
    return link.rsplit("/", 1)[1]


async def test_reset_mail_link_works_once(mail_services, smtp):
    user = await _artist(mail_services)
    await email_links.request_link(mail_services, RESET, "MIRA@example.org")  # any case
    await email_links.request_link(mail_services, RESET, "stranger@example.org")
    assert await run_jobs_until_idle(mail_services) == 2  # a job each: the same work for both
    assert [r.recipients for r in smtp.received] == [["mira@example.org"]]
    message = smtp.only_message_to("mira@example.org")
    assert message["From"] == "Impasto test <noreply@art.test>"
    assert "Reset your password" in message["Subject"]
    link = smtp.link_in(message)
    assert link.startswith("http://art.test/password/reset/")
    stored = await EmailToken.get(user_id=user.id)
    assert stored.token_hash == hashlib.sha256(_token(link).encode()).hexdigest()
    assert all(_token(link) not in str(job.payload) for job in await Job.all())

    with pytest.raises(AccountError):  # a short password does not spend the link
        await email_links.reset_password(_token(link), "short")
    await email_links.reset_password(_token(link), "a brand new password")
    user = await User.get(id=user.id)
    assert verify_password(user.password_hash, "a brand new password")
    with pytest.raises(LinkRefused) as again:
        await email_links.reset_password(_token(link), "yet another password")
    assert again.value.status == 410 and "already used" in again.value.message
    with pytest.raises(LinkRefused) as unknown:
        await email_links.check("not-a-token", TokenPurpose.RESET_PASSWORD)
    assert unknown.value.status == 404


async def test_expired_and_mismatched_purpose_links_are_refused(mail_services):
    user = await _artist(mail_services)
    raw = await email_links.issue(user, TokenPurpose.RESET_PASSWORD)
    with pytest.raises(LinkRefused):  # a reset link does not confirm an address
        await email_links.confirm_email(raw)
    await EmailToken.filter(user_id=user.id).update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    with pytest.raises(LinkRefused) as expired:
        await email_links.reset_password(raw, "a brand new password")
    assert expired.value.status == 410 and "expired" in expired.value.message
    assert verify_password((await User.get(id=user.id)).password_hash, PASSWORD)

    fresh = await email_links.issue(user, TokenPurpose.RESET_PASSWORD)
    await EmailToken.filter(expires_at__lt=datetime.now(UTC)).update(
        expires_at=datetime.now(UTC) - timedelta(days=1, minutes=1))
    await mail_services.jobs.enqueue(kinds.PRUNE_JOBS)  # housekeeping drops the long-dead one
    await run_jobs_until_idle(mail_services)
    assert [t.token_hash for t in await EmailToken.all()] == [hashlib.sha256(fresh.encode()).hexdigest()]


async def test_confirmation_mail_unlocks_the_account(mail_services, smtp):
    user = await _artist(mail_services, email_pending=True)
    assert not user.can_log_in
    await email_links.send_link(mail_services, user, TokenPurpose.CONFIRM_EMAIL)
    await email_links.request_link(mail_services, CONFIRM, "mira@example.org")  # resend
    await run_jobs_until_idle(mail_services)
    first, second = smtp.to("mira@example.org")
    await email_links.confirm_email(_token(smtp.link_in(second)))
    assert (await User.get(id=user.id)).can_log_in
    with pytest.raises(LinkRefused):
        await email_links.confirm_email(_token(smtp.link_in(second)))
    # a confirmed account gets no more confirmation mail
    await email_links.request_link(mail_services, CONFIRM, "mira@example.org")
    assert await run_jobs_until_idle(mail_services) == 1
    assert len(smtp.to("mira@example.org")) == 2


async def test_refused_address_is_permanent(mail_services, smtp):
    await _artist(mail_services, email="nobody@example.org")
    await email_links.request_link(mail_services, RESET, "nobody@example.org")
    await run_jobs_until_idle(mail_services)
    job = await Job.get(kind=kinds.SEND_ACCOUNT_MAIL)
    assert job.state == JobState.FAILED and job.attempts == 1
    assert "refused the address" in job.last_error and smtp.received == []


async def test_unreachable_server_is_retried(connected, tmp_path):
    closed_port = free_port()  # nothing listens there
    async for services in built_services(connected, tmp_path, MAIL_HOST="127.0.0.1",
                                         MAIL_PORT=str(closed_port), MAIL_SECURITY="none"):
        await _artist(services)
        await email_links.request_link(services, RESET, "mira@example.org")
        await run_jobs_until_idle(services)
        job = await Job.get(kind=kinds.SEND_ACCOUNT_MAIL)
        assert job.state == JobState.QUEUED and job.attempts == 1
        assert "cannot reach the SMTP server" in job.last_error
        assert job.next_attempt_at > datetime.now(UTC)


async def test_without_smtp_no_mail_is_queued_and_cli_links_still_work(services):
    user = await _artist(services)
    assert not services.config.mail.enabled
    await email_links.request_link(services, RESET, "mira@example.org")
    assert not await Job.exists()
    link = await email_links.reset_link(services.urls, "mira")
    assert link.startswith("http://art.test/password/reset/")
    await email_links.reset_password(_token(link), "a brand new password")
    assert verify_password((await User.get(id=user.id)).password_hash, "a brand new password")


@pytest.mark.parametrize("security", ["starttls", "tls"])
async def test_tls_and_login_with_a_password_file(connected, tmp_path, monkeypatch, security):
    """The production path: TLS (upgraded or from the first byte) with the certificate
    checked, and a login whose password is read from `[mail] password_file`."""
    (tmp_path / "smtp-password").write_text("s3cret mail password\n")
    with smtp_server(tls=security, folder=tmp_path, login=("impasto", "s3cret mail password")) as smtp:
        monkeypatch.setenv("SSL_CERT_FILE", str(smtp.cert_file))  # trust the test certificate
        async for services in built_services(connected, tmp_path, **smtp.settings, MAIL_USERNAME="impasto",
                                             MAIL_PASSWORD_FILE=str(tmp_path / "smtp-password")):
            await _artist(services)
            await email_links.request_link(services, RESET, "mira@example.org")
            await run_jobs_until_idle(services)
            assert smtp.link_in(smtp.only_message_to("mira@example.org"))

            (tmp_path / "smtp-password").write_text("an old password\n")  # the login now fails
            await email_links.request_link(services, RESET, "mira@example.org")
            await run_jobs_until_idle(services)
            failed = await Job.filter(kind=kinds.SEND_ACCOUNT_MAIL, state=JobState.QUEUED).get()
            assert "refused the login" in failed.last_error and len(smtp.received) == 1


async def test_an_untrusted_certificate_is_not_accepted(connected, tmp_path):
    with smtp_server(tls="starttls", folder=tmp_path) as smtp:  # SSL_CERT_FILE left alone
        async for services in built_services(connected, tmp_path, **smtp.settings):
            await _artist(services)
            await email_links.request_link(services, RESET, "mira@example.org")
            await run_jobs_until_idle(services)
            job = await Job.get(kind=kinds.SEND_ACCOUNT_MAIL)
            assert job.state == JobState.QUEUED and "CERTIFICATE_VERIFY_FAILED" in job.last_error
            assert smtp.received == []


def test_the_default_sender_is_one_quoted_address():
    from email.utils import getaddresses

    from instance.config import load_config
    from instance.mail import compose

    config = load_config(environ={"IMPASTO_INSTANCE_NAME": "Ink, Oil & Friends",
                                  "IMPASTO_INSTANCE_DOMAIN": "art.example:8443"})
    message = compose(config, "mira@example.org", "Hello", "Body")
    assert getaddresses([message["From"]]) == [("Ink, Oil & Friends", "noreply@art.example")]
    assert message["Message-ID"].endswith("@art.example>")
