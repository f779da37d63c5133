"""Pages speak the reader's language: the account's setting, else the Accept-Language
header (q-values honoured), else English; `<html lang>` says which. The French catalogue
is complete: every message extraction finds has a translation, none fuzzy. In-process
(create_app + test_client), SQLite and PostgreSQL."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from babel.dates import format_date as babel_format_date
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from werkzeug.datastructures import FileStorage

from instance import translation
from instance.actors.accounts import create_local_user
from instance.app import create_app
from instance.config import load_config
from instance.storage import db
from instance.urls import LocalUrls
from instance.web.i18n import LOCALE_DIR, negotiate

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a long enough password"


def lang_of(body: str) -> str:
    found = re.search(r'<html lang="([^"]+)"', body)
    assert found, body[:200]
    return found.group(1)


def token_of(body: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', body)
    assert found, body[:300]
    return found.group(1)


def config_for(database_url: str, tmp_path: Path, **settings: str):
    return load_config(environ={
        "IMPASTO_DATABASE_URL": database_url, "IMPASTO_MEDIA_PATH": str(tmp_path / "media"),
        "IMPASTO_SERVER_SECRET_KEY_FILE": str(tmp_path / "secret_key"),
        "IMPASTO_SERVER_RUN_WORKER": "false", **settings,
    })


@pytest.fixture
async def app(database_url, tmp_path):
    config = config_for(database_url, tmp_path)
    await db.connect(database_url)
    try:
        await create_local_user(LocalUrls(config.base_url), "mira", PASSWORD)
        await create_local_user(LocalUrls(config.base_url), "boss", PASSWORD, role="admin")
    finally:
        await db.disconnect()
    application = create_app(config)
    async with application.test_app():
        yield application


async def get(client, path: str, language: str | None = None) -> str:
    headers = {"Accept-Language": language} if language else {}
    response = await client.get(path, headers=headers)
    body = await response.get_data(as_text=True)
    assert response.status_code == 200, (path, body[:300])
    return body


async def log_in(client, username: str = "mira") -> None:
    token = token_of(await get(client, "/login"))
    response = await client.post("/login", form={"csrf_token": token, "username": username,
                                                 "password": PASSWORD})
    assert response.status_code in (302, 303), await response.get_data(as_text=True)


def test_negotiation_honours_q_values_and_falls_back_to_english():
    assert negotiate("fr-CH, en;q=0.8") == "fr"
    assert negotiate("en;q=0.9, fr;q=0.95") == "fr"
    assert negotiate("de, fr;q=0.1") == "fr"
    assert negotiate("de, ja;q=0.5") == "en"
    assert negotiate("fr;q=0") == "en"
    assert negotiate("") == "en"
    assert negotiate("fr;q=nonsense, en") == "en"


async def test_accept_language_chooses_and_unknown_falls_back(app):
    client = app.test_client()
    for path, french in (("/", "Explorer"), ("/login", "Mot de passe oublié ?"),
                         ("/signup", "Nom d’utilisateur"), ("/@mira", "<strong>0</strong> œuvre ·")):
        body = await get(client, path, "fr-FR,fr;q=0.9,en;q=0.5")
        assert lang_of(body) == "fr" and french in body, path
        english = await get(client, path, "de-DE, ja;q=0.4")
        assert lang_of(english) == "en" and french not in english, path
    assert "Forgot password?" in await get(client, "/login")


async def test_account_setting_overrides_the_header(app):
    client = app.test_client()
    await log_in(client)
    body = await get(client, "/settings", "fr")
    assert lang_of(body) == "fr" and "Enregistrer le profil" in body
    assert "Publier une œuvre" in await get(client, "/upload", "fr")
    assert "Rien pour l’instant" in await get(client, "/notifications", "fr")  # none yet
    response = await client.post("/settings/language", form={"csrf_token": token_of(body),
                                                             "locale": "en"})
    assert response.status_code in (302, 303)
    body = await get(client, "/settings", "fr")
    assert lang_of(body) == "en" and "Save profile" in body
    assert lang_of(await get(client, "/@mira", "fr")) == "en"
    await client.post("/settings/language", form={"csrf_token": token_of(body), "locale": "fr"})
    assert "Enregistrer le profil" in await get(client, "/settings", "en")
    # An unknown choice clears the setting: the header decides again.
    await client.post("/settings/language", form={"csrf_token": token_of(body), "locale": "xx"})
    assert lang_of(await get(client, "/settings", "en")) == "en"


async def test_admin_and_job_board_pages_speak_french(app):
    """Two of the pages marked after the first nine: the admin dashboard and the job board."""
    client = app.test_client()
    await log_in(client, "boss")
    body = await get(client, "/admin/", "fr")
    assert lang_of(body) == "fr" and "Tâches de fond" in body and "Journal d’audit" in body
    assert "Background jobs" in await get(client, "/admin/", "en")
    body = await get(client, "/jobs", "fr")
    assert "Du travail rémunéré pour les artistes" in body and "Afficher les offres" in body
    assert "Show listings" in await get(client, "/jobs", "en")


def test_french_catalogue_is_complete():
    """Every string extraction finds is translated, none fuzzy: a new string fails here
    until `make messages` and a translation add it."""
    method_map = [("instance/**.py", "python"), ("instance/templates/**.html", "jinja2")]
    options = {"instance/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None,
                "lazy_pgettext": ((1, "c"), 2)}
    extracted = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options, keywords=keywords):
        extracted.add(message if isinstance(message, str) else message[0])
    with (LOCALE_DIR / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle, locale="fr")
    translated = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalogue if m.id}
    assert extracted, "extraction found nothing"
    assert sorted(extracted - set(translated)) == []
    untranslated = [m.id for m in translated.values()
                    if m.fuzzy or not (all(m.string) if isinstance(m.string, tuple) else m.string)]
    assert untranslated == []


async def follow(client, response, language: str | None = None) -> str:
    """The page a form's redirect leads to."""
    assert response.status_code in (302, 303), await response.get_data(as_text=True)
    return await get(client, response.headers["location"], language)


