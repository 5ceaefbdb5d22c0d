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


PT_SCAM = ("From: OIT Recrutamento <oit.recrutamento.brasil@gmail.com>\nSubject: Oferta de emprego\n\n"
           "Prezado candidato, a OIT tem o prazer de lhe oferecer o cargo após a entrevista. "
           "Para confirmar a sua contratação, pague a taxa de inscrição de R$ 350,00 via PIX.\n")


def test_check_in_portuguese(tmp_path):
    f = tmp_path / "golpe.eml"
    f.write_text(PT_SCAM, encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "guard", "check", "--lang", "pt", str(f)],
                       capture_output=True, timeout=120)
    out = r.stdout.decode()
    assert r.returncode == 20
    assert "FRAUDE: os sinais de uma fraude de recrutamento em nome da OIT" in out
    assert "[GRD101] Pede que pague uma taxa" in out
    assert "A OIT nunca cobra nenhuma taxa em nenhuma fase do recrutamento." in out    # explanation
    assert "gmail.com é um serviço de e-mail gratuito" in out                          # evidence detail
    assert "  - Não pague nada." in out                                                # advice


def test_rules_in_portuguese(capsys):
    assert main(["rules", "--lang", "pt"]) == 0
    out = capsys.readouterr().out
    assert "GRD101" in out and "Pede que pague uma taxa" in out
    assert "Pede os seus dados bancários" in out and "Asks you" not in out
    assert main(["rules", "--json", "--lang", "pt"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["id"]: r["title"] for r in rows}["GRD201"] == "Pede os seus dados bancários"


# -- bounded reads, exit codes without tracebacks (issue 13) ----------------------------------

def guard(*args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "guard", *args], capture_output=True, timeout=120, **kw)


def test_a_reader_that_goes_away_does_not_change_the_exit_code(tmp_path):
    names = []
    for i in range(30):
        p = tmp_path / f"{i:02}.eml"
        p.write_text(SCAM)
        names.append(str(p))
    (tmp_path / "ok.eml").write_text(GENUINE)
    names.append(str(tmp_path / "ok.eml"))
    for extra in ([], ["--json"]):
        p = subprocess.run(["bash", "-c", f"{sys.executable} -m guard check {' '.join(extra + names)} "
                            "| head -c 1 >/dev/null; echo ${PIPESTATUS[0]}"], capture_output=True, timeout=120)
        assert p.stdout.strip() == b"20", p.stderr
        assert b"Traceback" not in p.stderr and b"Exception ignored" not in p.stderr


@pytest.mark.skipif(not __import__("os").path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_is_exit_74(files):
    p = subprocess.run(["bash", "-c", f"{sys.executable} -m guard check {files['scam.eml']} >/dev/full"],
                       capture_output=True, timeout=60)
    assert p.returncode == 74 and b"Traceback" not in p.stderr
    assert b"No space left on device" in p.stderr


def test_an_endless_or_huge_file_is_read_up_to_the_message_cap(tmp_path):
    from guard.parse import MAX_MESSAGE_BYTES

    big = tmp_path / "big.eml"
    with open(big, "wb") as fh:
        fh.write(SCAM.encode())
        fh.truncate(1024 ** 3)            # 1 GB, sparse
    for path in ("/dev/zero", str(big)):
        p = subprocess.run([sys.executable, "-c", (
            "import resource, sys\n"
            "from guard.cli import main\n"
            f"code = main(['check', '--json', {path!r}])\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
            "sys.exit(code)\n")], capture_output=True, timeout=120)
        assert b"Traceback" not in p.stderr and b"MemoryError" not in p.stderr, p.stderr[-300:]
        rss_mb = int(p.stderr.split()[-1]) / 1024
        assert rss_mb < 40 * MAX_MESSAGE_BYTES / 2 ** 20, rss_mb      # not the whole 1 GB
        v = json.loads(p.stdout)
        assert any(str(MAX_MESSAGE_BYTES) in n for n in v["notes"]), v["notes"]
    assert json.loads(p.stdout)["level"] == "fraud" and p.returncode == 20


@pytest.mark.parametrize("args", [
    ["check", "--dns", "--dns-timeout", "0", "-"],
    ["check", "--dns", "--dns-timeout", "inf", "-"],
    ["check", "--dns", "--dns-timeout", "nan", "-"],
    ["filter", "--time-budget", "inf"],
    ["filter", "--time-budget", "nan"],
    ["filter", "--dns", "--dns-timeout", "0"],
    ["filter", "--max-size", "inf"],
    ["milter", "--time-budget", "inf"],
    ["milter", "--workers", "0"],
    ["scan", "--time-budget", "inf", "."],
])
def test_settings_that_would_fail_every_message_are_usage_errors(args):
    p = guard(*args, input=SCAM.encode())
    assert p.returncode == 64, (args, p.returncode, p.stderr)
    assert b"error: argument" in p.stderr and b"Traceback" not in p.stderr
    assert p.stdout == b""

