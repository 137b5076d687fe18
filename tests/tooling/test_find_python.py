"""scripts/find-python on a machine without the Python it needs: uv installs it where the machine
may download it, and the script gives install advice where it cannot (a stub uv plays both)."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "find-python"
WANT = "3.97"  # a version no machine has, so only uv can provide it

STUB_UV = """#!/usr/bin/env bash
# A stand-in for uv: `python install` makes a fake interpreter when downloads work (STUB_ONLINE=1).
managed="$STUB_HOME/cpython-{want}/bin/python{want}"
case "$1 $2" in
  "python find") [ -x "$managed" ] && echo "$managed" && exit 0; exit 2 ;;
  "python install")
    echo "install $3" >> "$STUB_HOME/calls"
    [ "$STUB_ONLINE" = 1 ] || { echo "error: failed to lookup address information" >&2; exit 1; }
    mkdir -p "$(dirname "$managed")"
    printf '#!/usr/bin/env bash\\ncase "$2" in *executable*) echo "$0";; *) echo {want};; esac\\n' > "$managed"
    chmod +x "$managed"; exit 0 ;;
esac
exit 3
"""


def run(tmp_path: Path, online: bool) -> subprocess.CompletedProcess[str]:
    uv = tmp_path / "uv"
    uv.write_text(STUB_UV.replace("{want}", WANT))
    uv.chmod(uv.stat().st_mode | stat.S_IEXEC)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYENV_ROOT": str(tmp_path / "no-pyenv"),
           "SHOPDESK_UV": str(uv), "STUB_HOME": str(tmp_path), "STUB_ONLINE": "1" if online else "0"}
    return subprocess.run([str(SCRIPT), WANT], env=env, capture_output=True, text=True, check=False)


def test_uv_installs_the_missing_python_where_it_may_download(tmp_path: Path) -> None:
    found = run(tmp_path, online=True)
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == str(tmp_path / f"cpython-{WANT}" / "bin" / f"python{WANT}")
    assert (tmp_path / "calls").read_text().split() == ["install", WANT]
    again = run(tmp_path, online=True)
    assert again.returncode == 0 and (tmp_path / "calls").read_text().count("install") == 1, "found, not reinstalled"


def test_without_downloads_it_gives_todays_advice(tmp_path: Path) -> None:
    refused = run(tmp_path, online=False)
    assert refused.returncode == 1 and refused.stdout == ""
    assert f"ShopDesk needs Python {WANT}" in refused.stderr and f"pyenv install {WANT}" in refused.stderr
    assert "could not install" in refused.stderr


def test_bootstrap_finds_some_python_for_uv_itself() -> None:
    found = subprocess.run([str(SCRIPT), "--bootstrap"], capture_output=True, text=True, check=True,
                           env={**os.environ})
    assert Path(found.stdout.strip()).name.startswith("python3")
