"""`python -m bot.translation download NAME`: argument handling and the folder it
produces. The hub is not reachable here, so the network step is replaced by a
downloader that writes what huggingface_hub's snapshot_download would."""

import json

import pytest

from bot.translation.download import DownloadError, download, main, resolve


def fake_hub(files: dict[str, str]):
    calls = []

    def downloader(repo_id, target, patterns):
        calls.append((repo_id, target.name, patterns))
        (target / ".cache").mkdir()
        for name, content in files.items():
            (target / name).write_text(content)

    downloader.calls = calls
    return downloader


MODEL_FILES = {"config.json": "{}", "model.safetensors": "weights", "source.spm": "", "target.spm": "",
               "vocab.json": "{}", "tokenizer_config.json": "{}"}


@pytest.mark.parametrize("name, repo, engine, folder", [
    ("opus-mt-en-de", "Helsinki-NLP/opus-mt-en-de", "marian", "opus-mt-en-de"),
    ("opus-mt-en-ROMANCE", "Helsinki-NLP/opus-mt-en-ROMANCE", "marian", "opus-mt-en-ROMANCE"),
    ("m2m100_418M", "facebook/m2m100_418M", "m2m100", "m2m100_418M"),
    ("nllb-200-distilled-600M", "facebook/nllb-200-distilled-600M", "nllb", "nllb-200-distilled-600M"),
    ("Helsinki-NLP/opus-mt-en-jap", "Helsinki-NLP/opus-mt-en-jap", "marian", "opus-mt-en-jap"),
])
def test_names_resolve_to_a_repository_an_engine_and_a_folder(name, repo, engine, folder):
    spec = resolve(name)
    assert (spec.repo_id, spec.engine, spec.name) == (repo, engine, folder)


@pytest.mark.parametrize("name, folder", [("something", None), ("../../etc", None), ("a/b/c", None),
                                          ("m2m100_418M", "../outside"), ("m2m100_418M", "..")])
def test_unknown_names_and_unsafe_folders_are_refused(name, folder):
    with pytest.raises(DownloadError):
        resolve(name, folder)


def test_a_download_lands_complete_in_its_folder(tmp_path):
    hub = fake_hub(MODEL_FILES)
    path = download(resolve("opus-mt-en-de"), tmp_path / "models", downloader=hub)
    assert path == tmp_path / "models" / "opus-mt-en-de"
    assert sorted(p.name for p in path.iterdir()) == sorted([*MODEL_FILES, "SOURCE.json"])
    assert json.loads((path / "SOURCE.json").read_text())["repo_id"] == "Helsinki-NLP/opus-mt-en-de"
    assert hub.calls[0][1] == "opus-mt-en-de.partial"  # downloaded beside, renamed when complete
    assert "*.safetensors" in hub.calls[0][2] and "*.h5" not in hub.calls[0][2]


def test_an_existing_model_is_kept_unless_forced(tmp_path):
    models = tmp_path / "models"
    download(resolve("m2m100_418M"), models, downloader=fake_hub(MODEL_FILES))
    with pytest.raises(DownloadError, match="--force"):
        download(resolve("m2m100_418M"), models, downloader=fake_hub(MODEL_FILES))
    download(resolve("m2m100_418M"), models, force=True, downloader=fake_hub({**MODEL_FILES, "extra.txt": "x"}))
    assert (models / "m2m100_418M" / "extra.txt").exists()


def test_a_failed_or_incomplete_download_leaves_nothing_behind(tmp_path):
    models = tmp_path / "models"
    with pytest.raises(DownloadError, match="no config.json"):
        download(resolve("opus-mt-en-de"), models, downloader=fake_hub({"README.md": "x"}))

    def broken(repo_id, target, patterns):
        (target / "config.json").write_text("{}")
        raise ConnectionError("network down")

    with pytest.raises(ConnectionError):
        download(resolve("opus-mt-en-de"), models, downloader=broken)
    assert list(models.iterdir()) == []


def test_the_command_line_reports_success_and_errors(tmp_path, capsys):
    models = tmp_path / "models"
    assert main(["download", "opus-mt-en-ja", "--models-dir", str(models)], downloader=fake_hub(MODEL_FILES)) == 0
    out = capsys.readouterr().out
    assert 'TRANSLATION_PAIRS="en-ja:marian:opus-mt-en-ja"' in out
    assert main(["download", "no-such-model", "--models-dir", str(models)], downloader=fake_hub({})) == 2
    assert "unknown model 'no-such-model'" in capsys.readouterr().err

    def offline(repo_id, target, patterns):
        raise OSError("Name or service not known")

    assert main(["download", "m2m100_418M", "--models-dir", str(models)], downloader=offline) == 1
    assert "download of m2m100_418M failed: OSError" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["download"])


def test_list_shows_configured_pairs_and_whether_their_models_are_there(models_dir, monkeypatch, capsys):
    monkeypatch.setenv("TRANSLATION_MODELS_DIR", str(models_dir))
    monkeypatch.setenv("TRANSLATION_PAIRS", "en-xx:marian:tiny-marian-en-xx,en-ja:marian:opus-mt-en-jap")
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "en-xx:marian:tiny-marian-en-xx" in out and "ready" in out
    assert "en-ja:marian:opus-mt-en-jap" in out and "missing" in out
