#!/usr/bin/env python3
"""PyTorch's side of the benchmark against PyTorch: the training steps of bench/peer_cases.json
(the file bench_peer_bench, hashgrad's side, reads too) in plain torch.nn, timed per step.

    torch_peer.py --hashgrad FILE [--device cuda|cpu] [--cases NAME,...] [--modes MODE,...]
                  [--steps T] [--repeats R] [--threads N] [--budget-seconds S] [--check]
                  [--out FILE]

The networks are the PyTorch references of tests/fixtures (fixtures_cnn.py, fixtures_swin.py),
which the layer tests already hold to hashgrad's structure, names and outputs; swin_tiny without
the channel-attention branch is timm's swin_tiny_patch4_window7_224 where timm is installed.
Each case's parameter count must equal the one in hashgrad's results (--hashgrad, written by
bench_peer_bench): the run stops before timing anything otherwise.

One step is hashgrad's: zero the gradients, forward, loss, backward, one torch.optim.Adam update
(its defaults, foreach on the GPU). Modes:
  eager_fp32                        TF32 on for cuDNN (PyTorch's default) and for matrix products
                                    (as hashgrad's tf32 mode)
  eager_amp_bf16                    the same under torch.autocast(dtype=torch.bfloat16)
  compile_fp32, compile_amp_bf16    network and loss under torch.compile() (Adam stays eager)
  compile_reduce_overhead_fp32, compile_reduce_overhead_amp_bf16
                                    torch.compile(mode="reduce-overhead"): CUDA graphs
torch.compile needs PyTorch 2.0 and CUDA graphs a GPU: where they are missing the mode is
reported unavailable with the reason, not failed. A mode's figure is the best of --repeats
windows of --steps steps after one untimed window (three steps at least for compiled modes,
which compile and record their graphs there), timed with CUDA events on a GPU and a monotonic
clock on the CPU. Peak memory: torch.cuda.max_memory_allocated from just before the model was
built on a GPU; on the CPU, the process's peak resident set (VmHWM, reset before each mode
after handing freed memory back with malloc_trim; it counts PyTorch's code and libraries).

Eager modes of every case run first, then the compiled ones; with --budget-seconds a mode that
would start with too little time left is reported skipped. The results file (default
runs/peer/pytorch-<device>.json) is rewritten after every mode. --check also asserts that each
timed step trained (finite loss, parameters changed), that compiled modes made graphs and that
mode="reduce-overhead" ran them as CUDA graphs; without it the file records the counts.
"""
import argparse
import ctypes
import gc
import json
import math
import os
import re
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

try:
    import torch._dynamo  # torch.compile's tracer and its counters (PyTorch 2)
except ImportError:
    pass

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_report import (ROOT, cpu_model, device_slug, fail, git_commit, load_average,  # noqa: E402
                          utc_date, write_report)

import torch_networks  # noqa: E402
from torch_networks import (adsh_loss, enable_tf32, parameter_count, soft_similarity,  # noqa: E402
                            timm)

# name: (precision, torch.compile mode or None)
MODES = {
    "eager_fp32": ("fp32", None),
    "eager_amp_bf16": ("bf16", None),
    "compile_fp32": ("fp32", "default"),
    "compile_amp_bf16": ("bf16", "default"),
    "compile_reduce_overhead_fp32": ("fp32", "reduce-overhead"),
    "compile_reduce_overhead_amp_bf16": ("bf16", "reduce-overhead"),
}
# The least time a mode may start with under --budget-seconds: compiling takes most of it.
MINIMUM_SECONDS = {None: 15, "default": 90, "reduce-overhead": 60}


def build_network(spec, settings):
    """The case's network (images -> u for adsh, -> logits for cross_entropy) on the CPU, and
    what implements it."""
    arguments = (spec["backbone"], spec["channels"], spec["image_size"], spec["attention"])
    if spec["loss"] == "adsh":
        return (torch_networks.hash_network(*arguments, settings["bits"]),
                torch_networks.implementation(spec["backbone"]))
    return torch_networks.classifier_network(*arguments, settings["classes"])


# ---- one training step -------------------------------------------------------------------


