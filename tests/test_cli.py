import json
import subprocess
import sys

import pytest

from guard.cli import main

SCAM = ("From: ILO HR <ilo.hr.desk@gmail.com>\nSubject: Job offer\n\n"
        "The ILO Recruitment Unit is pleased to offer you the job after the interview. "
        "Please pay the processing fee of USD 300.\n")
GENUINE = "From: Ana <ana@example.org>\nSubject: Lunch\n\nSee you at noon.\n"
WEAK = ("Subject: Your job interview\n\nDear candidate, thank you for the interview. "
        "Please reply on WhatsApp.\n")


@pytest.fixture
def files(tmp_path):
    out = {}
    for name, text in (("scam.eml", SCAM), ("ok.eml", GENUINE), ("weak.txt", WEAK)):
        p = tmp_path / name
        p.write_text(text)
        out[name] = str(p)
    return out


def test_exit_codes_follow_the_worst_level(files, capsys):
    assert main(["check", files["ok.eml"]]) == 0
    assert main(["check", files["scam.eml"]]) == 20
    assert main(["check", files["ok.eml"], files["scam.eml"]]) == 20
    out = capsys.readouterr().out
    assert "FRAUD" in out and "GRD302" in out


def test_json_lines(files, capsys):
    main(["check", "--json", files["scam.eml"], files["ok.eml"]])
    lines = capsys.readouterr().out.strip().splitlines()
    rows = [json.loads(x) for x in lines]
    assert [r["level"] for r in rows] == ["fraud", "clear"]
    assert rows[0]["file"].endswith("scam.eml")


def test_missing_file_is_an_io_error(files, capsys):
    assert main(["check", files["ok.eml"], "/nonexistent/file.eml"]) == 66
    assert "nonexistent" in capsys.readouterr().err


def test_usage_error_is_64():
    with pytest.raises(SystemExit) as e:
        main(["check"])
    assert e.value.code == 64
    with pytest.raises(SystemExit) as e:
        main(["nosuchcommand"])
    assert e.value.code == 64


def test_stdin_and_sender_and_lang(files):
    body = SCAM.split("\n\n", 1)[1]
    r = subprocess.run([sys.executable, "-m", "guard", "check", "-", "--sender", "ilo.hr.desk@gmail.com",
                        "--lang", "es"], input=body.encode(), capture_output=True)
    assert r.returncode == 20
    assert "FRAUDE" in r.stdout.decode()


def test_rules_lists_every_rule(capsys):
    assert main(["rules", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    ids = {r["id"] for r in rows}
    assert {"GRD101", "GRD201", "GRD301", "GRD901"} <= ids