async def post(client, path: str, form: dict[str, str]):
    token = token_of(await get(client, "/settings"))
    return await client.post(path, form={"csrf_token": token, **form})


LISTING = {"title": "Picture book covers", "description": "Twelve watercolour spreads.",
           "kind": "commission", "location_mode": "remote", "pay_min": "2000",
           "pay_max": "3500", "pay_currency": "EUR", "pay_period": "project",
           "apply_via": "impasto", "action": "draft"}


async def test_views_speak_the_accounts_language(app):
    """What the views compute (titles, flash messages, state names, the job board's
    wordings, dates) follows the account's language; the header does not override it."""
    client = app.test_client()
    await log_in(client)
    assert (await post(client, "/settings/language", {"locale": "fr"})).status_code in (302, 303)

    assert "<title>Vos collections" in await get(client, "/collections", "en")
    body = await follow(client, await post(client, "/notifications/read", {}), "en")
    assert "Toutes les notifications sont marquées comme lues." in body

    deadline = (datetime.now(UTC) + timedelta(days=200)).date()
    french_day, english_day = (babel_format_date(deadline, "dd MMM yyyy", locale=code)
                               for code in ("fr", "en"))
    assert french_day != english_day
    response = await post(client, "/jobs/new", {**LISTING, "deadline": deadline.isoformat()})
    assert response.status_code == 302, await response.get_data(as_text=True)
    page = response.headers["location"]
    body = await get(client, page, "en")
    assert "Cette annonce est <strong>brouillon</strong>" in body or "<strong>brouillon</strong>" in body
    assert french_day in body and english_day not in body  # a date in French
    assert "EUR par projet" in body and "Commande" in body and "À distance" in body
    body = await follow(client, await post(client, f"{page}/open", {}), "en")
    assert "L’offre est sur le tableau." in body and "Clôture dans" in body
    body = await follow(client, await post(client, f"{page}/end", {"state": "closed"}), "en")
    assert "L’offre est close." in body
    assert "<strong>close</strong>" in body  # the state's name, not the stored value

    # The same pages in English read as before.
    await post(client, "/settings/language", {"locale": "en"})
    body = await get(client, page, "fr")
    assert english_day in body and "2,000–3,500 EUR per project" in body
    assert "<strong>closed</strong>" in body and "Commission" in body
    assert "<title>Your collections" in await get(client, "/collections", "fr")


