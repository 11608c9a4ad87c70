#!/usr/bin/env python3
"""Writes bench/results/fuzz-<date>.md from the logs of the last scripts/fuzz.sh run: per target
the processes it ran in, the executions, the seconds, executions per second, coverage (edges and
features), the corpus, the peak memory, the findings (crash-, leak-, timeout-, oom- files
libFuzzer saved) and the commit the run was built from (logs/<target>.commit, which fuzz.sh
writes), with the date, the CPU model and the machine's load, as bench/ results carry them.

    scripts/fuzz_report.py [BUILD_DIR] [--note TEXT] [--output PATH]

--output names another file, for a second run on a day whose report is to be kept.
"""
import argparse
import datetime
import os
import re
import subprocess

REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def last(pattern, text, default="?"):
    found = re.findall(pattern, text)
    return found[-1] if found else default


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build_dir", nargs="?", default=os.path.join(REPOSITORY, "build-sanitize"))
    parser.add_argument("--note", default="", help="a paragraph to add under the table")
    parser.add_argument("--output", help="the report's path (default bench/results/fuzz-<date>.md)")
    options = parser.parse_args()
    logs = os.path.join(options.build_dir, "logs")
    rows = []
    for name in sorted(os.listdir(logs)):
        if not name.endswith(".log"):
            continue
        target = name[:-4]
        text = open(os.path.join(logs, name), errors="replace").read()
        # A run of several processes (fuzz.sh --workers, libFuzzer's -fork) prints no final
        # statistics: its counts are the sums on its last "#N: cov: ... time: Ts" line.
        processes = last(r"INFO: -fork=(\d+)", text, "1")
        if processes == "1":
            executions = int(last(r"stat::number_of_executed_units: *(\d+)", text, "0"))
            seconds = int(last(r"Done \d+ runs in (\d+) second", text, "0"))
            per_second = last(r"stat::average_exec_per_sec: *(\d+)", text)
        else:
            executions = int(last(r"(?m)^#(\d+): cov", text, "0"))
            seconds = int(last(r"(?m)^#\d+: cov.* time: (\d+)s", text, "0"))
            per_second = str(executions // seconds) if seconds else "?"
        findings_dir = os.path.join(options.build_dir, "findings", target)
        findings = sorted(os.listdir(findings_dir)) if os.path.isdir(findings_dir) else []
        summary = last(r"SUMMARY: (.*)", text, "")
        commit_file = os.path.join(logs, target + ".commit")
        run_commit = open(commit_file).read().strip() if os.path.exists(commit_file) else "?"
        rows.append({
            "target": target, "commit": run_commit, "processes": processes,
            "executions": executions, "seconds": seconds, "per_second": per_second,
            "edges": last(r"cov: (\d+)", text), "features": last(r"ft: (\d+)", text),
            "corpus": last(r"corp: (\d+(?:/\d+\w*)?)", text),
            "rss": last(r"stat::peak_rss_mb: *(\d+)", text) if processes == "1" else "?",
            "findings": ", ".join(findings) + (f" ({summary})" if summary else "") or "none",
        })
    commit = subprocess.run(["git", "-C", REPOSITORY, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    cpu = last(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read())
    cores = os.cpu_count()
    load = open("/proc/loadavg").read().split()[:3]
    date = datetime.datetime.now(datetime.timezone.utc)
    output = options.output or os.path.join(REPOSITORY, "bench", "results",
                                            f"fuzz-{date:%Y-%m-%d}.md")
    goal = 10_000_000
    with open(output + ".tmp", "w") as out:
        out.write(f"# Fuzzing hashgrad's readers, {date:%Y-%m-%d}\n\n")
        out.write(f"- written at commit {commit}, {date:%Y-%m-%d %H:%M} UTC; each run's commit in "
                  "the table (-dirty: with uncommitted changes)\n")
        out.write(f"- device: {cpu}, {cores} cores shared with other jobs (load average "
                  f"{' '.join(load)} when this was written), CPU only\n")
        out.write("- build: clang-14, -O1, -fsanitize=fuzzer,address,undefined over the whole "
                  "engine (scripts/fuzz.sh), -timeout=1 -rss_limit_mb=2048 "
                  "-malloc_limit_mb=2048 -max_len=65536, seeds from make_seeds\n\n")
        out.write("| target | commit | processes | executions | seconds | exec/s | "
                  "hours to 10M at this rate | coverage (edges) | features | corpus | "
                  "peak RSS MB | findings |\n"
                  "|---|---|---|---|---|---|---|---|---|---|---|---|\n")
        for row in rows:
            rate = int(row["per_second"]) if row["per_second"].isdigit() else 0
            row["hours"] = f"{goal / rate / 3600:,.1f}" if rate else "?"
            out.write("| {target} | {commit} | {processes} | {executions:,} | {seconds} | "
                      "{per_second} | "
                      "{hours} | {edges} | {features} | {corpus} | {rss} | {findings} |\n"
                      .format(**row))
        reached = sum(row["executions"] >= goal for row in rows)
        out.write(f"\nThe goal of issue 20 is {goal:,} executions per target: {reached} of "
                  f"{len(rows)} targets reached it (each row is one run).\n")
        if options.note:
            out.write("\n" + options.note + "\n")
    os.replace(output + ".tmp", output)
    print(output)


if __name__ == "__main__":
    main()
