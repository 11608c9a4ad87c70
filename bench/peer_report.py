#!/usr/bin/env python3
"""hashgrad beside PyTorch: puts bench_peer_bench's results (--hashgrad) and torch_peer.py's
(--pytorch), measured in the same run on the same device, into bench/results/peer-<device>.json,
with the main job's wall clock and mAP@all of both when given, and prints the table.

    peer_report.py --hashgrad FILE... --pytorch FILE... [--main-job-hashgrad RUN_DIR
                   --main-job-hashgrad-seconds S] [--main-job-pytorch FILE
                   [--main-job-pytorch-seconds S]] [--merge] [--out FILE]

One row per case and PyTorch mode. PyTorch's fp32 modes are set beside hashgrad's fp32 step
(tf32 on a GPU, f32 on the CPU), its bf16 modes beside hashgrad's bf16 step, or, while hashgrad
has none, beside its fp32 step (the row's hashgrad_mode says which). Ratios are hashgrad over
PyTorch: above 1 hashgrad trains more images per second; below 1 it peaks at less memory.
With --merge, rows of the existing file that this run did not measure are kept, so a long
comparison can be split over several device calls; every row keeps the commit and date it was
measured at, and `calls` lists each call's commit, date, load and cases (the top-level commit
and date are the latest call's).
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_report import ROOT, fail, write_report  # noqa: E402

CASE_FIELDS = ("case", "backbone", "attention", "input", "batch", "loss")


def load(path, flag):
    try:
        with open(path) as file:
            return json.load(file)
    except (OSError, ValueError) as error:
        fail(f"{flag} {path}: {error}")


def hashgrad_step(results, case, precision):
    """hashgrad's measured result for `case` in `precision`, or in fp32 when it has no such
    mode (the first in file order: bench_peer_bench lists tf32 before f32-strict); else its
    failed result, or None."""
    for wanted in (precision, "fp32"):
        for result in results:
            if (result["case"] == case and result["precision"] == wanted
                    and result.get("status") == "measured"):
                return result
    return next((result for result in results if result["case"] == case), None)


def row(torch_result, hashgrad_result, commit, date):
    entry = {field: torch_result[field] for field in CASE_FIELDS}
    entry.update(pytorch_mode=torch_result["mode"], pytorch_status=torch_result["status"],
                 git_commit=commit, date=date)
    if torch_result["status"] != "measured":
        entry["pytorch_reason"] = torch_result["reason"]
    if hashgrad_result is None or hashgrad_result.get("status") != "measured":
        entry["hashgrad_mode"] = None
        entry["hashgrad_reason"] = (hashgrad_result or {}).get("reason", "not run")
        return entry
    if hashgrad_result["parameters"] != torch_result.get("parameters",
                                                         hashgrad_result["parameters"]):
        fail(f"{entry['case']}: hashgrad has {hashgrad_result['parameters']} parameters, PyTorch "
             f"{torch_result['parameters']}")
    entry.update(parameters=hashgrad_result["parameters"], hashgrad_mode=hashgrad_result["mode"],
                 hashgrad_images_per_second=hashgrad_result["images_per_second"],
                 hashgrad_peak_memory_bytes=hashgrad_result["peak_memory_bytes"])
    if torch_result["status"] == "measured":
        entry.update(
            pytorch_images_per_second=torch_result["images_per_second"],
            pytorch_peak_memory_bytes=torch_result["peak_memory_bytes"],
            pytorch_warmup_seconds=torch_result["warmup_seconds"],
            pytorch_implementation=torch_result["implementation"],
            **{f"pytorch_{key}": torch_result[key]
               for key in ("graphs", "graph_breaks", "cudagraph_skips") if key in torch_result},
            speed_ratio_hashgrad_over_pytorch=(hashgrad_result["images_per_second"]
                                               / torch_result["images_per_second"]),
            memory_ratio_hashgrad_over_pytorch=(hashgrad_result["peak_memory_bytes"]
                                                / torch_result["peak_memory_bytes"]))
    # On the CPU, what each process held before its model was built (code, libraries).
    for side, result in (("hashgrad", hashgrad_result), ("pytorch", torch_result)):
        if "resident_before_bytes" in result:
            entry[f"{side}_resident_before_bytes"] = result["resident_before_bytes"]
    return entry


def main_job(run_directory, hashgrad_seconds, reference_path, reference_seconds):
    """The main job's wall clock and mAP@all on both sides, and the speed ratio. The reference's
    own clock leaves Python's start and imports out: a caller that timed the whole process
    gives reference_seconds."""
    job = {}
    if run_directory:
        metrics = load(os.path.join(run_directory, "metrics.json"), "--main-job-hashgrad")
        job.update(hashgrad_seconds=hashgrad_seconds, hashgrad_map_all=metrics["map_all"],
                   hashgrad_rounds=metrics["rounds_done"])
    if reference_path:
        reference = load(reference_path, "--main-job-pytorch")
        seconds = reference["seconds"] if reference_seconds is None else reference_seconds
        job.update(pytorch_seconds=seconds, pytorch_map_all=reference["map_all"],
                   pytorch_rounds=reference["rounds"], pytorch=reference["pytorch"])
    if "hashgrad_seconds" in job and "pytorch_seconds" in job:
        sides = (metrics["rounds_done"], metrics["n_query"]), (reference["rounds"],
                                                               reference["queries"])
        if sides[0] != sides[1]:
            fail(f"the main job ran (rounds, queries) {sides[0]} in hashgrad and {sides[1]} in "
                 "PyTorch: not the same schedule")
        job["speed_ratio_hashgrad_over_pytorch"] = job["pytorch_seconds"] / job["hashgrad_seconds"]
        job["map_all_hashgrad_minus_pytorch"] = job["hashgrad_map_all"] - job["pytorch_map_all"]
    return job


def previous_call(previous):
    """The call that wrote a file from before `calls` was kept: its top-level fields."""
    return {"git_commit": previous["git_commit"], "date": previous["date"],
            "load_average": previous.get("load_average"),
            "cases": sorted({entry["case"] for entry in previous.get("rows", [])})}


def merged_rows(previous, rows):
    """The previous file's rows, each replaced by this run's row of the same case and mode
    unless only the previous one holds a measurement; this run's other rows after them."""
    merged = {(entry["case"], entry["pytorch_mode"]): entry for entry in previous.get("rows", [])}
    for entry in rows:
        key = (entry["case"], entry["pytorch_mode"])
        if (entry["pytorch_status"] == "measured" or key not in merged
                or merged[key]["pytorch_status"] != "measured"):
            merged[key] = entry
    return list(merged.values())