class Objective(nn.Module):
    """images -> the case's loss, under bf16 autocast when asked: what torch.compile compiles.
    The fixed inputs of the loss are buffers, so compiled graphs and CUDA graphs see them as
    the model's own state."""

    def __init__(self, network, spec, settings, device, bf16, generator):
        super().__init__()
        self.network = network
        self.adsh = spec["loss"] == "adsh"
        self.gamma = float(settings["gamma"])
        self.device_type = device.type
        self.bf16 = bf16
        batch = spec["batch"]
        if self.adsh:
            database, classes = settings["database"], settings["database_classes"]
            codes = torch.randn(database, settings["bits"], generator=generator).ge(0).float() * 2 - 1
            batch_labels = torch.randint(classes, (batch,), generator=generator)
            database_labels = torch.randint(classes, (database,), generator=generator)
            self.register_buffer("database_codes", codes, persistent=False)
            self.register_buffer("similarity", soft_similarity(batch_labels, database_labels),
                                 persistent=False)
            self.register_buffer("indices", torch.randint(database, (batch,), generator=generator),
                                 persistent=False)
        else:
            self.register_buffer("targets",
                                 torch.randint(settings["classes"], (batch,), generator=generator),
                                 persistent=False)

    def forward(self, images):
        with torch.autocast(self.device_type, dtype=torch.bfloat16, enabled=self.bf16):
            output = self.network(images)
            if self.adsh:
                return adsh_loss(output, self.database_codes, self.similarity, self.indices,
                                 self.gamma)
            return F.cross_entropy(output, self.targets)


def unavailable_reason(mode, device):
    precision, compiler = MODES[mode]
    if compiler is not None and not hasattr(torch, "compile"):
        return f"torch.compile needs PyTorch 2.0 or later; this is {torch.__version__}"
    if compiler == "reduce-overhead" and device.type != "cuda":
        return "CUDA graphs (mode=\"reduce-overhead\") need a GPU"
    if precision == "bf16" and device.type == "cuda" and not torch.cuda.is_bf16_supported():
        return f"{torch.cuda.get_device_name()} has no bf16"
    return None


def mark_step_begin():
    """Tells CUDA graph trees that a new step starts, so a replay may overwrite the last
    step's outputs (PyTorch 2.1 and later)."""
    compiler = getattr(torch, "compiler", None)
    if compiler is not None and hasattr(compiler, "cudagraph_mark_step_begin"):
        compiler.cudagraph_mark_step_begin()


def compile_counts():
    """What torch.compile has done in this process: graphs made, graph breaks, and graphs
    that mode="reduce-overhead" left without CUDA graphs (mutated inputs, CPU tensors, ...)."""
    counters = torch._dynamo.utils.counters
    return {"graphs": int(counters["stats"]["unique_graphs"]),
            "graph_breaks": int(sum(counters["graph_break"].values())),
            "cudagraph_skips": int(counters["inductor"]["cudagraph_skips"])}


def window_seconds(step, steps, device):
    if device.type == "cuda":
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(steps):
            step()
        end.record()
        end.synchronize()
        return start.elapsed_time(end) / 1000
    begin = time.perf_counter()
    for _ in range(steps):
        step()
    return time.perf_counter() - begin


# ---- memory ------------------------------------------------------------------------------


def process_status_bytes(field):
    """A "Name:  123 kB" field of /proc/self/status in bytes (bench/process_memory.h), 0 when
    absent."""
    try:
        with open("/proc/self/status") as status:
            match = re.search(rf"^{field}:\s+(\d+) kB", status.read(), re.MULTILINE)
    except OSError:
        return 0
    return int(match.group(1)) * 1024 if match else 0


def reset_peak_memory(device):
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
        return
    try:  # what an earlier mode freed goes back to the system, not into this mode's peak
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        pass


def peak_memory(device):
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated()
    return process_status_bytes("VmHWM")


def memory_description(device):
    if device.type == "cuda":
        return ("GPU: torch.cuda.max_memory_allocated, bytes in live tensors, from just before "
                "the model was built")
    return ("CPU: the process's peak resident set (VmHWM, reset before each mode; counts code "
            "and libraries)")


# ---- measuring a mode --------------------------------------------------------------------


