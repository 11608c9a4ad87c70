#!/usr/bin/env python3
"""Writes docs/reliability.md: every hashgrad command run on bad input, with the message it
printed and its exit status, as this build gives them (nothing in the table is typed by hand).

    scripts/reliability_table.py BUILD_DIR [--output docs/reliability.md]

The bad inputs are made here in a temporary folder: missing, empty, truncated, corrupt and
hostile files (headers claiming 2^40 elements, a 60000 x 60000 image, a gzip bomb, JSON nested a
million deep, a header holding a newline, the fuzzers' findings), and wrong flags. Each row is
checked as it is written: a non-zero exit, exactly one line on stderr, no crash (a signal or a
sanitizer report would show as an exit status above 128 or several lines). The script exits 1
when a row fails.
"""
import argparse
import gzip
import json
import os
import struct
import subprocess
import sys
import tempfile
import zlib

REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write(path, data):
    with open(path, "wb") as file:
        file.write(data if isinstance(data, bytes) else data.encode())
    return path


def npy(header, data=b""):
    header = header + " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + data


def safetensors(header, data=b""):
    header = header.encode()
    return struct.pack("<Q", len(header)) + header + data


def code_file(count, bits=64, words=()):
    body = b"HGCODES\0" + struct.pack("<IIQII", 1, bits, count, 0, 0)
    body += b"".join(struct.pack("<Q", w) for w in words)
    body += b"".join(struct.pack("<q", i) for i in range(len(words)))
    checksum = 14695981039346656037
    padded = body + b"\0" * ((8 - len(body) % 8) % 8)
    for i in range(0, len(padded), 8):
        checksum = ((checksum ^ struct.unpack("<Q", padded[i:i + 8])[0]) * 1099511628211) % 2**64
    return body + struct.pack("<Q", checksum)


def list_config(list_file):
    """A CPU run's config reading `list_file` at 32 x 32."""
    return f"protocol = list\nlist = {list_file}\nimage_size = 32\ndevice = cpu\n"


def png(width, height):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""))


