#!/usr/bin/env python3
"""The main job written in PyTorch for the benchmark: attention-ADSH on Fashion-MNIST as
configs/attention_adsh_fmnist.conf sets it and hashgrad's trainer runs it (train/trainer.cpp),
so that scripts/gpu-check.sh's `peer` stage can set its wall clock and mAP@all beside
`hashgrad train`'s on the same GPU.

    torch_adsh_reference.py [--config FILE] [--rounds N] [--max-query N] [--device cuda|cpu]
                            [--threads N] [--out FILE]

What it does, as hashgrad does it:
  data      the 60,000 training images are database and training set, the 10,000 test images
            the queries (protocol fmnist), read from $HASHGRAD_FASHION_MNIST or Debian's
            dataset-fashion-mnist; pixels / 255 normalized by the training set's mean and std
  network   cnn5 with the mixed attention block, a Linear hash layer and tanh (the bits of the
            config), torch's default initialisation (torch_networks.py)
  V         the database codes, random +-1 at the start
  a round   a sample of sample_size training images without replacement; epochs_per_round
            passes over it in shuffled batches of batch_size (the last one smaller); each step
            asymmetric_weight * ADSH(u, V, S, idx, gamma) + quantization_weight * log-cosh
            quantization of u, S the batch's soft similarity to all 60,000 (1 same class, -r
            otherwise, r of the batch's block), then one Adam step (learning_rate, constant);
            then V's discrete update from the sample's codes U (hashing/adsh_code_update.h:
            Q = -2c S^T U - 2 gamma U_bar, r of the whole sample, one bit column after another)
  end       query codes sign(u) of the network in evaluation mode (u >= 0 -> +1), database
            codes V, mAP@all over the whole ranking, ties in database order
            (hashing/metrics.h)
The data sits on the device as one tensor (PyTorch's fastest loader for a dataset this small).
Keys of the config that change any of the above and that this reference does not implement
stop it with an error. --rounds 30 is scripts/run.sh's CPU schedule; --max-query takes the
first N queries (hashgrad's `--set max_query=N`). Writes the wall clock (from the start of
main, imports excluded), mAP@all and the per-round losses to --out (default
runs/peer/pytorch-adsh-<device>.json).
"""
import argparse
import gzip
import math
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_report import ROOT, device_slug, fail, git_commit, utc_date, write_report  # noqa: E402
from torch_networks import adsh_loss, enable_tf32, hash_network, soft_similarity  # noqa: E402

# The config keys this reference implements, with the only values it supports where it
# supports one.
FIXED = {"method": "attention_adsh", "protocol": "fmnist", "backbone": "cnn5",
         "attention": "mixed", "quantization": "logcosh", "optimizer": "adam", "device": None}
NUMBERS = {"bits": int, "asymmetric_weight": float,
           "asymmetric_quantization_weight": float, "quantization_weight": float,
           "rounds": int, "epochs_per_round": int, "sample_size": int, "batch_size": int,
           "learning_rate": float, "seed": int}


def read_config(path):
    """`key = value` lines, '#' comments (train/config.h); every key must be one of above."""
    values = {}
    try:
        with open(path) as file:
            for number, line in enumerate(file, 1):
                line = line.split("#", 1)[0].strip()
                if not line:
                    continue
                key, separator, value = line.partition("=")
                if not separator:
                    fail(f"{path}:{number}: expected key = value, got '{line}'")
                values[key.strip()] = value.strip()
    except OSError as error:
        fail(f"--config {path}: {error}")
    config = {}
    for key, value in values.items():
        if key in NUMBERS:
            config[key] = NUMBERS[key](value)
        elif key in FIXED and FIXED[key] in (None, value):
            config[key] = value
        else:
            fail(f"{path}: {key} = {value} is not what this reference implements "
                 f"(it runs {', '.join(f'{k} = {v}' for k, v in FIXED.items() if v)})")
    missing = [key for key in NUMBERS if key not in config]
    if missing:
        fail(f"{path}: no {', '.join(missing)}")
    return config


