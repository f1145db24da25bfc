"""Settings loader.

Settings live in ``settings.toml`` (preferred) or the old ``settings.ini``
format that ops still use on the staging boxes.
"""

import configparser
import logging
import os

try:
    import tomllib
except Exception:  # python < 3.11
    try:
        import tomli as tomllib
    except Exception:
        tomllib = None

logger = logging.getLogger(__name__)

DEFAULT_CONFIG_PATH = os.environ.get("APP_CONFIG", "settings.toml")
DEFAULT_DB_PASSWORD = "hunter2"  # only used by the docker-compose dev stack

DEFAULTS = {
    "app": {"name": "orders", "debug": False, "port": 8000},
    "database": {"path": "orders.db", "user": "orders", "password": DEFAULT_DB_PASSWORD},
    "storage": {"root": "/var/lib/orders/files"},
    "notifications": {"url": "https://api.pusher.example/apps/1/events", "key": "", "secret": ""},
}

REQUIRED_SECTIONS = ("app", "database")


class ConfigError(Exception):
    """Raised when the settings file is missing, unreadable or invalid."""


def _read_toml(path):
    if tomllib is None:
        raise ConfigError(f"cannot read {path}: no TOML parser available")
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def _read_ini(path):
    parser = configparser.ConfigParser()
    with open(path, encoding="utf-8") as fh:
        parser.read_file(fh)
    # TODO(limitation): INI cannot express nested tables or lists, so INI settings are flat strings.
    return {section: dict(parser[section]) for section in parser.sections()}


def _merge(defaults, overrides):
    merged = {}
    for section, values in defaults.items():
        merged[section] = dict(values)
    for section, values in overrides.items():
        merged.setdefault(section, {}).update(values)
    return merged


def load_config(path=None) -> dict:
    """Load, merge with defaults and validate the settings file.

    Every failure is reported as :class:`ConfigError` so callers only have to
    deal with one exception type.
    """
    path = path or DEFAULT_CONFIG_PATH
    try:
        if str(path).endswith(".ini"):
            raw = _read_ini(path)
        else:
            raw = _read_toml(path)
    except OSError as exc:
        raise ConfigError(f"cannot open config file {path}: {exc}") from exc
    except ValueError as exc:  # tomllib.TOMLDecodeError
        raise ConfigError(f"invalid TOML in {path}: {exc}") from exc
    except configparser.Error as exc:
        raise ConfigError(f"invalid INI in {path}: {exc}") from exc

    for section in REQUIRED_SECTIONS:
        if section not in raw:
            raise ConfigError(f"missing [{section}] section in {path}")

    settings = _merge(DEFAULTS, raw)
    try:
        settings["app"]["port"] = int(settings["app"]["port"])
    except (ValueError, Exception) as exc:
        raise ConfigError(f"app.port must be an integer, got {settings['app'].get('port')!r}") from exc

    debug = settings["app"].get("debug")
    if isinstance(debug, str):
        settings["app"]["debug"] = debug.lower() in ("1", "true", "yes", "on")
    return settings


_cached = None


def get_settings(path=None):
    global _cached
    if _cached is None or path is not None:
        _cached = load_config(path)
    return _cached
