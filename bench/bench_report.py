"""What the Python benchmarks share with the C++ ones (bench/bench_report.h): where and when a
result was measured (the commit, "-dirty" with uncommitted changes, or $HASHGRAD_COMMIT on a
lent GPU machine whose copy of the tree has no .git; the UTC date; the CPU model and its load;
the GPU's name as a file-name slug), and writing a report whole or not at all."""
import datetime
import json
import os
import platform
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def git_commit():
    if os.environ.get("HASHGRAD_COMMIT"):
        return os.environ["HASHGRAD_COMMIT"]
    try:
        git = ["git", "-C", ROOT]
        commit = subprocess.run(git + ["rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(git + ["status", "--porcelain"], capture_output=True,
                               text=True).stdout.strip()
        return commit + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def utc_date():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def cpu_model():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def load_average():
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def device_slug(name):
    """"NVIDIA H100 80GB HBM3 (sm_90, 79.1 GiB)" -> "nvidia-h100-80gb-hbm3", as device_slug in
    bench_report.h names results files."""
    return re.sub(r"[^a-z0-9]+", "-", name.split(" (")[0].lower()).strip("-")


def write_report(path, report):
    """Writes `report` as indented JSON to `path` through a temporary file and a rename, so a
    killed run leaves the previous file or the new one, never half of it."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    temporary = f"{path}.tmp"
    with open(temporary, "w") as file:
        json.dump(report, file, indent=2)
        file.write("\n")
    os.replace(temporary, path)


def fail(message):
    """Stops the program with a one-line error on stderr (exit status 1)."""
    print(f"{os.path.basename(sys.argv[0])}: error: {message}", file=sys.stderr)
    sys.exit(1)
