import pytest

from app.config import ConfigError, load_config


def test_load_toml_merges_defaults(settings_file):
    settings = load_config(settings_file)
    assert settings["app"]["name"] == "orders-test"
    assert settings["app"]["port"] == 8081
    assert settings["notifications"]["url"].startswith("https://")


def test_load_ini_coerces_port_and_debug(tmp_path):
    path = tmp_path / "settings.ini"
    path.write_text("[app]\nport = 9000\ndebug = yes\n\n[database]\npath = x.db\n")
    settings = load_config(path)
    assert settings["app"]["port"] == 9000
    assert settings["app"]["debug"] is True


@pytest.mark.parametrize(
    "content",
    [
        None,  # missing file
        "[app\nbroken = ",  # invalid TOML
        '[app]\nname = "x"\n',  # missing [database]
        '[app]\nport = "eighty"\n[database]\npath = "x.db"\n',  # bad port
    ],
)
def test_bad_config_raises_config_error(tmp_path, content):
    path = tmp_path / "settings.toml"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError):
        load_config(path)
