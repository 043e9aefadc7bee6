"""Every module imports on its own in a fresh interpreter (no import cycles by order)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import newsletter


def test_each_module_imports_alone() -> None:
    # Alembic's env.py and revision scripts run only inside Alembic (alembic.context).
    names = [m.name for m in pkgutil.walk_packages(newsletter.__path__, "newsletter.")
             if not m.name.endswith("__main__")
             and not m.name.startswith("newsletter.store.migrations.")]
    script = ("import importlib, sys\nfailed = []\nfor name in sys.argv[1:]:\n"
              "    for mod in [m for m in list(sys.modules) if m.startswith('newsletter')]:\n"
              "        del sys.modules[mod]\n"
              "    try:\n        importlib.import_module(name)\n"
              "    except Exception as exc:\n        failed.append(f'{name}: {exc!r}')\n"
              "print('\\n'.join(failed))\nsys.exit(1 if failed else 0)\n")
    result = subprocess.run([sys.executable, "-c", script, *names], capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(names) > 30
