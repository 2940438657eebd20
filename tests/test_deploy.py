"""The shipping files agree with the code: what the Dockerfile copies is what the package is
built from, the volume holds the database, the unit starts the installed command."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from bot.render import tierlist
from bot.settings import Settings
from tests.e2e.test_installed import SOURCES
from tests.test_settings import TOKEN

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def env_of_dockerfile() -> dict[str, str]:
    text = DOCKERFILE.replace("\\\n", " ")
    pairs = [line.split(None, 1)[1] for line in text.splitlines() if line.startswith("ENV ")]
    return dict(re.findall(r"(\w+)=(\S+)", " ".join(pairs)))


def test_the_image_copies_what_the_package_is_built_from_and_runs_unprivileged() -> None:
    copied = set(re.findall(r"^COPY (.+) \S+$", DOCKERFILE, re.M))
    assert {name for line in copied for name in line.split()} == set(SOURCES)
    users = re.findall(r"^USER (\S+)$", DOCKERFILE, re.M)
    assert users and users[-1] not in ("root", "0")
    env = env_of_dockerfile()
    assert env["MPLCONFIGDIR"].startswith("/tmp/")
    assert env["DATABASE_PATH"].startswith("/data/") and env["BACKUP_DIR"].startswith("/data/")
    assert 'VOLUME ["/data"]' in DOCKERFILE
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".env" in ignored and not set(SOURCES) & set(ignored)


def test_compose_keeps_the_database_and_backups_in_its_volume() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    bot = compose["services"]["bot"]
    [mount] = bot["volumes"]
    volume, target = mount.split(":")
    assert volume in compose["volumes"] and target == "/data"
    for setting in ("DATABASE_PATH", "BACKUP_DIR"):
        assert bot["environment"][setting].startswith(target + "/")
    assert bot["env_file"] == ".env"


def test_the_systemd_unit_runs_the_installed_command_where_its_env_is() -> None:
    unit = (ROOT / "deploy" / "ranking-debates.service").read_text()
    settings = dict(re.findall(r"^(\w+)=(.+)$", unit, re.M))
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert Path(settings["ExecStart"]).name in scripts
    assert settings["KillSignal"] == "SIGTERM"
    state = settings["WorkingDirectory"]
    assert state in settings["ReadWritePaths"] and "MPLCONFIGDIR=" + state in unit


def test_the_license_is_mit_by_its_spdx_name_and_file() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


def interpolated(value: str, env: dict[str, str]) -> str:
    """``${NAME}`` and ``${NAME:?message}`` filled in from ``env``, as docker compose does."""
    return re.sub(r"\$\{(\w+)(?::\?[^}]*)?\}", lambda m: env[m.group(1)], value)


def test_the_cluster_runs_postgresql_and_one_bot_per_shard_of_two() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "compose.cluster.yaml").read_text())
    services = compose["services"]
    postgres = services.pop("postgres")
    assert postgres["image"] == "postgres:15" and "pg_isready" in postgres["healthcheck"]["test"]
    [volume] = postgres["volumes"]
    assert volume.split(":")[0] in compose["volumes"]
    secrets = {"POSTGRES_PASSWORD": "s3cret"}
    database = {k: interpolated(v, secrets) for k, v in postgres["environment"].items()}

    served: list[int] = []
    for name, bot in services.items():
        assert bot["build"] == ".." and bot["env_file"] == "../.env", name
        assert bot["depends_on"]["postgres"]["condition"] == "service_healthy", name
        env = {k: interpolated(v, secrets) for k, v in bot["environment"].items()}
        url = urlsplit(env["DATABASE_URL"])
        assert (url.scheme, url.hostname, url.path) == (
            "postgresql",
            "postgres",
            "/ranking_debates",
        )
        assert (url.username, url.password) == (database["POSTGRES_USER"], "s3cret")
        assert url.path == "/" + database["POSTGRES_DB"]
        # Every setting it gives is one the bot documents, and they read as shards of 2.
        assert set(env) <= documented_settings(), name
        settings = Settings.from_env(env | {"DISCORD_TOKEN": TOKEN})
        assert settings.shard_count == 2 and settings.backup_dir is None, name
        assert settings.database == env["DATABASE_URL"], name
        served += settings.shard_ids or ()
    assert sorted(served) == [0, 1], "each shard in exactly one process"


def documented_settings() -> set[str]:
    example = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^(\w+)=", example, re.M))


def test_the_image_has_the_cjk_font_the_tier_lists_look_for() -> None:
    # Debian's fonts-noto-cjk puts Noto Sans CJK where the renderer looks first, and the build
    # itself fails if the renderer does not find a font for Chinese, Japanese and Korean.
    text = DOCKERFILE.replace("\\\n", " ")
    assert re.search(r"^RUN apt-get update .*apt-get install .*\bfonts-noto-cjk\b", text, re.M)
    assert tierlist.CJK_CANDIDATES[0] == "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
    [check] = [line for line in text.splitlines() if "cjk_font()" in line]
    assert check.startswith("RUN ") and "assert cjk_font()" in check
    installed = text.index("pip install .")
    assert text.index("fonts-noto-cjk") < installed < text.index("assert cjk_font()")


def test_cjk_font_names_a_font_with_chinese_japanese_and_korean() -> None:
    found = tierlist.cjk_font()
    if Path(tierlist.CJK_CANDIDATES[0]).is_file():  # where .ci/run installs it
        assert found is not None
    if found is not None:
        assert found != tierlist._faces(False)[0].path  # not DejaVu Sans
        assert tierlist.drawable(tierlist.CJK_PROBE) == tierlist.CJK_PROBE