def read_idx(path):
    """An IDX file (gzip-compressed) as a uint8 tensor of its shape."""
    try:
        with gzip.open(path, "rb") as file:
            data = file.read()
    except OSError as error:
        fail(f"{path}: {error} (install dataset-fashion-mnist or set HASHGRAD_FASHION_MNIST)")
    dimensions = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dimensions)]
    return torch.frombuffer(bytearray(data[4 + 4 * dimensions:]), dtype=torch.uint8).reshape(shape)


def fashion_mnist(device):
    """(train images, train labels, test images, test labels): images normalized f32
    [N, 1, 28, 28] by the training set's mean and std, labels i64, all on `device`."""
    folder = os.environ.get("HASHGRAD_FASHION_MNIST") or "/usr/share/datasets/fashion-mnist"
    files = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
             "t10k-labels-idx1-ubyte"]
    train_x, train_y, test_x, test_y = (read_idx(os.path.join(folder, f"{name}.gz"))
                                        for name in files)
    pixels = train_x.double() / 255
    mean, std = pixels.mean().item(), pixels.std(unbiased=False).item()

    def images(raw):
        return ((raw.float() / 255 - mean) / std).unsqueeze(1).to(device)

    return images(train_x), train_y.long().to(device), images(test_x), test_y.long().to(device)


def log_cosh_quantization(u):
    """hashing/losses/quantization_loss.h: mean log cosh(|u| - 1), stable form."""
    distance = (u.abs() - 1).abs()
    return (distance + torch.log1p(torch.exp(-2 * distance))).mean() - math.log(2)


def update_codes(codes, sample_codes, sample_indices, sample_labels, labels, gamma,
                 block_rows=8192):
    """ADSH's discrete update of V in place (hashing/adsh_code_update.h)."""
    n, bits = codes.shape
    similar = sum((sample_labels[:, None] == labels[None, start:start + block_rows]).sum()
                  for start in range(0, n, block_rows)).double()
    total = sample_labels.numel() * n
    ratio = (similar / (total - similar)).item() if total > similar else 0.0
    u_bar = torch.zeros_like(codes)
    u_bar[sample_indices] = sample_codes
    q = torch.empty_like(codes)
    for start in range(0, n, block_rows):
        block = soft_similarity(sample_labels, labels[start:start + block_rows], ratio)
        q[start:start + block_rows] = (-2.0 * bits * (block.t() @ sample_codes)
                                       - 2.0 * gamma * u_bar[start:start + block_rows])
    gram = sample_codes.t() @ sample_codes
    for k in range(bits):  # V[:,k] = -sign(2 V[:,not k] W[not k,k] + Q[:,k]), sign(0) = +1
        others = codes @ gram[:, k] - codes[:, k] * gram[k, k]
        codes[:, k] = torch.where(2 * others + q[:, k] >= 0, -1.0, 1.0)


def mean_average_precision(query_codes, query_labels, database_codes, database_labels,
                           batch=250):
    """mAP@all (hashing/metrics.h): per query the database ranked by Hamming distance, ties in
    database order; AP = (1/R) sum over relevant ranks p of (relevant within p) / p."""
    bits = query_codes.shape[1]
    ranks = torch.arange(1, database_codes.shape[0] + 1, device=database_codes.device).double()
    total = 0.0
    for start in range(0, query_codes.shape[0], batch):
        codes = query_codes[start:start + batch]
        distance = 0.5 * (bits - codes @ database_codes.t())
        order = torch.sort(distance, dim=1, stable=True).indices
        relevant = (database_labels[order] == query_labels[start:start + batch, None]).double()
        found = relevant.cumsum(1)
        precision_sum = (relevant * found / ranks).sum(1)
        total += (precision_sum / found[:, -1].clamp(min=1)).sum().item()
    return total / query_codes.shape[0]