async def test_a_french_flash_after_a_failed_log_in(app):
    """Messages the views write without an account follow the Accept-Language header."""
    client = app.test_client()
    token = token_of(await get(client, "/login", "fr"))
    response = await client.post("/login", form={"csrf_token": token, "username": "mira",
                                                 "password": "not the password"},
                                 headers={"Accept-Language": "fr"})
    body = await response.get_data(as_text=True)
    assert response.status_code == 401
    assert "Ce nom d’utilisateur et ce mot de passe ne correspondent pas." in body


def test_push_titles_in_the_recipients_language():
    from instance.push.delivery import _title

    assert _title("follow", "Ada", "fr") == "Ada vous suit désormais"
    assert _title("follow", "Ada", "en") == "Ada is now following you"
    assert _title("follow", "Ada", "xx") == "Ada is now following you"  # unknown: the default
    assert _title("something.new", "Ada", "fr") == "Nouvelle notification"


@pytest.fixture
def smtp():
    from tests.rig.smtp import smtp_server

    with smtp_server() as server:
        yield server


async def test_mail_goes_out_in_the_recipients_language(database_url, tmp_path, smtp):
    """A password-reset link asked for from an English page reaches a French account in
    French (its saved language), and an English one in English: real SMTP (aiosmtpd)."""
    from instance.storage.models import User
    from tests.rig.jobs import run_jobs_until_idle

    config = config_for(database_url, tmp_path,
                        **{f"IMPASTO_{key}": value for key, value in smtp.settings.items()})
    await db.connect(database_url)
    try:
        urls = LocalUrls(config.base_url)
        await create_local_user(urls, "mira", PASSWORD, email="mira@example.org")
        await create_local_user(urls, "otto", PASSWORD, email="otto@example.org")
        await User.filter(account__username="mira").update(settings={"locale": "fr"})
    finally:
        await db.disconnect()
    application = create_app(config)
    async with application.test_app():
        client = application.test_client()
        for email in ("mira@example.org", "otto@example.org"):
            token = token_of(await get(client, "/password/forgot", "en"))
            response = await client.post("/password/forgot", form={"csrf_token": token, "email": email},
                                         headers={"Accept-Language": "en"})
            assert response.status_code == 200
        await run_jobs_until_idle(application.extensions["impasto"])
    french = smtp.only_message_to("mira@example.org")
    assert french["Subject"].startswith("Réinitialisez votre mot de passe sur ")
    text = french.get_body(("plain",)).get_content()
    assert "Choisissez un nouveau mot de passe ici dans l’heure :" in text
    assert "/password/reset/" in text
    english = smtp.only_message_to("otto@example.org")
    assert english["Subject"].startswith("Reset your password on ")
    assert "Choose a new password here within the hour:" in english.get_body(("plain",)).get_content()


# Issue 15's second round: what was still English only (docs/status.md, "Web:").

def script_text(body: str, attribute: str = "data-text") -> dict:
    """A page's texts for its script (the upload form's data-text JSON, a reorderable
    list's data-reorder-text)."""
    found = re.search(attribute + r'="([^"]*)"', body)
    assert found, body[:300]
    return json.loads(html.unescape(found.group(1)))