def mebibytes(count):
    return f"{count / 2**20:,.0f}" if count is not None else "—"


RATIO_COLUMNS = ["eager_fp32", "eager_amp_bf16", "compile_fp32", "compile_amp_bf16",
                 "compile_reduce_overhead_fp32", "compile_reduce_overhead_amp_bf16"]


def ratio_cell(entry, key):
    if entry is None:
        return "—"
    if entry["hashgrad_mode"] is None:
        return "hashgrad failed"
    if entry["pytorch_status"] != "measured":
        return {"unavailable": "n/a"}.get(entry["pytorch_status"], entry["pytorch_status"])
    return f"{entry[key]:.2f}"


def print_ratio_table(report):
    """README's table: a row per case, speed ratios by PyTorch mode, eager fp32's memory."""
    print("| case | " + " | ".join(RATIO_COLUMNS) + " | memory, eager_fp32 |")
    print("|---" * (len(RATIO_COLUMNS) + 2) + "|")
    by_case = {}
    for entry in report["rows"]:
        by_case.setdefault(entry["case"], {})[entry["pytorch_mode"]] = entry
    for case, entries in by_case.items():
        cells = [ratio_cell(entries.get(mode), "speed_ratio_hashgrad_over_pytorch")
                 for mode in RATIO_COLUMNS]
        cells.append(ratio_cell(entries.get("eager_fp32"), "memory_ratio_hashgrad_over_pytorch"))
        print(f"| {case} | " + " | ".join(cells) + " |")


