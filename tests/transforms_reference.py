#!/usr/bin/python3
"""torchvision's side of tests/transforms_torchvision_test.cpp: the deterministic transforms of
torchvision.transforms.functional on a fixed uint8 image, which hashgrad's CPU references must
reproduce.

    /usr/bin/python3 tests/transforms_reference.py OUTPUT.safetensors

The image is 37 x 53 x 3 (HWC, odd sizes so that centre crops round halves) of smooth gradients
plus seeded noise. Every output is torchvision 0.14's on the uint8 CHW tensor (antialias off, as
tensors are resized by default there), stored back as HWC uint8, or f32 CHW for "normalize":
  resize_shorter_20   F.resize(img, 20)             (shorter side 20: 20 x 28)
  resize_60x45        F.resize(img, [60, 45])       (upsampling)
  center_crop_20x30   F.center_crop(img, [20, 30])  (top round(8.5) = 8, left round(11.5) = 12)
  center_crop_26x16   F.center_crop(img, [26, 16])  (top round(5.5) = 6, left round(18.5) = 18)
  resized_crop        F.resized_crop(img, 3, 5, 21, 30, [24, 24])
  brightness_0.6, contrast_1.5, saturation_0.3, hue_0.2, hue_-0.45: F.adjust_* with that factor
  normalize           F.normalize(img / 255, ImageNet's mean and std)
"""
import pathlib
import sys

import torch
import torchvision.transforms.functional as F

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "scripts"))
from convert_weights import write_safetensors  # noqa: E402


def fixed_image():
    generator = torch.Generator().manual_seed(5)
    y = torch.arange(37, dtype=torch.float32).view(37, 1, 1)
    x = torch.arange(53, dtype=torch.float32).view(1, 53, 1)
    channel = torch.tensor([1.0, 2.0, 3.0]).view(1, 1, 3)
    smooth = 127 + 100 * torch.sin(0.11 * channel * x + 0.07 * y * (4 - channel))
    noise = torch.randint(-40, 41, (37, 53, 3), generator=generator).float()
    return (smooth + noise).clamp(0, 255).to(torch.uint8)


def main(output):
    hwc = fixed_image()
    chw = hwc.permute(2, 0, 1).contiguous()
    as_hwc = lambda tensor: tensor.permute(1, 2, 0).contiguous()  # noqa: E731
    results = {
        "image": hwc,
        "resize_shorter_20": F.resize(chw, 20),
        "resize_60x45": F.resize(chw, [60, 45]),
        "center_crop_20x30": F.center_crop(chw, [20, 30]),
        "center_crop_26x16": F.center_crop(chw, [26, 16]),
        "resized_crop": F.resized_crop(chw, 3, 5, 21, 30, [24, 24]),
        "brightness_0.6": F.adjust_brightness(chw, 0.6),
        "contrast_1.5": F.adjust_contrast(chw, 1.5),
        "saturation_0.3": F.adjust_saturation(chw, 0.3),
        "hue_0.2": F.adjust_hue(chw, 0.2),
        "hue_-0.45": F.adjust_hue(chw, -0.45),
    }
    results = {name: tensor if name == "image" else as_hwc(tensor)
               for name, tensor in results.items()}
    results["normalize"] = F.normalize(chw.float() / 255, [0.485, 0.456, 0.406],
                                       [0.229, 0.224, 0.225])
    write_safetensors(output, results, {"torchvision": __import__("torchvision").__version__})


if __name__ == "__main__":
    main(sys.argv[1])