async def test_refusals_raised_below_the_views_speak_the_readers_language(app):
    """A `Refused` raised in instance/jobboard (the listing's fields) reaches the form in the
    page's language; a refusal page's heading too. The API and ActivityPub stay English."""
    client = app.test_client()
    await log_in(client)
    too_late = (datetime.now(UTC) + timedelta(days=400)).date().isoformat()
    token = token_of(await get(client, "/settings"))
    for language, words in (("fr", "La date limite doit être dans moins d’un an"),
                            ("en", "The deadline must be within a year")):
        response = await client.post("/jobs/new", headers={"Accept-Language": language}, form={
            "csrf_token": token, **LISTING, "deadline": too_late})
        body = await response.get_data(as_text=True)
        assert response.status_code == 422 and words in body, (language, body[:500])
    response = await client.get("/collections/999999", headers={"Accept-Language": "fr"})
    body = await response.get_data(as_text=True)
    assert response.status_code == 404
    assert "<h1>Non effectué</h1>" in body and "Vous n’avez pas de telle collection." in body

    for path, expected in (("/login", "fr"), ("/api/v1/instance", "en"), ("/users/mira/inbox", "en"),
                           ("/inbox", "en"), ("/actor", "en"), ("/services/jobs/inbox", "en")):
        async with app.test_request_context(path, headers={"Accept-Language": "fr"}):
            assert translation.current_locale() == expected, path


async def test_upload_page_script_and_json_errors_speak_french(app):
    """The upload page hands its script the texts in the page's language; the JSON errors
    of /upload/media are French too (a refused file by its code); the cloak, AI declaration
    and licence names are translated, Creative Commons' own names are not."""
    client = app.test_client()
    await log_in(client)
    body = await get(client, "/upload", "fr")
    words = script_text(body)
    assert words["failed"] == "L’envoi a échoué." and words["alt_for"] == "Texte alternatif de {name}"
    assert words["waits_one"].startswith("La publication attend {n} image ")
    assert script_text(await get(client, "/upload", "en"))["failed"] == "Upload failed."
    assert ">moyen</option>" in body and ">Aucune IA utilisée</option>" in body
    assert ">Tous droits réservés</option>" in body and ">CC BY 4.0</option>" in body
    assert ">CC0 1.0 (transfert dans le domaine public)</option>" in body

    token = token_of(body)
    french = {"Accept-Language": "fr"}
    response = await client.post("/upload/media", form={"csrf_token": token}, headers=french)
    assert response.status_code == 422
    assert (await response.get_json())["error"] == "Aucun fichier n’a été envoyé."
    empty = FileStorage(BytesIO(b""), filename="empty.png", content_type="image/png")
    response = await client.post("/upload/media", form={"csrf_token": token}, files={"file": empty},
                                 headers=french)
    assert response.status_code == 422
    assert await response.get_json() == {"error": "Le fichier est vide.", "code": "empty"}
    response = await client.get("/upload/media/999999", headers=french)
    assert (await response.get_json())["error"] == "Envoi introuvable."


def test_licence_names_translate_but_keep_creative_commons_names_and_deeds():
    from instance.translation import in_locale
    from instance.web.labels import licence

    with in_locale("fr"):
        cc0, by = licence("CC0-1.0"), licence("CC-BY-4.0")
        assert cc0 is not None and cc0.name == "CC0 1.0 (transfert dans le domaine public)"
        assert cc0.url == "https://creativecommons.org/publicdomain/zero/1.0/"
        assert by is not None and by.name == "CC BY 4.0"
    with in_locale("en"):
        cc0 = licence("https://creativecommons.org/publicdomain/zero/1.0/")
        assert cc0 is not None and cc0.name == "CC0 1.0 (public domain dedication)"


async def test_sort_and_kind_names_and_admin_detail_speak_french(app):
    """Explore's sort names, the availability checkboxes' kinds of work, and the admin
    pages' audit actions, job kinds and host states."""
    from instance.storage.models import AuditEntry, InstanceInfo, Job

    client = app.test_client()
    body = await get(client, "/", "fr")
    assert ">Les plus aimées</option>" in body and ">Les plus récentes</option>" in body
    assert ">Most liked</option>" in await get(client, "/", "en")
    await log_in(client, "boss")
    body = await get(client, "/settings", "fr")
    assert re.search(r'value="commission" *> Commande</label>', body), body.split("Kinds", 1)[-1][:300]

    await AuditEntry.create(actor=None, action="account.suspend", target="1")
    await InstanceInfo.create(domain="down.example", failure_days=["2026-12-01"])
    await Job.create(kind="media.process", state="failed", next_attempt_at=datetime.now(UTC))
    body = await get(client, "/admin/audit", "fr")
    assert "<td>compte : suspension</td>" in body and "<td>système</td>" in body
    assert "<td>account.suspend</td>" in await get(client, "/admin/audit", "en")
    assert "<td>en échec</td>" in await get(client, "/admin/federation", "fr")
    assert "<td>traitement d’une image</td>" in await get(client, "/admin/jobs", "fr")
    assert "<td>media.process</td>" in await get(client, "/admin/jobs", "en")