def measure(spec, settings, mode, device, args):
    """Times one case in one mode; returns the result fields."""
    precision, compiler = MODES[mode]
    reset_peak_memory(device)
    resident_before = process_status_bytes("VmRSS")
    torch.manual_seed(1)
    generator = torch.Generator().manual_seed(2)
    network, implementation = build_network(spec, settings)
    objective = Objective(network, spec, settings, device, precision == "bf16", generator)
    objective.to(device).train()
    size = spec["image_size"]
    images = (torch.rand(spec["batch"], spec["channels"], size, size, generator=generator) * 2
              - 1).to(device)
    optimizer = torch.optim.Adam(objective.parameters(), lr=settings["learning_rate"])
    counts_before = {}
    if compiler is not None:
        # Without the reset, earlier modes' graphs fill dynamo's cache of the same forward and
        # it falls back to eager without a word.
        torch._dynamo.reset()
        counts_before = compile_counts()
        forward = torch.compile(objective, mode=compiler)
    else:
        forward = objective
    parameters = [p for p in objective.parameters() if p.requires_grad]
    watched = [parameters[0].detach().clone(), parameters[-1].detach().clone()]
    last_loss = [None]  # only the last: CUDA graphs overwrite a step's outputs in the next

    def step():
        if compiler == "reduce-overhead":
            mark_step_begin()
        optimizer.zero_grad(set_to_none=True)
        loss = forward(images)
        loss.backward()
        optimizer.step()
        last_loss[0] = loss.detach()

    warmup_steps = args.steps if compiler is None else max(args.steps, 3)
    warmup = window_seconds(step, warmup_steps, device)
    best = min(window_seconds(step, args.steps, device) for _ in range(args.repeats))
    step_seconds = best / args.steps
    final_loss = float(last_loss[0].float())
    result = {
        "status": "measured", "implementation": implementation,
        "parameters": parameter_count(network), "steps": args.steps, "repeats": args.repeats,
        "step_seconds": step_seconds, "images_per_second": spec["batch"] / step_seconds,
        "warmup_seconds": warmup, "peak_memory_bytes": peak_memory(device),
        "final_loss": final_loss,
    }
    if device.type == "cpu":
        result["resident_before_bytes"] = resident_before
    if compiler is not None:
        result.update({key: count - counts_before[key] for key, count in compile_counts().items()})
    if args.check:
        trained = [not torch.equal(before, after.detach())
                   for before, after in zip(watched, (parameters[0], parameters[-1]))]
        if not math.isfinite(final_loss) or not all(trained):
            raise AssertionError(f"{spec['case']} {mode}: the steps did not train (final loss "
                                 f"{final_loss}, first and last parameter changed: {trained})")
        if compiler is not None and result["graphs"] < 1:
            raise AssertionError(f"{spec['case']} {mode}: torch.compile made no graph")
        if compiler == "reduce-overhead" and result["cudagraph_skips"]:
            raise AssertionError(f"{spec['case']} {mode}: {result['cudagraph_skips']} graphs "
                                 "ran without CUDA graphs")
    return result


# ---- the run -----------------------------------------------------------------------------


def hashgrad_parameter_counts(paths):
    """Each case's parameter count in hashgrad's results, and why hashgrad has none for a case
    whose step failed before its model was built."""
    counts, failures = {}, {}
    for path in paths:
        try:
            with open(path) as file:
                results = json.load(file)["results"]
        except (OSError, ValueError, KeyError) as error:
            fail(f"--hashgrad {path}: not a bench_peer_bench results file ({error})")
        for result in results:
            if "parameters" in result:
                counts[result["case"]] = result["parameters"]
            else:
                failures[result["case"]] = result.get("reason", "no parameter count")
    return counts, failures


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hashgrad", nargs="+", required=True,
                        help="bench_peer_bench results of the same cases (parameter counts)")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu",
                        choices=["cuda", "cpu"])
    parser.add_argument("--cases", help="comma-separated cases of bench/peer_cases.json")
    parser.add_argument("--modes", help="comma-separated, of: " + ", ".join(MODES))
    parser.add_argument("--steps", type=int, default=10, help="steps per timed window")
    parser.add_argument("--repeats", type=int, default=3, help="timed windows, the best is kept")
    parser.add_argument("--threads", type=int, help="CPU threads (torch.set_num_threads)")
    parser.add_argument("--budget-seconds", type=float,
                        help="skip modes that would start with too little of this time left")
    parser.add_argument("--check", action="store_true",
                        help="assert that every step trained and every compiled mode compiled")
    parser.add_argument("--out", help="results file (default runs/peer/pytorch-<device>.json)")
    args = parser.parse_args()
    if args.steps < 1 or args.repeats < 1:
        fail("--steps and --repeats must be at least 1")
    return args


def selected(names, known, flag):
    if not names:
        return list(known)
    chosen = names.split(",")
    for name in chosen:
        if name not in known:
            fail(f"{flag}: unknown '{name}'; known: {', '.join(known)}")
    return chosen


def check_parameter_counts(cases, specs, settings, counts, failures):
    """Stops the run unless every case's network has hashgrad's parameter count; returns the
    cases hashgrad could not even build (their modes are skipped)."""
    unbuilt = {}
    for case in cases:
        if case not in counts and case in failures:
            unbuilt[case] = failures[case]
            continue
        if case not in counts:
            fail(f"{case}: not in the --hashgrad results; run bench_peer_bench --cases {case}")
        network, implementation = build_network(specs[case], settings)
        if parameter_count(network) != counts[case]:
            fail(f"{case}: PyTorch's network ({implementation}) has {parameter_count(network):,} "
                 f"parameters, hashgrad's {counts[case]:,}: they are not the same network")
    return unbuilt