def print_table(report):
    print("| case | PyTorch mode | hashgrad mode | hashgrad images/s | PyTorch images/s | speed "
          "ratio | hashgrad peak MiB | PyTorch peak MiB | memory ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    for entry in report["rows"]:
        if entry["hashgrad_mode"] is None:
            print(f"| {entry['case']} | {entry['pytorch_mode']} | failed: "
                  f"{entry['hashgrad_reason']} | | | | | | |")
            continue
        if entry["pytorch_status"] != "measured":
            print(f"| {entry['case']} | {entry['pytorch_mode']} | {entry['hashgrad_mode']} | "
                  f"| {entry['pytorch_status']}: {entry['pytorch_reason']} | | | | |")
            continue
        print(f"| {entry['case']} | {entry['pytorch_mode']} | {entry['hashgrad_mode']} | "
              f"{entry['hashgrad_images_per_second']:,.1f} | "
              f"{entry['pytorch_images_per_second']:,.1f} | "
              f"{entry['speed_ratio_hashgrad_over_pytorch']:.2f} | "
              f"{mebibytes(entry['hashgrad_peak_memory_bytes'])} | "
              f"{mebibytes(entry['pytorch_peak_memory_bytes'])} | "
              f"{entry['memory_ratio_hashgrad_over_pytorch']:.2f} |")
    job = report.get("main_job")
    if job and "speed_ratio_hashgrad_over_pytorch" in job:
        print(f"\nmain job ({job['hashgrad_rounds']} rounds): hashgrad {job['hashgrad_seconds']:.1f}"
              f" s, mAP@all {job['hashgrad_map_all']:.4f}; PyTorch {job['pytorch_seconds']:.1f} s,"
              f" mAP@all {job['pytorch_map_all']:.4f}; speed ratio "
              f"{job['speed_ratio_hashgrad_over_pytorch']:.2f}")


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hashgrad", nargs="+", required=True, help="bench_peer_bench results")
    parser.add_argument("--pytorch", nargs="+", required=True, help="torch_peer.py results")
    parser.add_argument("--main-job-hashgrad", help="the run directory of hashgrad's main job")
    parser.add_argument("--main-job-hashgrad-seconds", type=float,
                        help="its wall clock, `hashgrad train` from start to exit")
    parser.add_argument("--main-job-pytorch", help="torch_adsh_reference.py's results")
    parser.add_argument("--main-job-pytorch-seconds", type=float,
                        help="its wall clock from start to exit (default: its own, from main)")
    parser.add_argument("--merge", action="store_true",
                        help="keep the rows of an existing --out that this run did not measure")
    parser.add_argument("--out", help="default bench/results/peer-<device>.json")
    args = parser.parse_args()
    if args.main_job_hashgrad and args.main_job_hashgrad_seconds is None:
        fail("--main-job-hashgrad needs --main-job-hashgrad-seconds")
    return args


def main():
    args = parse_arguments()
    hashgrad = [load(path, "--hashgrad") for path in args.hashgrad]
    pytorch = [load(path, "--pytorch") for path in args.pytorch]
    devices = {report["device"] for report in hashgrad + pytorch}
    if len(devices) != 1:
        fail(f"the results come from different devices: {', '.join(sorted(devices))}")
    device = devices.pop()
    hashgrad_results = [result for report in hashgrad for result in report["results"]]
    first, torch_header = hashgrad[0], pytorch[0]
    rows = [row(result, hashgrad_step(hashgrad_results, result["case"], result["precision"]),
                first["git_commit"], first["date"])
            for report in pytorch for result in report["results"]]
    report = {
        "benchmark": "peer", "device": device, "gpu": first["gpu"], "cpu": first["cpu"],
        "cpu_threads": {"hashgrad": first["cpu_threads"], "pytorch": torch_header["cpu_threads"]},
        "pytorch": torch_header["pytorch"], "timm": torch_header["timm"],
        "git_commit": first["git_commit"], "date": first["date"],
        "load_average": {"hashgrad_before": first["load_average_before"],
                         "pytorch_after": torch_header.get("load_average_after")},
        "memory": {"hashgrad": first["memory"], "pytorch": torch_header["memory"]},
        "timing": "images per second of whole training steps (zero gradients, forward, loss, "
                  "backward, Adam), the best of `repeats` windows of `steps` steps after a "
                  "warm-up window; bench/peer_cases.json defines the cases",
        "rows": rows,
    }
    if device != "cpu":
        report["tf32"] = torch_header["tf32"]
    job = main_job(args.main_job_hashgrad, args.main_job_hashgrad_seconds, args.main_job_pytorch,
                   args.main_job_pytorch_seconds)
    out = args.out or os.path.join(ROOT, "bench", "results", f"peer-{device}.json")
    this_call = {"git_commit": report["git_commit"], "date": report["date"],
                 "load_average": report["load_average"],
                 "cases": sorted({entry["case"] for entry in rows})}
    report["calls"] = [this_call]
    if args.merge and os.path.exists(out):
        previous = load(out, "--out")
        report["rows"] = merged_rows(previous, rows)
        report["calls"] = previous.get("calls", [previous_call(previous)]) + [this_call]
        job = job or previous.get("main_job", {})
    if job:
        report["main_job"] = job
    write_report(out, report)
    print_table(report)
    print()
    print_ratio_table(report)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
