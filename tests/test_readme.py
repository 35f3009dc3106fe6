"""Every example in the README and the documents it links to in docs/ runs, in order, and shows its real output."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The documents with examples, in the order a reader meets them: the README, then the parts moved to docs/.
DOCUMENTS = [ROOT / "README.md", ROOT / "docs" / "explorer.md", ROOT / "docs" / "scaling.md"]
TEXTS = [document.read_text(encoding="utf-8") for document in DOCUMENTS]
BLOCKS = [block for text in TEXTS for block in re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)]


def test_the_readme_has_python_examples():
    assert len(BLOCKS) >= 2


@pytest.fixture(scope="module")
def namespace() -> dict:
    """One namespace for all blocks, as a reader running them one after another would have."""
    return {"__name__": "__readme__"}


@pytest.mark.parametrize("number", range(len(BLOCKS)))
def test_readme_example_runs(number, namespace, tmp_path_factory, monkeypatch):
    workdir = tmp_path_factory.getbasetemp() / "readme"
    workdir.mkdir(exist_ok=True)
    if not (workdir / "corpora").exists():
        os.symlink(ROOT / "corpora", workdir / "corpora")
    monkeypatch.chdir(workdir)
    exec(compile(BLOCKS[number], f"python block {number + 1} of README.md and docs/", "exec"), namespace)


# -- the command-line examples: each `$ command` of a ```console block, run in a shell --------

README = TEXTS[0]
CONSOLE_BLOCKS = [block for text in TEXTS for block in re.findall(r"```console\n(.*?)```", text, flags=re.DOTALL)]
SESSIONS = [
    (lines[0][2:], "\n".join(lines[1:]))
    for block in CONSOLE_BLOCKS
    for lines in (part.rstrip("\n").split("\n") for part in re.split(r"^(?=\$ )", block, flags=re.MULTILINE) if part)
]
#: The quick start's output after its first line (the build's, which has a time in it).
QUICK_START_NEIGHBOURS = re.search(r"```text\nbuilt [^\n]*\n(.*?)```", README, flags=re.DOTALL).group(1)


#: How long a build took, which differs from run to run.
TIMING = re.compile(r"\bin \d+(\.\d+)? s\b")
#: A number in a command's output.
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
#: Where the `curl` examples (docs/explorer.md) find `wordvec serve`.
SERVER = "http://127.0.0.1:8000"


def same_output(shown: str, real: str, tolerance: float = 0.002) -> bool:
    """Equal but for build times, and numbers, which may differ by ``tolerance``.

    Float results differ in their last bits with the BLAS's threads and the CPU, so the
    text around the numbers must match exactly and the numbers only closely.
    """
    shown, real = (TIMING.sub("in (time) s", text.strip("\n")) for text in (shown, real))
    if NUMBER.sub("#", shown) != NUMBER.sub("#", real):
        return False
    return all(
        abs(float(a) - float(b)) <= tolerance for a, b in zip(NUMBER.findall(shown), NUMBER.findall(real))
    )


def test_same_output_tolerates_rounding_only():
    assert same_output("  1  queen  0.411\n", "  1  queen  0.4115")
    assert not same_output("  1  queen  0.411", "  1  queens  0.411")
    assert not same_output("  1  queen  0.411", "  1  queen  0.421")
    assert not same_output("a\nb", "a")
    assert same_output('{"x":0.44688332080841064}', '{"x":0.44688329100608826}')
    assert not same_output('{"x":0.4468}', '{"x":0.4568}')
    assert same_output("built 5 words in 4.8 s -> m", "built 5 words in 12 s -> m")


@pytest.fixture(scope="module")
def shell(tmp_path_factory):
    """Runs a README command line in a directory where the quick start's build has run."""
    workdir = tmp_path_factory.mktemp("readme-cli")
    os.symlink(ROOT / "corpora", workdir / "corpora")
    environment = {key: value for key, value in os.environ.items() if key != "WORDVEC_MODEL"}
    environment["WORDVEC_CACHE_DIR"] = str(workdir / "cache")  # `wordvec compare`'s fits, not in the home directory
    environment["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environment.get('PATH', '')}"

    # A machine without curl still runs the API examples, through Python.
    no_curl = "" if shutil.which("curl") else (
        'curl() { python -c "import sys, urllib.request; '
        'sys.stdout.write(urllib.request.urlopen(sys.argv[-1]).read().decode())" "$@"; }; '
    )

    def run(command: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["bash", "-c", no_curl + command], cwd=workdir, env=environment, capture_output=True, text=True, timeout=300
        )

    built = run("wordvec build corpora/*.txt.gz")
    assert built.returncode == 0 and built.stdout.startswith("built 25,232 words x 300 dims"), built.stderr
    server = subprocess.Popen(
        ["wordvec", "serve", "--port", SERVER.rsplit(":", 1)[1]], cwd=workdir, env=environment,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    first_line = server.stdout.readline()
    assert first_line.startswith("serving wordvec-model at "), f"wordvec serve did not start: {first_line}"
    yield run
    server.send_signal(signal.SIGINT)
    server.communicate(timeout=30)


def test_the_readme_has_console_examples():
    assert len(SESSIONS) >= 10


def test_quick_start_output(shell):
    result = shell("wordvec nearest king")
    assert result.returncode == 0 and same_output(QUICK_START_NEIGHBOURS, result.stdout), result.stdout


@pytest.mark.parametrize("command, shown", SESSIONS, ids=[command for command, _ in SESSIONS])
def test_readme_command_output(shell, command, shown):
    result = shell(command)
    assert same_output(shown, result.stdout + result.stderr), f"$ {command}\n{result.stdout}{result.stderr}"