def idx(dims, data=b""):
    return b"\0\0\x08" + bytes([len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + data


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build_dir")
    parser.add_argument("--output", default=os.path.join(REPOSITORY, "docs", "reliability.md"))
    options = parser.parse_args()
    hashgrad = os.path.join(os.path.abspath(options.build_dir), "hashgrad")
    folder = tempfile.mkdtemp(prefix="hashgrad-reliability-")
    f = lambda name: os.path.join(folder, name)

    good_codes = write(f("good.hgc"), code_file(3, 64, [1, 2, 3]))
    write(f("empty"), b"")
    write(f("truncated.hgc"), code_file(3, 64, [1, 2, 3])[:-5])
    corrupt = bytearray(code_file(3, 64, [1, 2, 3]))
    corrupt[40] ^= 0xFF
    write(f("checksum.hgc"), bytes(corrupt))
    write(f("huge.hgc"), code_file(2**40))
    write(f("newline.npy"), npy("{'fortran_order': False,\n'shape': (3,), }"))
    write(f("huge.npy"), npy("{'descr': '|u1', 'fortran_order': False, 'shape': (1099511627776,), }", b"\0" * 8))
    write(f("float_labels.npy"), npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", b"\0" * 12))
    write(f("bad.conf"), "bits = 48\nthis line has no equals sign\n")
    write(f("unknown.conf"), "bits = 48\nlearning_rat = 0.1\n")
    write(f("value.conf"), "bits = forty-eight\n")
    write(f("escape.conf"), "bits = \x1b[2J48\n")
    write(f("padding.conf"), "train_transforms = random_crop(2,9999999991)\ndevice = cpu\n")
    write(f("good.conf"), "bits = 16\ndevice = cpu\n")
    write(f("list.conf"), list_config("huge_list.txt"))
    write(f("label_list.conf"), list_config("label_list.txt"))
    write(f("control_list.conf"), list_config("control_list.txt"))
    # Run directories: model.json nested a million deep, a truncated checkpoint, a huge shape.
    for name in ("nested_run", "truncated_run", "bomb_run", "float_bits_run"):
        os.makedirs(f(name), exist_ok=True)
    write(f("nested_run/model.json"), '{"format": ' + "[" * 1_000_000)
    model = {"format": "hashgrad-model-1", "backbone": "cnn5", "attention": "none",
             "in_channels": 1, "image_size": 28, "feature_dim": 64, "width": 16, "bits": 16,
             "hash_activation": "tanh", "classifier_classes": 0,
             "normalization": {"mean": [0.5], "std": [0.5]}}
    for name in ("truncated_run", "bomb_run"):
        write(f(name + "/model.json"), json.dumps(model))
    write(f("float_bits_run/model.json"), json.dumps(dict(model, bits=5.6e72)))
    write(f("truncated_run/checkpoint.safetensors"), safetensors('{"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}', b"\0" * 7))
    write(f("bomb_run/checkpoint.safetensors"), safetensors('{"a": {"dtype": "F32", "shape": [1048576, 1048576], "data_offsets": [0, 4398046511104]}}', b"\0" * 16))
    # Data: IDX headers of 2^40 elements, a gzip bomb, a 60000 x 60000 image, bad image lists.
    os.makedirs(f("fmnist_huge"), exist_ok=True)
    write(f("fmnist_huge/train-images-idx3-ubyte"), idx([1 << 20, 1 << 10, 1 << 10], b"\0" * 64))
    write(f("fmnist_huge/train-labels-idx1-ubyte"), idx([10], b"\0" * 10))
    write(f("fmnist_huge/t10k-images-idx3-ubyte"), idx([1, 28, 28], b"\0" * 784))
    write(f("fmnist_huge/t10k-labels-idx1-ubyte"), idx([1], b"\0"))
    os.makedirs(f("fmnist_bomb"), exist_ok=True)
    with gzip.open(f("fmnist_bomb/train-images-idx3-ubyte.gz"), "wb", compresslevel=9) as out:
        out.write(idx([10, 28, 28]))
        for _ in range(64):
            out.write(b"\0" * (1 << 20))
    write(f("fmnist_bomb/train-labels-idx1-ubyte"), idx([10], b"\0" * 10))
    write(f("fmnist_bomb/t10k-images-idx3-ubyte"), idx([1, 28, 28], b"\0" * 784))
    write(f("fmnist_bomb/t10k-labels-idx1-ubyte"), idx([1], b"\0"))
    write(f("huge.png"), png(60000, 60000))
    write(f("huge_list.txt"), "huge.png 0\n")
    write(f("label_list.txt"), "a.png 0\nb.png cat\n")
    # The fuzzers' image-list finding of 2026-12-07: one mistyped id among multi-label lines.
    write(f("typo_list.txt"), "".join("a.png 1 88881\n" if i == 17 else "a.png 1 2\n"
                                      for i in range(40)))
    write(f("typo_list.conf"), list_config("typo_list.txt"))
    write(f("control_list.txt"), "a.png 0\nb\x07.png\n")
    # The fuzzers' JPEG findings of 2026-12-07, each the one image of a list (name.conf).
    for name, fixture in [("empty_scan", "frame_without_scan"),
                          ("cut_scan", "scan_ended_by_unknown_marker")]:
        with open(os.path.join(REPOSITORY, "tests/fixtures/fuzz/image_jpeg", fixture),
                  "rb") as image:
            write(f(name + ".jpg"), image.read())
        write(f(name + "_list.txt"), name + ".jpg 0\n")
        write(f(name + ".conf"), list_config(name + "_list.txt"))

    runs = [
        ("train", "train --config missing.conf --out run", "config file that does not exist"),
        ("train", "train --config bad.conf --out run", "config line without '='"),
        ("train", "train --config unknown.conf --out run", "misspelt config key"),
        ("train", "train --config value.conf --out run", "config value of the wrong type"),
        ("train", "train --config escape.conf --out run", "config value holding an escape sequence"),
        ("train", "train --config padding.conf --out run",
         "transform padding beyond int's range (a fuzzer's finding)"),
        ("train", "train --set bits --out run --config value.conf", "--set without '='"),
        ("train", "train --resume no_such_run", "--resume of a folder without a checkpoint"),
        ("train", "train --resume " + "r" * 300, "--resume name over 255 bytes (a fuzzer's finding)"),
        ("train", "train --out run", "no --config"),
        ("train", "train --config good.conf --out run", "IDX header declaring 2^40 pixels"),
        ("train", "train --config good.conf --out run --set data_root=fmnist_bomb",
         "gzip bomb (64 MiB of zeros after a 10-image IDX header)"),
        ("train", "train --config list.conf --out run", "60000 x 60000 PNG in an image list"),
        ("train", "train --config empty_scan.conf --out run",
         "62-byte JPEG declaring 15108 x 2054 pixels, without a scan"),
        ("train", "train --config cut_scan.conf --out run",
         "688-byte JPEG declaring 1056 x 60160 pixels, its scan cut short by a bad marker "
         "(a fuzzer's finding)"),
        ("train", "train --config label_list.conf --out run", "image list label that is not a number"),
        ("train", "train --config typo_list.conf --out run",
         "multi-label image list with one id mistyped as 88881 (a fuzzer's finding)"),
        ("train", "train --config control_list.conf --out run",
         "image list line holding a control byte and no label"),
        ("encode", "encode --model nested_run --data fmnist:query --out x.hgc",
         "model.json nested a million deep"),
        ("encode", "encode --model float_bits_run --data fmnist:query --out x.hgc",
         "model.json whose bits is 5.6e72"),
        ("encode", "encode --model truncated_run --data fmnist:query --out x.hgc",
         "truncated checkpoint"),
        ("encode", "encode --model bomb_run --data fmnist:query --out x.hgc",
         "checkpoint declaring 2^40 elements"),
        ("encode", "encode --model truncated_run --data nonsense --out x.hgc", "unknown --data"),
        ("encode", "encode --model no_such_run --data fmnist:query --out x.hgc", "missing model"),
        ("search", "search --index missing.hgc --query good.hgc -k 3", "missing index"),
        ("search", "search --index empty --query good.hgc -k 3", "empty file"),
        ("search", "search --index truncated.hgc --query good.hgc -k 3", "truncated code file"),
        ("search", "search --index checksum.hgc --query good.hgc -k 3", "code file with a flipped byte"),
        ("search", "search --index huge.hgc --query good.hgc -k 3", "code file header of 2^40 codes"),
        ("search", "search --index newline.npy --query good.hgc -k 3", ".npy header holding a newline"),
        ("search", "search --index huge.npy --query good.hgc -k 3", ".npy header of 2^40 elements"),
        ("search", "search --index good.hgc --query good.hgc -k 0", "-k 0"),
        ("search", "search --index good.hgc --query good.hgc -k 3 --index-labels float_labels.npy",
         "float labels"),
        ("search", "search --index good.hgc --query good.hgc --bogus", "unknown flag"),
        ("search", "search --index good.hgc --query good.hgc --device gpu", "bad --device"),
        ("eval", "eval --index good.hgc --queries truncated.hgc", "truncated query codes"),
        ("eval", "eval --index good.hgc --queries good.hgc", "no labels"),
        ("eval", "eval --index good.hgc", "no --queries"),
        ("export", "export --codes huge.hgc --output out", "code file header of 2^40 codes"),
        ("export", "export --codes good.hgc --output /proc/out", "unwritable --output"),
        ("export", "export --codes good.hgc --labels newline.npy --output out",
         ".npy labels whose header holds a newline"),
        ("demo", "demo --steps 0", "--steps out of range"),
        ("info", "info --bogus", "unknown flag"),
        ("(none)", "nonsense", "unknown command"),
    ]
    rows, failures = [], []
    for command, arguments, bad_input in runs:
        result = subprocess.run([hashgrad] + arguments.split(), cwd=folder, capture_output=True,
                                text=True, errors="backslashreplace", timeout=600,
                                env=dict(os.environ, HASHGRAD_FASHION_MNIST=f("fmnist_huge")))
        lines = result.stderr.splitlines()
        message = lines[-1] if lines else ""
        problems = []
        if result.returncode == 0:
            problems.append("exit status 0")
        if result.returncode < 0 or result.returncode > 128:
            problems.append("killed by a signal")
        if len(lines) != 1:
            problems.append(f"{len(lines)} lines on stderr")
        if problems:
            failures.append(f"hashgrad {arguments}: {', '.join(problems)}: {result.stderr[-2000:]}")
        rows.append((command, bad_input, arguments, message, result.returncode))

    commit = subprocess.run(["git", "-C", REPOSITORY, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    with open(options.output + ".tmp", "w") as out:
        out.write("# Reliability: every command on bad input\n\n")
        out.write(
            "Made by `scripts/reliability_table.py BUILD_DIR` (commit " + commit + ", a CPU "
            "build), which makes each bad input, runs the command and records what it printed: "
            "nothing below is typed by hand. Each row is checked: a non-zero exit status and "
            "exactly one line on stderr (no crash, no sanitizer report). Paths are relative to "
            "the script's temporary folder; `HASHGRAD_FASHION_MNIST` points at a folder whose "
            "IDX header declares 2^40 pixels.\n\n")
        out.write("| command | bad input | command line | message (stderr) | exit |\n")
        out.write("|---|---|---|---|---|\n")
        for command, bad_input, arguments, message, status in rows:
            message = message.replace(folder + "/", "").replace(folder, ".").replace("|", "\\|")
            out.write(f"| {command} | {bad_input} | `hashgrad {arguments}` | {message} | {status} |\n")
        out.write(f"\n{len(rows)} runs, {len(failures)} failing the checks.\n")
    os.replace(options.output + ".tmp", options.output)
    subprocess.run(["rm", "-rf", folder])
    for failure in failures:
        print("reliability_table.py:", failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