def report_header(device, load_before, tf32):
    gpu = torch.cuda.get_device_name(device) if device.type == "cuda" else "none"
    return {
        "benchmark": "peer-pytorch", "device": device_slug(gpu) if device.type == "cuda" else "cpu",
        "gpu": gpu, "cpu": cpu_model(), "cpu_threads": torch.get_num_threads(),
        "pytorch": torch.__version__, "timm": timm.__version__ if timm else None,
        "python": sys.version.split()[0],
        "tf32": tf32, "cudnn_benchmark": torch.backends.cudnn.benchmark, "memory": memory_description(device),
        "git_commit": git_commit(), "date": utc_date(), "load_average_before": load_before,
    }


def planned_entry(spec, mode):
    """A case and mode's entry before it runs: what a run killed at its time limit leaves."""
    entry = {key: spec[key] for key in ("case", "backbone", "attention", "batch", "loss")}
    entry["input"] = f"{spec['channels']}x{spec['image_size']}x{spec['image_size']}"
    entry.update(mode=mode, precision=MODES[mode][0], compiler=MODES[mode][1],
                 status="not reached", reason="the run ended before this mode")
    return entry


def run_mode(spec, mode, settings, device, args, seconds_left):
    """The entry's outcome: measured, unavailable, skipped (budget) or failed."""
    reason = unavailable_reason(mode, device)
    if reason:
        return {"status": "unavailable", "reason": reason}
    if seconds_left is not None and seconds_left < MINIMUM_SECONDS[MODES[mode][1]]:
        return {"status": "skipped", "reason": f"the time budget (--budget-seconds "
                                               f"{args.budget_seconds:g}) had {seconds_left:.0f} s left"}
    try:
        return measure(spec, settings, mode, device, args)
    except AssertionError:
        raise
    except Exception as error:  # one mode's failure (out of memory, a compiler error)
        if device.type == "cuda":
            torch.cuda.empty_cache()
        return {"status": "failed", "reason": f"{type(error).__name__}: {error}"[:500]}


def main():
    args = parse_arguments()
    started = time.monotonic()
    load_before = load_average()
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        fail("--device cuda: PyTorch sees no GPU")
    if args.threads:
        torch.set_num_threads(args.threads)
    tf32 = enable_tf32()
    with open(os.path.join(ROOT, "bench", "peer_cases.json")) as file:
        settings = json.load(file)
    specs = {spec["case"]: spec for spec in settings["cases"]}
    cases = selected(args.cases, specs, "--cases")
    modes = selected(args.modes, MODES, "--modes")
    unbuilt = check_parameter_counts(cases, specs, settings,
                                     *hashgrad_parameter_counts(args.hashgrad))

    report = report_header(device, load_before, tf32)
    out = args.out or os.path.join(ROOT, "runs", "peer", f"pytorch-{report['device']}.json")
    # Eager modes of every case first, then the compiled ones case by case: compiling costs
    # minutes, and the first cases are the ones a short budget must not leave out.
    eager = [mode for mode in modes if MODES[mode][1] is None]
    compiled = [mode for mode in modes if MODES[mode][1] is not None]
    report["results"] = [planned_entry(specs[case], mode)
                         for group in (eager, compiled) for case in cases for mode in group]
    write_report(out, report)
    for entry in report["results"]:
        seconds_left = (None if args.budget_seconds is None
                        else args.budget_seconds - (time.monotonic() - started))
        del entry["reason"]
        if entry["case"] in unbuilt:
            entry.update(status="skipped",
                         reason=f"hashgrad could not build this case: {unbuilt[entry['case']]}")
        else:
            entry.update(run_mode(specs[entry["case"]], entry["mode"], settings, device, args,
                                  seconds_left))
        report["load_average_after"] = load_average()
        write_report(out, report)
        detail = (f"{entry['images_per_second']:9.1f} images/s  {entry['step_seconds'] * 1e3:9.2f}"
                  f" ms/step  peak {entry['peak_memory_bytes'] / 2**20:8.1f} MiB"
                  if entry["status"] == "measured" else f"{entry['status']}: {entry['reason']}")
        print(f"{device.type:4} {entry['case']:20} {entry['mode']:34} {detail}", flush=True)
    print(f"wrote {out}")
    failures = sum(entry["status"] == "failed" for entry in report["results"])
    if failures:
        fail(f"{failures} mode(s) failed; their reasons are in {out}")


if __name__ == "__main__":
    main()