def train(config, data, device, log):
    """The rounds; returns the network and V."""
    train_x, train_y, _, _ = data
    n = train_x.shape[0]
    bits, batch_size = config["bits"], config["batch_size"]
    gamma = config["asymmetric_quantization_weight"]  # ADSH's gamma
    torch.manual_seed(config["seed"])
    network = hash_network("cnn5", 1, 28, "mixed", bits).to(device).train()
    optimizer = torch.optim.Adam(network.parameters(), lr=config["learning_rate"])
    codes = torch.randn(n, bits, device=device).ge(0).float() * 2 - 1
    for round_index in range(config["rounds"]):
        started = time.monotonic()
        sample = torch.randperm(n, device=device)[:config["sample_size"]]
        sample_labels = train_y[sample]
        sample_codes = torch.zeros(sample.numel(), bits, device=device)
        loss_sum = torch.zeros((), device=device)
        for _ in range(config["epochs_per_round"]):
            for positions in torch.randperm(sample.numel(), device=device).split(batch_size):
                items = sample[positions]
                u = network(train_x[items])
                loss = (config["asymmetric_weight"]
                        * adsh_loss(u, codes, soft_similarity(train_y[items], train_y), items, gamma)
                        + config["quantization_weight"] * log_cosh_quantization(u))
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                sample_codes[positions] = u.detach()
                loss_sum += loss.detach() * positions.numel()
        update_codes(codes, sample_codes, sample, sample_labels, train_y, gamma)
        mean_loss = loss_sum.item() / (sample.numel() * config["epochs_per_round"])
        seconds = time.monotonic() - started
        log.append({"round": round_index + 1, "loss": mean_loss, "seconds": seconds})
        print(f"round {round_index + 1}/{config['rounds']}  loss {mean_loss:.4f}  "
              f"{seconds:.1f} s", flush=True)
    return network, codes


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default=os.path.join(ROOT, "configs",
                                                         "attention_adsh_fmnist.conf"))
    parser.add_argument("--rounds", type=int, help="instead of the config's")
    parser.add_argument("--max-query", type=int, help="only the first N queries")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu",
                        choices=["cuda", "cpu"])
    parser.add_argument("--threads", type=int, help="CPU threads (torch.set_num_threads)")
    parser.add_argument("--out")
    args = parser.parse_args()
    started = time.monotonic()
    config = read_config(args.config)
    if args.rounds is not None:
        if args.rounds < 1:
            fail("--rounds must be at least 1")
        config["rounds"] = args.rounds
    device = torch.device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)
    enable_tf32()  # as hashgrad's default on the GPU

    data = fashion_mnist(device)
    log = []
    network, codes = train(config, data, device, log)
    _, train_y, test_x, test_y = data
    if args.max_query:
        test_x, test_y = test_x[:args.max_query], test_y[:args.max_query]
    network.eval()
    with torch.no_grad():
        query_codes = torch.cat([network(images) for images in test_x.split(1000)])
    query_codes = torch.where(query_codes >= 0, 1.0, -1.0)
    map_all = mean_average_precision(query_codes, test_y, codes, train_y)
    seconds = time.monotonic() - started

    gpu = torch.cuda.get_device_name(device) if device.type == "cuda" else "none"
    slug = device_slug(gpu) if device.type == "cuda" else "cpu"
    out = args.out or os.path.join(ROOT, "runs", "peer", f"pytorch-adsh-{slug}.json")
    write_report(out, {
        "benchmark": "adsh-reference-pytorch", "device": slug, "gpu": gpu,
        "cpu_threads": torch.get_num_threads(), "pytorch": torch.__version__,
        "git_commit": git_commit(), "date": utc_date(), "config": config,
        "rounds": config["rounds"], "queries": query_codes.shape[0], "map_all": map_all,
        "seconds": seconds, "round_log": log})
    print(f"mAP@all {map_all:.4f} ({query_codes.shape[0]} queries)  {seconds:.1f} s\nwrote {out}")


if __name__ == "__main__":
    main()
