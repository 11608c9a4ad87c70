#!/usr/bin/env python3
# FAISS IndexBinaryFlat on the same codes as bench/search_bench.cpp's CPU mode: the peer that
# hashgrad's CPU Hamming search is measured against. A benchmark peer only: hashgrad never
# depends on FAISS.
#
#   apt-get install -y python3-faiss           (Debian's FAISS, with NumPy)
#   build/bench/bench_search_bench --mode cpu --write-data /tmp/search_data
#   /usr/bin/python3 bench/faiss_peer.py /tmp/search_data
#
# Reads database_<bits>.npy and queries_<bits>.npy (numpy.packbits rows, the layout FAISS
# binary indexes take as they are), times IndexBinaryFlat.search with k neighbours (best of
# --repeat runs after a warm-up, FAISS's own OpenMP threads), checks that every query's sorted
# distances equal hashgrad's (ids may differ among equal distances: FAISS does not promise a
# tie order), and writes bench/results/search-cpu-faiss.json with the device, commit and date
# (the fields of bench/bench_report.h).
import argparse
import os
import sys
import time

import faiss
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_report import ROOT, cpu_model, git_commit, utc_date, write_report  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", help="folder written by bench_search_bench --write-data")
    parser.add_argument("--bits", type=int, nargs="+", default=[64])
    parser.add_argument("-k", type=int, nargs="+", default=[100])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--results", default=os.path.join(ROOT, "bench", "results"))
    args = parser.parse_args()

    threads = faiss.omp_get_max_threads()
    print(f"CPU: {cpu_model()}, {threads} threads, FAISS {faiss.__version__}")
    runs = []
    for bits in args.bits:
        database = np.load(os.path.join(args.data, f"database_{bits}.npy"))
        queries = np.load(os.path.join(args.data, f"queries_{bits}.npy"))
        index = faiss.IndexBinaryFlat(bits)
        index.add(database)
        for k in args.k:
            index.search(queries, k)  # warm-up
            best = float("inf")
            for _ in range(args.repeat):
                start = time.perf_counter()
                distances, ids = index.search(queries, k)
                best = min(best, time.perf_counter() - start)
            pairs = database.shape[0] * queries.shape[0] / best
            ours = os.path.join(args.data, f"hashgrad_distances_{bits}_k{k}.npy")
            agree = None
            if os.path.exists(ours):
                agree = bool(np.array_equal(np.sort(distances, axis=1), np.load(ours)))
            print(f"  {bits:4d} bits  k {k:5d}  {best:8.4f} s  {pairs:.3e} pairs/s"
                  f"  distances equal to hashgrad's: {agree}")
            runs.append({"engine": "faiss IndexBinaryFlat", "bits": bits,
                         "n_database": int(database.shape[0]), "n_query": int(queries.shape[0]),
                         "k": k, "seconds": best, "pairs_per_second": pairs,
                         "distances_equal_to_hashgrad": agree})
    document = {"benchmark": "hamming_search", "peer": f"faiss {faiss.__version__}",
                "cpu": cpu_model(), "cpu_threads": threads, "load_average": os.getloadavg()[0],
                "date": utc_date(), "git_commit": git_commit(), "results": runs}
    path = os.path.join(args.results, "search-cpu-faiss.json")
    write_report(path, document)
    print(f"results: {path}")


if __name__ == "__main__":
    main()