async def test_collection_page_pages_and_its_confirmations_speak_french(database_url, tmp_path):
    """A collection of PAGE_SIZE + 1 works shows PAGE_SIZE, then the last on page 2, with
    links both ways; the owner's confirmations and the reordering script's words are in the
    page's language."""
    from instance.actions import collections as actions
    from instance.storage.models import Account
    from instance.web.pages import PAGE_SIZE
    from tests.rig.gallery import paintings, seed_gallery

    config = config_for(database_url, tmp_path)
    await db.connect(database_url)
    try:
        await create_local_user(LocalUrls(config.base_url), "mira", PASSWORD)
    finally:
        await db.disconnect()
    works = await seed_gallery(database_url, tmp_path / "media", "mira", PAGE_SIZE + 1,
                               art=paintings(2))
    application = create_app(config)
    async with application.test_app():
        services = application.extensions["impasto"]
        mira = await Account.get(username="mira", domain=None)
        harbour = await actions.create_collection(services, mira, title="Harbour")
        for work in works:
            await actions.add_work(services, mira, harbour.id, work)
        path = f"/@mira/collections/{harbour.id}"
        client = application.test_client()

        def grid(body: str) -> list[int]:
            section = body.split('<ul class="grid', 1)[1].split("</ul>", 1)[0]
            return [int(i) for i in re.findall(r'href="/@mira/(\d+)"', section)]

        first = await get(client, path, "fr")
        assert grid(first) == works[:PAGE_SIZE]
        assert 'href="?page=2" rel="next">Plus d’œuvres</a>' in first and "?page=0" not in first
        second = await get(client, f"{path}?page=2", "fr")
        assert grid(second) == works[PAGE_SIZE:]
        assert 'href="?page=1" rel="prev">Œuvres précédentes</a>' in second and "?page=3" not in second
        assert 'rel="prev">Previous works</a>' in await get(client, f"{path}?page=2", "en")
        assert grid(await get(client, f"{path}?page=x", "fr")) == works[:PAGE_SIZE]
        assert "Aucune œuvre à montrer" in await get(client, f"{path}?page=9", "fr")

        await log_in(client)
        editing = await get(client, f"/collections/{harbour.id}", "fr")
        words = script_text(editing, "data-reorder-text")  # reorder.js's buttons and announcements
        assert words["up"] == "Monter" and words["place"] == "{n} sur {total}"
        assert words["moved"] == "{label} déplacé en position {n} sur {total}."
        assert script_text(await get(client, f"/collections/{harbour.id}", "en"),
                           "data-reorder-text")["up"] == "Move up"
        token = token_of(editing)
        response = await client.post(f"/collections/{harbour.id}/cover", headers={"Accept-Language": "fr"},
                                     form={"csrf_token": token, "cover": str(works[3])})
        assert "Couverture enregistrée." in await follow(client, response, "fr")
        response = await client.post(f"/collections/{harbour.id}/works/{works[0]}/remove",
                                     form={"csrf_token": token}, headers={"Accept-Language": "fr"})
        body = await follow(client, response, "fr")
        assert "Œuvre retirée de la collection (l’œuvre elle-même est conservée)." in body


def test_custom_emoji_refusals_speak_the_admins_language():
    """The admin emoji form shows the store's refusal as it is raised: French for a French
    page, English elsewhere (the CLI)."""
    from instance.emoji.store import EmojiRefused, check_shortcode

    with translation.in_locale("fr"), pytest.raises(EmojiRefused) as refused:
        check_shortcode("a")
    assert str(refused.value) == "Un shortcode compte de 2 à 64 lettres, chiffres ou tirets bas (reçu : 'a')."
    with pytest.raises(EmojiRefused, match="^A shortcode is 2 to 64 letters"):
        check_shortcode("a")
