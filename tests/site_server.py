"""Run the real serve command (serve.sh) on a free 127.0.0.1 port, for tests that need a server."""
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATASETTE = Path(sys.executable).with_name("datasette")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served(database, with_process=False, env=None, log=None):
    """Serve `database` (a built cautions.db) exactly as `make serve` does; yields its URL.
    `env`: more environment variables for serve.sh; `log`: a file for the server's request log."""
    database = Path(database)
    inspect_file = database.with_name(database.stem + "-inspect.json")
    if not inspect_file.exists():
        subprocess.run([str(DATASETTE), "inspect", str(database), "--inspect-file", str(inspect_file)], check=True)
    port = free_port()
    env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port), "DATASETTE": str(DATASETTE), "PYTHON": sys.executable,
           "DATABASE": str(database), "INSPECT_FILE": str(inspect_file),
           "CARDS": str(database.with_name("cards")), **(env or {})}
    # stderr to a file, not a pipe: nobody reads it while the server runs, and a full pipe
    # (Datasette prints each failed query's SQL there) would stop the server mid-request.
    errors = tempfile.TemporaryFile()
    process = subprocess.Popen([str(ROOT / "serve.sh")], env=env, stdout=log or subprocess.DEVNULL, stderr=errors)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "/-/versions.json", timeout=2)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    errors.seek(0)
                    raise RuntimeError("serve.sh did not start: " + errors.read().decode()[-2000:])
                time.sleep(0.1)
        yield (url, process) if with_process else url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        errors.close()
