"""Every screen in English and Simplified Chinese: switching, catalogue completeness, compiled file."""

import ast
import gettext
import re
from pathlib import Path

import pytest

from apps.accounts.models import Department, Team
from apps.accounts.roles import Role

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"


def _po_entries() -> list[tuple[str, str, bool, str]]:
    """(msgid, msgstr, fuzzy, msgid_plural) per entry of django.po; for plurals msgstr is msgstr[0].
    An entry with a context (msgctxt) has msgid "context\x04msgid", as gettext stores it."""
    entries, current, key, fuzzy = [], {}, None, False
    for line in (CATALOGUE / "django.po").read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith(("msgctxt ", "msgid ", "msgid_plural ", "msgstr ", "msgstr[0] ")):
            key, literal = line.split(" ", 1)
            key = "msgstr" if key == "msgstr[0]" else key
            current[key] = ast.literal_eval(literal)
        elif line.startswith("msgstr["):
            key = None  # further plural forms: Chinese has one
        elif line.startswith('"') and key:
            current[key] += ast.literal_eval(line)
        elif not line.strip() and current:
            msgid = current.get("msgid", "")
            if "msgctxt" in current:
                msgid = f"{current['msgctxt']}\x04{msgid}"
            entries.append((msgid, current.get("msgstr", ""), fuzzy, current.get("msgid_plural", "")))
            current, key, fuzzy = {}, None, False
    return [entry for entry in entries if entry[0]]  # drop the header


def test_catalogue_translates_every_string_and_has_no_fuzzy_entries():
    entries = _po_entries()
    assert len(entries) > 50
    assert [msgid for msgid, msgstr, _fuzzy, _plural in entries if not msgstr] == []
    assert [msgid for msgid, _msgstr, fuzzy, _plural in entries if fuzzy] == []


def test_compiled_catalogue_matches_the_po_file():
    with open(CATALOGUE / "django.mo", "rb") as compiled:
        translations = gettext.GNUTranslations(compiled)
    stale = [
        msgid
        for msgid, msgstr, _fuzzy, plural in _po_entries()
        if (translations.ngettext(msgid, plural, 1) if plural else translations.gettext(msgid)) != msgstr
    ]
    assert stale == [], "run `make messages` to recompile django.mo"


def _switch_to_chinese(client):
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_language_switch_renders_the_home_page_in_chinese(client, personas):
    client.force_login(personas[Role.QA_MANAGER])
    assert "My work" in client.get("/").content.decode()
    _switch_to_chinese(client)
    body = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in body
    assert "我的工作" in body
    assert "班组与部门" in body
    assert "待仲裁的申诉" in body
    assert "您的角色：质检主管" in body


@pytest.mark.django_db
def test_login_page_follows_the_browser_language(client):
    body = client.get("/login/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert "登录" in body


@pytest.mark.django_db
def test_api_errors_are_translated_too(api):
    response = api.get("/api/v1/accounts/me/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 401
    assert response.json() == {"detail": "未提供身份认证凭据。"}


# English that stays in a Chinese page: the brand, "API", and the language
# switcher, which names each language in itself ("English", "简体中文").
UNTRANSLATED_OK = {"API", "QA Center", "English"}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/accounts/directory/",
        "/accounts/password/",
        "/no-such-page/",
        "/qa/evaluations/",
        "/qa/queue/",
        "/qa/disputes/",
        "/qa/sampling/",
        "/qa/scorecards/",
        "/qa/scorecards/new/",
        "/qa/calls/",
        "/qa/calls/import/",
        "/qa/calibrations/",
        "/qa/coaching/",
        "/tqm/",
        "/tqm/new/",
        "/tqm/tools/",
        "/tqm/tools/pareto/",
        "/tqm/tools/p-chart/",
        "/tqm/tools/effect-test/",
        "/metrics/kpis/",
        "/reports/",
        "/reports/qa/",
        "/reports/complaints/",
        "/reports/improvement/",
        "/reports/management/",
        "/reports/mine/",
    ],
)
def test_chinese_pages_show_no_english_interface_text(client, personas, role, path):
    client.force_login(personas[role])
    _switch_to_chinese(client)
    response = client.get(path)
    if response.status_code == 403:
        assert "您无权查看此页面" in response.content.decode()
    # <code> holds literal names (CSV columns such as agent, queue), which stay as they are.
    text = re.sub(r"<code>.*?</code>", " ", response.content.decode(), flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    for data in [
        *Team.objects.values_list("name", flat=True),
        *Department.objects.values_list("name", flat=True),
    ]:
        text = text.replace(data, " ")  # names people gave their teams are data, not interface text
    text = text.replace(personas[role].username, " ")  # so is a username such as "agent"
    leftovers = [
        msgid
        for msgid, _msgstr, _fuzzy, _plural in _po_entries()
        if msgid not in UNTRANSLATED_OK
        and "%(" not in msgid
        and len(msgid) > 3
        and re.search(rf"\b{re.escape(msgid)}\b", text)
    ]
    assert leftovers == []
