"""CDK template assertions for the Jiping stack.

Until ``tests/__init__.py`` exists, pytest's default (prepend) import mode imports this folder as the
top-level package ``infra`` — the name of the repo's CDK package. Extending ``__path__`` keeps
``infra.app``, ``infra.constants``, … resolving to the real modules in that case; once this folder is
``tests.infra`` the branch is skipped.
"""

from pathlib import Path

if __name__ == "infra":  # pragma: no cover - depends on how pytest names this package
    __path__.append(str(Path(__file__).resolve().parents[2] / "infra"))  # noqa: F821
