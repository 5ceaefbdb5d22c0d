"""The acceptance cases as a user meets them: `guard check` on a saved .eml,
and the web page's upload (Flask test client)."""

import io
import json
import subprocess
import sys

import pytest

from guard.cli import main

from .mail import FEE, FORWARDED_LIST_AR, message, saved_from

LIST = dict(return_path="bounces@lists.example.org")
FORGED = saved_from("gmail", "spf=fail smtp.mailfrom=bulk.example.net; dkim=none; "
                             "dmarc=fail (p=REJECT) header.from=ilo.org",
                    message(frm="Selección OIT <seleccion@ilo.org>", subject="Entrevista",
                            body="Estimado candidato:\n\nLa OIT tiene el placer de invitarle a la entrevista. "
                                 "Responda a este mensaje.\n\nRecursos Humanos de la OIT\n"))
# the same provider header, moved below a genuine Yahoo header that passed
BURIED = saved_from("yahoo", "dkim=pass header.i=@ilo.org header.s=sel1; spf=pass smtp.mailfrom=ilo.org; "
                             "dmarc=pass(p=REJECT) header.from=ilo.org;",
                    FORGED.split("\n", 2)[2])


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_bytes(text.encode("utf-8"))
    return str(p)


# -- guard check ---------------------------------------------------------------------------

def test_guard_check_mailbox_flags_a_provider_dmarc_fail(tmp_path, capsys):
    f = _write(tmp_path, "forged.eml", FORGED)
    assert main(["check", "--mailbox", "--json", f]) == 10
    out = json.loads(capsys.readouterr().out)
    assert "GRD308" in [x["rule_id"] for x in out["findings"]]
    # without --mailbox, as a mail filter would: the header is not believed
    assert main(["check", "--json", f]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "authentication" in out["unknowns"]


def test_guard_check_mailbox_ignores_the_header_below_a_genuine_one(tmp_path, capsys):
    f = _write(tmp_path, "buried.eml", BURIED)
    assert main(["check", "--mailbox", "--json", f]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "GRD308" not in [x["rule_id"] for x in out["findings"]] and out["level"] == "clear"


def test_guard_check_forwarded_list(tmp_path, capsys):
    ok = _write(tmp_path, "list.eml", saved_from("gmail", FORWARDED_LIST_AR, message(**LIST)))
    fail = _write(tmp_path, "fail.eml", saved_from("gmail", FORWARDED_LIST_AR.replace("dmarc=pass", "dmarc=fail"),
                                                   message(body=FEE, **LIST)))
    assert main(["check", "--mailbox", ok]) == 0
    assert main(["check", "--mailbox", fail]) == 20
    capsys.readouterr()


def test_guard_check_mailbox_as_a_process(tmp_path):
    f = _write(tmp_path, "forged.eml", FORGED)
    r = subprocess.run([sys.executable, "-m", "guard", "check", "--mailbox", "--lang", "auto", f],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 10, r.stderr
    assert "GRD308" in r.stdout and "SOSPECHOSO" in r.stdout     # auto: the message is in Spanish


# -- the page's upload -------------------------------------------------------------------

@pytest.fixture
def client():
    pytest.importorskip("flask")
    from web import create_app

    return create_app({"TESTING": True, "GUARD_RATELIMIT": "off"}).test_client()


def _upload(client, text, lang="en"):
    data = {"eml": (io.BytesIO(text.encode("utf-8")), "message.eml"), "message": "", "sender": "", "lang": lang}
    r = client.post("/", data=data, content_type="multipart/form-data")
    assert r.status_code == 200
    return r.get_data(as_text=True)


def test_page_upload_flags_a_provider_dmarc_fail(client):
    page = _upload(client, FORGED)
    assert "GRD308" in page
    assert 'class="verdict' in page and "no known warning signs found" not in page.lower()


def test_page_upload_ignores_the_header_below_a_genuine_one(client):
    page = _upload(client, BURIED)
    assert "GRD308" not in page


def test_page_upload_forwarded_list_cases(client):
    ok = _upload(client, saved_from("gmail", FORWARDED_LIST_AR, message(**LIST)))
    assert "GRD308" not in ok and "GRD307" not in ok
    failed = FORWARDED_LIST_AR.replace("dmarc=pass", "dmarc=fail")
    sus = _upload(client, saved_from("gmail", failed, message(**LIST)))
    assert "GRD308" in sus
    fraud = _upload(client, saved_from("gmail", failed, message(body=FEE, **LIST)))
    assert "GRD308" in fraud and "GRD902" in fraud


def test_page_paste_believes_the_provider_too(client):
    r = client.post("/", data={"message": FORGED, "sender": "", "lang": "en"})
    assert r.status_code == 200 and "GRD308" in r.get_data(as_text=True)


def test_api_believes_the_provider(client):
    r = client.post("/api/v1/check", data=FORGED.encode(), content_type="message/rfc822")
    assert r.status_code == 200
    assert "GRD308" in [f["rule_id"] for f in r.json["findings"]]
