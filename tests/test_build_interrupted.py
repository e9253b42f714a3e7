"""A build killed half-way leaves the previous database exactly as it was, and the next one succeeds."""
import signal
import subprocess
import sys
import time

from conftest import GOOD_ROWS, HEADER, ROOT


def test_a_killed_build_leaves_the_old_database_and_the_next_build_succeeds(release):
    release.write_csv(HEADER + "\n" + "\n".join(GOOD_ROWS) + "\n")
    release.write_manifest()
    assert release.build().returncode == 0
    before = release.output.read_bytes()

    big = [f"R{i},046,Shoplifting,Youth caution,01/05/2016,10-17" for i in range(400_000)]
    release.write_csv(HEADER + "\n" + "\n".join(big) + "\n")
    build = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "--manifest", str(release.manifest),
                              "--output", str(release.output), "--quiet", "--metadata", str(release.metadata())],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list(release.folder.glob(".cautions.db.*.tmp")) and time.monotonic() < deadline:
        time.sleep(0.02)  # wait until it is writing its temporary database
    time.sleep(0.3)
    assert build.poll() is None, "the build finished before it could be interrupted"
    build.send_signal(signal.SIGKILL)
    build.wait()

    assert release.output.read_bytes() == before
    assert list(release.folder.glob(".cautions.db.*.tmp"))  # what the killed build left behind

    result = release.build()
    assert result.returncode == 0, result.stderr
    assert release.query("select count(*) as n from cautions")[0]["n"] == len(big)
    assert not list(release.folder.glob(".cautions.db.*.tmp"))  # cleaned up by the next build
