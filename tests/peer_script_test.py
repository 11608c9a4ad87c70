#!/usr/bin/env python3
"""The benchmark against PyTorch end to end on the CPU, where its logic could go wrong without a
word: bench/peer.sh runs cnn5_mixed for two steps in hashgrad (bench_peer_bench) and in
PyTorch (bench/torch_peer.py --check, against Debian's python3-torch, which scripts/test.sh
installs), and bench/peer_report.py joins them. Asserted:
  - the two networks have the same parameter count, hashgrad's being the one its benchmark
    printed, and torch_peer.py refuses to time a network whose count differs;
  - every PyTorch mode has a row beside hashgrad's step of the same precision (f32 beside
    fp32, bf16 mixed precision beside bf16 autocast): measured (speed and memory ratios equal
    hashgrad's figure over PyTorch's), or unavailable with the reason (torch.compile before PyTorch 2.0, CUDA
    graphs on the CPU), never silently missing;
  - the report carries device, commit and date, and --merge keeps an earlier measurement of a
    mode this run could not measure.

    tests/peer_script_test.py BUILD_DIR
"""
import copy
import json
import math
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODES = ["eager_fp32", "eager_amp_bf16", "compile_fp32", "compile_amp_bf16",
         "compile_reduce_overhead_fp32", "compile_reduce_overhead_amp_bf16"]


def torch_python():
    for candidate in (os.environ.get("PYTHON"), sys.executable, "python3", "/usr/bin/python3"):
        if candidate and subprocess.run([candidate, "-c", "import torch"],
                                        capture_output=True).returncode == 0:
            return candidate
    sys.exit("peer_script_test: no python3 with torch; install python3-torch "
             "(scripts/test.sh does)")


def run(command, environment=None):
    return subprocess.run(command, capture_output=True, text=True, env=environment)


def load(path):
    with open(path) as file:
        return json.load(file)


def check(condition, message):
    if not condition:
        sys.exit(f"peer_script_test: FAILED: {message}")


def check_rows(report, hashgrad, pytorch):
    parameters = hashgrad["results"][0]["parameters"]
    check(parameters > 0, f"hashgrad's benchmark printed {parameters} parameters")
    rows = {row["pytorch_mode"]: row for row in report["rows"]}
    check(sorted(rows) == sorted(MODES), f"rows for {sorted(rows)}, expected every mode")
    torch_version = int(pytorch["pytorch"].split(".")[0])
    for mode, row in rows.items():
        hashgrad_mode = "bf16" if mode.endswith("bf16") else "f32"  # like beside like
        check(row["case"] == "cnn5_mixed" and row["hashgrad_mode"] == hashgrad_mode,
              f"{mode}: case {row['case']}, hashgrad mode {row['hashgrad_mode']}")
        check(row["parameters"] == parameters, f"{mode}: {row['parameters']} parameters")
        if row["pytorch_status"] != "measured":
            check(row.get("pytorch_reason"), f"{mode}: {row['pytorch_status']} without a reason")
            continue
        speed = row["hashgrad_images_per_second"] / row["pytorch_images_per_second"]
        memory = row["hashgrad_peak_memory_bytes"] / row["pytorch_peak_memory_bytes"]
        check(math.isclose(row["speed_ratio_hashgrad_over_pytorch"], speed, rel_tol=1e-12)
              and math.isclose(row["memory_ratio_hashgrad_over_pytorch"], memory, rel_tol=1e-12)
              and speed > 0 and memory > 0, f"{mode}: ratios {row}")
    for mode in ("eager_fp32", "eager_amp_bf16"):
        check(rows[mode]["pytorch_status"] == "measured", f"{mode} not measured: {rows[mode]}")
    for mode in MODES[2:]:
        if torch_version < 2 or "reduce_overhead" in mode:
            check(rows[mode]["pytorch_status"] == "unavailable",
                  f"{mode} on PyTorch {pytorch['pytorch']}, CPU: {rows[mode]['pytorch_status']}")
    measured = [result for result in pytorch["results"] if result["status"] == "measured"]
    check(all(result["parameters"] == parameters for result in measured),
          "PyTorch's parameter counts differ from hashgrad's")
    check(report["device"] == "cpu" and report["git_commit"] and report["date"],
          f"header: device {report['device']}, commit {report['git_commit']}")


