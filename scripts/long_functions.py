#!/usr/bin/env python3
"""Lists the C++ functions whose definition (signature to closing brace) is longer than a limit.

    scripts/long_functions.py [--limit=80] FOLDER...

Relies on clang-format's layout: a free function or out-of-class member definition starts at
column 0 and its body closes with a '}' at column 0. Exit status 1 when any is found."""
import pathlib
import re
import sys

limit = 80
folders = sys.argv[1:]
if folders and folders[0].startswith("--limit="):
    limit = int(folders.pop(0).split("=", 1)[1])
not_a_function = re.compile(r"^(namespace|class|struct|enum|union|extern|template|#|//|}|using|typedef)")
found = 0
for folder in folders:
    for path in sorted(pathlib.Path(folder).rglob("*")):
        if path.suffix not in (".cpp", ".h", ".cu", ".cuh"):
            continue
        lines = path.read_text(errors="replace").split("\n")
        i = 0
        while i < len(lines):
            line = lines[i]
            if not line or line[0] == " " or not_a_function.match(line) or "(" not in line:
                i += 1
                continue
            opener = i  # the signature ends at the first line ending in '{' before any ';'
            while opener < len(lines) and not lines[opener].rstrip().endswith("{") \
                    and not lines[opener].rstrip().endswith(";"):
                opener += 1
            if opener >= len(lines) or not lines[opener].rstrip().endswith("{") \
                    or lines[opener].rstrip().endswith("= {"):
                i = opener + 1
                continue
            close = opener + 1
            while close < len(lines) and not lines[close].startswith("}"):
                close += 1
            length = close - i + 1
            if length > limit:
                print(f"{path}:{i + 1}: {length} lines: {line.strip()[:80]}")
                found += 1
            i = close + 1
sys.exit(1 if found else 0)
