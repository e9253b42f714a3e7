"""Run the real serve command (serve.sh) on a free 127.0.0.1 port, for tests that need a server."""
import contextlib
import os
import socket
import subprocess
import sys
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
def served(database, with_process=False):
    """Serve `database` (a built cautions.db) exactly as `make serve` does; yields its URL."""
    database = Path(database)
    inspect_file = database.with_name(database.stem + "-inspect.json")
    if not inspect_file.exists():
        subprocess.run([str(DATASETTE), "inspect", str(database), "--inspect-file", str(inspect_file)], check=True)
    port = free_port()
    env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port), "DATASETTE": str(DATASETTE),
           "DATABASE": str(database), "INSPECT_FILE": str(inspect_file)}
    process = subprocess.Popen([str(ROOT / "serve.sh")], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "/-/versions.json", timeout=2)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("serve.sh did not start: " + process.stderr.read().decode()[-2000:])
                time.sleep(0.1)
        yield (url, process) if with_process else url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
