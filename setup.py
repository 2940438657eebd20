"""Package layout that pyproject.toml cannot say: the debate catalog ships inside ``bot``.

Debate authors edit ``data/debates/*.yaml`` at the top of the repository; the build maps that
folder into the package as ``bot.catalog_data`` so an installed bot reads it with
``importlib.resources`` wherever it was installed. Everything else is in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["bot", "bot.*", "cogs", "cogs.*"]), "bot.catalog_data"],
    package_dir={"bot.catalog_data": "data/debates"},
    package_data={
        "bot.catalog_data": ["*.yaml", "*.yml"],
        "bot.storage": ["migrations/*.sql", "migrations/postgres/*.sql"],
    },
)
