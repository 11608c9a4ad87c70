#!/usr/bin/env python3
"""The JPEG loader benchmark end to end, small: bench/jpeg_loader.sh makes 48 JPEGs of 500 x 375
in a scratch folder, times hashgrad's loader (with and without the DCT-domain reduction) and
PyTorch's DataLoader (PIL, and torchvision.io.decode_jpeg) with 2 workers, and writes its report
there. Asserted: every row measured (a positive rate), the report's device, commit and date, the
settings it ran with, and the Markdown table's ratios equal the rates' quotients.

    tests/loader_peer_script_test.py BUILD_DIR
"""
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main(build):
    with tempfile.TemporaryDirectory() as folder:
        environment = dict(os.environ, HASHGRAD_BUILD_DIR=build)
        run = subprocess.run([os.path.join(ROOT, "bench", "jpeg_loader.sh"), "--images", "48",
                              "--workers", "2", "--batch", "8", "--epochs", "1", "--cache",
                              os.path.join(folder, "cache"), "--results", folder],
                             capture_output=True, text=True, env=environment)
        assert run.returncode == 0, run.stdout + run.stderr
        reports = [name for name in os.listdir(folder) if name.endswith(".json")]
        assert len(reports) == 1 and reports[0].startswith("loader-jpeg-"), reports
        with open(os.path.join(folder, reports[0])) as file:
            report = json.load(file)
        for field in ("cpu", "gpu", "git_commit", "date", "load_average_before"):
            assert report.get(field), field
        settings = report["settings"]
        assert settings["images"] == 48 and settings["workers"] == 2 and settings["batch"] == 8
        assert len(os.listdir(os.path.join(folder, "cache", "images"))) == 48
        rows = report["hashgrad"] + report["pytorch"]
        assert len(report["hashgrad"]) == 2 and len(report["pytorch"]) == 2, rows
        for row in rows:
            assert row["images_per_second"] > 0, row
        with open(os.path.join(folder, reports[0][:-5] + ".md")) as file:
            table = file.read()
        first = report["hashgrad"][0]["images_per_second"]
        for row in rows:
            match = re.search(re.escape(row["name"]) + r" \| (\d+) \| ([\d.]+) \|", table)
            assert match, (row["name"], table)
            assert abs(float(match.group(2)) - first / row["images_per_second"]) < 0.006, table
    print("loader_peer_script: every row measured, report and table consistent")


if __name__ == "__main__":
    main(sys.argv[1])