def check_count_mismatch_stops(python, hashgrad_path, scratch):
    tampered = load(hashgrad_path)
    for result in tampered["results"]:  # one per hashgrad mode
        result["parameters"] += 1
    tampered_path = os.path.join(scratch, "tampered.json")
    with open(tampered_path, "w") as file:
        json.dump(tampered, file)
    out = os.path.join(scratch, "never-written.json")
    result = run([python, os.path.join(ROOT, "bench", "torch_peer.py"), "--device", "cpu",
                  "--cases", "cnn5_mixed", "--modes", "eager_fp32", "--steps", "1",
                  "--hashgrad", tampered_path, "--out", out])
    check(result.returncode != 0 and "parameters" in result.stderr and not os.path.exists(out),
          f"a wrong parameter count was not refused: exit {result.returncode}, {result.stderr}")


def check_merge(python, work, report_path):
    earlier = load(report_path)
    row = next(row for row in earlier["rows"] if row["pytorch_status"] == "unavailable")
    kept = copy.deepcopy(next(row for row in earlier["rows"] if row["pytorch_status"] == "measured"))
    kept["pytorch_mode"] = row["pytorch_mode"]
    kept["date"] = "an earlier run"
    earlier["rows"] = [kept if other is row else other for other in earlier["rows"]]
    with open(report_path, "w") as file:
        json.dump(earlier, file)
    result = run([python, os.path.join(ROOT, "bench", "peer_report.py"), "--merge",
                  "--hashgrad", os.path.join(work, "hashgrad-cnn5_mixed.json"),
                  "--pytorch", os.path.join(work, "pytorch-cnn5_mixed.json"), "--out", report_path])
    check(result.returncode == 0, f"peer_report.py --merge: {result.stderr}")
    merged = {row["pytorch_mode"]: row for row in load(report_path)["rows"]}
    check(len(merged) == len(MODES) and merged[row["pytorch_mode"]]["date"] == "an earlier run",
          "--merge dropped the earlier measurement")
    check(all(other["date"] != "an earlier run" for mode, other in merged.items()
              if mode != row["pytorch_mode"]), "--merge kept a row this run measured again")
    calls = load(report_path)["calls"]
    check(len(calls) == 2 and calls[0]["date"] == earlier["date"]
          and calls[1]["date"] != "an earlier run" and calls[1]["cases"] == ["cnn5_mixed"],
          f"--merge did not list the earlier call and this one: {calls}")


def main():
    build = os.path.abspath(sys.argv[1])
    python = torch_python()
    with tempfile.TemporaryDirectory() as scratch:
        work, report_path = os.path.join(scratch, "work"), os.path.join(scratch, "peer-cpu.json")
        environment = dict(os.environ, HASHGRAD_BUILD_DIR=build, PYTHON=python)
        result = run([os.path.join(ROOT, "bench", "peer.sh"), "--device", "cpu", "--cases",
                      "cnn5_mixed", "--steps", "2", "--repeats", "1", "--check", "--work", work,
                      "--out", report_path], environment)
        check(result.returncode == 0, f"peer.sh: exit {result.returncode}\n{result.stdout}\n"
                                      f"{result.stderr}")
        hashgrad_path = os.path.join(work, "hashgrad-cnn5_mixed.json")
        check_rows(load(report_path), load(hashgrad_path),
                   load(os.path.join(work, "pytorch-cnn5_mixed.json")))
        check_count_mismatch_stops(python, hashgrad_path, scratch)
        check_merge(python, work, report_path)
    print("peer_script_test: passed")


if __name__ == "__main__":
    main()
