"""The import_catalogue and generate_catalogue commands, the progress bar, the generator."""

import io

import pytest
from django.core.management import CommandError, call_command

from cms.catalogue.generator import generate_records, write_unimarc
from cms.catalogue.marc import read_unimarc
from cms.catalogue.progress import ProgressBar
from cms.models import CatalogueItem, Holding
from tests.cms.catalogue_fixtures import iso2709, unimarc_book, write


@pytest.fixture
def coded(branches):
    for key, code in (("alcazar", "ALC"), ("aubagne", "AUB")):
        branches[key].code = code
        branches[key].save()
    return branches


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_import_command_prints_a_french_summary_and_rejections(tmp_path, coded):
    path = write(
        tmp_path, "c.mrc", iso2709(unimarc_book("1"), unimarc_book(None), unimarc_book("3"))
    )

    out, err = run("import_catalogue", str(path), "--format", "unimarc")

    assert CatalogueItem.objects.count() == 2
    assert "Notices lues       : 3" in out
    assert "Créées             : 2" in out
    assert "Rejetées           : 1" in out
    assert "Notices rejetées :" in out
    assert "  - notice n° 2 : identifiant de notice manquant" in out
    assert err == ""  # not a terminal: no progress bar

    out, _ = run("import_catalogue", str(path), "--format", "unimarc")
    assert "Inchangées         : 2" in out and "Créées             : 0" in out


@pytest.mark.django_db
def test_import_command_prune_and_forced_progress(tmp_path, coded):
    run(
        "import_catalogue",
        str(write(tmp_path, "a.mrc", iso2709(unimarc_book("1"), unimarc_book("2")))),
        "--format",
        "unimarc",
    )
    out, err = run(
        "import_catalogue",
        str(write(tmp_path, "b.mrc", iso2709(unimarc_book("1")))),
        "--format=unimarc",
        "--prune",
        "--progress",
    )
    assert "Retirées           : 1" in out
    assert "\r" in err and "notices/s" in err and err.endswith("\n")
    assert CatalogueItem.objects.get(record_id="2").withdrawn


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "fmt", "message"),
    [
        (b"hello", "unimarc", "pas au format ISO 2709"),
        (b"", "csv", "vide"),
        (iso2709(unimarc_book()), "marc21", "UNIMARC"),
    ],
)
def test_import_command_bad_files_are_command_errors(tmp_path, coded, content, fmt, message):
    path = write(tmp_path, "x.dat", content)
    with pytest.raises(CommandError, match=message):
        run("import_catalogue", str(path), "--format", fmt)
    assert CatalogueItem.objects.count() == 0


@pytest.mark.django_db
def test_import_command_missing_file_and_bad_format(tmp_path):
    with pytest.raises(CommandError, match="introuvable"):
        run("import_catalogue", str(tmp_path / "nope.mrc"), "--format", "unimarc")
    with pytest.raises(CommandError, match="invalid choice"):
        run("import_catalogue", str(tmp_path), "--format", "pdf")


@pytest.mark.django_db
def test_import_command_exit_code_from_the_command_line(tmp_path, coded, capsys, monkeypatch):
    """As from manage.py: exit code 0 with rejected records; 1, and no traceback, on a bad file."""
    from django.core.management import execute_from_command_line
    from django.db import connections

    # run_from_argv closes every connection when it ends; keep the test's transaction open.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    ok = write(tmp_path, "ok.mrc", iso2709(unimarc_book("1"), unimarc_book(None)))
    bad = write(tmp_path, "bad.mrc", b"this is not marc")

    execute_from_command_line(["manage.py", "import_catalogue", str(ok), "--format", "unimarc"])
    assert "Rejetées           : 1" in capsys.readouterr().out

    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(
            ["manage.py", "import_catalogue", str(bad), "--format", "unimarc"]
        )
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "CommandError: Ce fichier n’est pas au format ISO 2709" in err
    assert "Traceback" not in err


def test_progress_bar_is_throttled_and_shows_percentage():
    now = [0.0]
    stream = io.StringIO()
    bar = ProgressBar(stream, total_bytes=1000, clock=lambda: now[0])
    for n in range(1, 101):  # 100 calls within 0.99 s of fake time
        now[0] = n / 100 - 0.01
        bar(n * 10, n * 10)
    assert bar.draws == 10
    now[0] = 2.0
    bar.close()
    last = stream.getvalue().rsplit("\r", 1)[1]
    assert last.startswith("[####################]  100 %  1\u202f000 notices  500 notices/s")
    assert stream.getvalue().endswith("\n")


def test_disabled_progress_bar_writes_nothing():
    stream = io.StringIO()
    bar = ProgressBar(stream, enabled=False)
    bar(10, None)
    bar.close()
    assert stream.getvalue() == ""


def test_generator_is_deterministic_and_round_trips():
    first = list(generate_records(50, seed=7, branch_codes=["ALC", "AUB"]))
    assert first == list(generate_records(50, seed=7, branch_codes=["ALC", "AUB"]))
    assert first != list(generate_records(50, seed=8, branch_codes=["ALC", "AUB"]))
    stream = io.BytesIO()
    assert write_unimarc(first, stream) == 50
    stream.seek(0)
    read = [entry.record for entry in read_unimarc(stream)]
    assert read == first  # every field, holdings and types included
    assert {r.doc_type for r in first} >= {"livre", "bd", "cd"}


@pytest.mark.django_db
def test_generate_catalogue_to_a_file_then_import(tmp_path, coded):
    target = tmp_path / "gen.mrc"
    out, _ = run(
        "generate_catalogue",
        "--items",
        "120",
        "--seed",
        "3",
        "--output",
        str(target),
        "--format",
        "unimarc",
    )
    assert "120 notices UNIMARC" in out
    assert CatalogueItem.objects.count() == 0
    again = tmp_path / "gen2.mrc"
    run("generate_catalogue", "--items", "120", "--seed", "3", "--output", str(again))
    assert target.read_bytes() == again.read_bytes()

    out, _ = run("import_catalogue", str(target), "--format", "unimarc")
    assert "Créées             : 120" in out
    assert "Avertissements     : 0" in out  # holdings only on existing codes
    assert set(Holding.objects.values_list("branch__code", flat=True)) == {"ALC", "AUB"}


@pytest.mark.django_db
def test_generate_catalogue_into_the_database(coded):
    out, _ = run("generate_catalogue", "--items", "75", "--branches", "ALC")
    assert CatalogueItem.objects.count() == 75
    assert "Créées             : 75" in out
    assert set(Holding.objects.values_list("branch__code", flat=True)) == {"ALC"}


@pytest.mark.django_db
def test_generate_catalogue_needs_branch_codes():
    with pytest.raises(CommandError, match="code"):
        run("generate_catalogue", "--items", "5")
