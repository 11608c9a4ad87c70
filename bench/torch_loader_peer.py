#!/usr/bin/python3
"""PyTorch's side of the JPEG loader benchmark (bench/jpeg_loader_bench.cpp): the same JPEGs, the
same training transforms, the same batch size and number of workers, through
torch.utils.data.DataLoader (worker processes, shuffled), in two ways torchvision users load
images:
  PIL             PIL.Image.open(path).convert("RGB"), then RandomResizedCrop(224),
                  RandomHorizontalFlip(), ToTensor(), Normalize(ImageNet)
  decode_jpeg     torchvision.io.decode_jpeg(torchvision.io.read_file(path)) (libjpeg, on the
                  CPU), then the same transforms on the uint8 tensor, ConvertImageDtype(float)
                  and Normalize
Each is timed over whole epochs (the best of --epochs, after the workers have started). The rows
are added to hashgrad's report (--report, written by bench_jpeg_loader_bench), whose settings
say which files, batch and workers to use, and bench/results/loader-jpeg-<device>.md gets the
table: images per second and hashgrad's rate over each.

    bench/torch_loader_peer.py --report bench/results/loader-jpeg-cpu.json
"""
import argparse
import json
import os
import sys
import time

import torch
import torchvision
from PIL import Image
from torchvision import transforms

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_report  # noqa: E402

MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


class JpegList(torch.utils.data.Dataset):
    """The images and labels of hashgrad's list file, read by `how`."""

    def __init__(self, list_path, how):
        folder = os.path.dirname(list_path)
        with open(list_path) as lines:
            entries = [line.split() for line in lines if line.strip()]
        self.items = [(os.path.join(folder, path), int(label)) for path, label in entries]
        self.how = how
        if how == "PIL":
            self.transform = transforms.Compose([
                transforms.RandomResizedCrop(224), transforms.RandomHorizontalFlip(),
                transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
        else:
            self.transform = transforms.Compose([
                transforms.RandomResizedCrop(224), transforms.RandomHorizontalFlip(),
                transforms.ConvertImageDtype(torch.float32), transforms.Normalize(MEAN, STD)])

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        path, label = self.items[index]
        if self.how == "PIL":
            with Image.open(path) as image:
                picture = image.convert("RGB")
        else:
            picture = torchvision.io.decode_jpeg(torchvision.io.read_file(path))
        return self.transform(picture), label


def rate(list_path, how, workers, batch, epochs):
    loader = torch.utils.data.DataLoader(JpegList(list_path, how), batch_size=batch, shuffle=True,
                                         num_workers=workers, persistent_workers=True)
    iterator_warm = iter(loader)  # starts the worker processes outside the timed epochs
    next(iterator_warm)
    del iterator_warm
    best = 0.0
    for _ in range(epochs):
        start = time.perf_counter()
        images = sum(images.shape[0] for images, _ in loader)
        best = max(best, images / (time.perf_counter() - start))
    return best


def markdown(report):
    s = report["settings"]
    lines = [f"# JPEG loader: {s['images']} JPEGs of {s['image_size']} to {s['output']}, "
             f"{s['workers']} workers",
             "",
             f"{report['cpu']}; GPU: {report['gpu']}; commit {report['git_commit']}; "
             f"{report['date']}; load average before {report['load_average_before']}, after "
             f"{report['load_average_after']}.",
             "",
             f"Transforms: {s['transforms']}; batch {s['batch']}; best of {s['epochs_timed']} "
             "epochs. PyTorch " + report["pytorch_versions"] + ".",
             "",
             "| loader | images/s | hashgrad (first row) / this |",
             "|---|---:|---:|"]
    first = report["hashgrad"][0]["images_per_second"]
    for row in report["hashgrad"] + report["pytorch"]:
        lines.append(f"| {row['name']} | {row['images_per_second']:.0f} | "
                     f"{first / row['images_per_second']:.2f} |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--report", required=True,
                        help="bench_jpeg_loader_bench's loader-jpeg-<device>.json")
    arguments = parser.parse_args()
    try:
        with open(arguments.report) as file:
            report = json.load(file)
    except (OSError, ValueError) as error:
        bench_report.fail(f"--report {arguments.report}: {error} (run bench_jpeg_loader_bench "
                          "first)")
    s = report["settings"]
    torch.set_num_threads(1)  # the workers do the work, as hashgrad's loader threads do
    rows = []
    for how, name in (("PIL", "PyTorch DataLoader, PIL + torchvision transforms"),
                      ("decode_jpeg", "PyTorch DataLoader, torchvision.io.decode_jpeg + "
                                      "tensor transforms")):
        images_per_second = rate(s["list"], how, s["workers"], s["batch"], s["epochs_timed"])
        print(f"{name:60s} {images_per_second:8.0f} images/s")
        rows.append({"name": name, "images_per_second": images_per_second})
    report["pytorch"] = rows
    report["pytorch_versions"] = f"{torch.__version__}, torchvision {torchvision.__version__}"
    report["load_average_after"] = bench_report.load_average()
    bench_report.write_report(arguments.report, report)
    markdown_path = os.path.splitext(arguments.report)[0] + ".md"
    temporary = markdown_path + ".tmp"
    with open(temporary, "w") as file:
        file.write(markdown(report))
    os.replace(temporary, markdown_path)
    print(f"wrote {arguments.report} and {markdown_path}")


if __name__ == "__main__":
    main()
