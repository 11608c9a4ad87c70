#!/usr/bin/python3
"""Turns torchvision or timm weights into the safetensors file hashgrad's `pretrained` key reads.

    scripts/convert_weights.py INPUT OUTPUT [--model NAME] [--image-size 224] [--trust-pickle]

It needs PyTorch (Debian: python3-torch; timm and torchvision are not needed).

INPUT is a PyTorch checkpoint (.pth/.pt: torch.save of a state_dict, of a dict that holds one
under "state_dict", "model", "model_state_dict", "module" or "net", or, with --trust-pickle, of a
whole model) or a .safetensors file (timm's files on the Hugging Face hub), in the names of
  torchvision  resnet18, vgg16, vgg16_bn, alexnet, swin_t
  timm         swin_tiny_patch4_window7_224: timm 0.6 and the original Microsoft checkpoints,
               and timm >= 0.9 (which moved each PatchMerging to the start of the next stage)
  hashgrad     the names below, as a hashgrad checkpoint's backbone has them.
The prefixes that wrappers add ("module." of DataParallel, "model.", "backbone.") are stripped.

OUTPUT holds the same tensors in hashgrad's names (Module::state_dict of layers/models/*):
torchvision's for the CNNs, timm 0.6's for Swin-T. Floating tensors are written as f32, integer
buffers as i64. The classifier's last layer (fc, classifier.6, head) is kept under its name;
hashgrad's backbones leave it out, and loading reports it as skipped.

Every tensor's new name is printed. A tensor that has no place in the model is refused: the
script names every such tensor and writes nothing. Buffers that are functions of the
architecture are filled in when the input lacks them, and said so: BatchNorm's
num_batches_tracked (0, as torch does for checkpoints older than torch 0.4.1), Swin's
relative_position_index (which torchvision also keeps flattened: it is reshaped to [N, N]) and
the shifted-window attn_mask, which depends on the input size (--image-size, 224 by default).

The safetensors file is written by hand (json + struct; the `safetensors` package is not in
Debian): an 8-byte little-endian header length, the JSON header padded with spaces to a multiple
of 8 bytes, then the tensors' little-endian bytes. It goes to OUTPUT.tmp first and is renamed
over OUTPUT only when complete.
"""
import argparse
import json
import os
import re
import struct
import sys

import numpy
import torch

WRAPPER_PREFIXES = ("module.", "model.", "backbone.")
CHECKPOINT_KEYS = ("state_dict", "model", "model_state_dict", "module", "net")
BATCH_NORM = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")


# ---- the models hashgrad can load, by the names of their state dicts -------------------------
# Each returns (backbone names, names of the classifier's last layer that the file may keep).

def resnet18_names():
    names = ["conv1.weight"] + [f"bn1.{entry}" for entry in BATCH_NORM]
    for stage in range(1, 5):
        for block in range(2):
            prefix = f"layer{stage}.{block}."
            for part in ("1", "2"):
                names.append(f"{prefix}conv{part}.weight")
                names += [f"{prefix}bn{part}.{entry}" for entry in BATCH_NORM]
            if stage > 1 and block == 0:
                names.append(f"{prefix}downsample.0.weight")
                names += [f"{prefix}downsample.1.{entry}" for entry in BATCH_NORM]
    return names, ["fc.weight", "fc.bias"]


VGG16_LAYERS = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
                512, 512, 512, "M"]


def vgg16_names(batch_norm):
    names, index = [], 0
    for layer in VGG16_LAYERS:
        if layer == "M":
            index += 1
            continue
        names += [f"features.{index}.weight", f"features.{index}.bias"]
        if batch_norm:
            names += [f"features.{index + 1}.{entry}" for entry in BATCH_NORM]
        index += 3 if batch_norm else 2
    names += [f"classifier.{index}.{entry}" for index in (0, 3) for entry in ("weight", "bias")]
    return names, ["classifier.6.weight", "classifier.6.bias"]


def alexnet_names():
    names = [f"features.{index}.{entry}" for index in (0, 3, 6, 8, 10)
             for entry in ("weight", "bias")]
    names += [f"classifier.{index}.{entry}" for index in (1, 4) for entry in ("weight", "bias")]
    return names, ["classifier.6.weight", "classifier.6.bias"]


SWIN_TINY = {"patch": 4, "depths": (2, 2, 6, 2), "window": 7}


def swin_block_names(prefix, shifted):
    names = [f"{prefix}{part}.{entry}" for part in ("norm1", "attn.qkv", "attn.proj", "norm2",
                                                    "mlp.fc1", "mlp.fc2")
             for entry in ("weight", "bias")]
    names += [f"{prefix}attn.relative_position_bias_table",
              f"{prefix}attn.relative_position_index"]
    return names + ([f"{prefix}attn_mask"] if shifted else [])


def swin_tiny_names(image_size):
    names = [f"patch_embed.{part}.{entry}" for part in ("proj", "norm")
             for entry in ("weight", "bias")]
    side = image_size // SWIN_TINY["patch"]
    for stage, depth in enumerate(SWIN_TINY["depths"]):
        for block in range(depth):
            # timm and torchvision do not shift a window that covers the whole map.
            shifted = block % 2 == 1 and side > SWIN_TINY["window"]
            names += swin_block_names(f"layers.{stage}.blocks.{block}.", shifted)
        if stage + 1 < len(SWIN_TINY["depths"]):
            names += [f"layers.{stage}.downsample.norm.weight",
                      f"layers.{stage}.downsample.norm.bias",
                      f"layers.{stage}.downsample.reduction.weight"]
            side //= 2
    return names + ["norm.weight", "norm.bias"], ["head.weight", "head.bias"]


def model_names(model, image_size):
    return {"resnet18": resnet18_names,
            "vgg16": lambda: vgg16_names(False),
            "vgg16_bn": lambda: vgg16_names(True),
            "alexnet": alexnet_names,
            "swin_tiny": lambda: swin_tiny_names(image_size)}[model]()


# ---- renaming: each layout's rules, first match wins; a name no rule matches stays ------------

def mlp_name(rest):
    # torchvision's MLP is a Sequential (Linear 0, GELU, Dropout, Linear 3, Dropout); 0.13 called
    # the two Linear layers linear_1 and linear_2.
    return re.sub(r"^mlp\.(0|linear_1)\.", "mlp.fc1.",
                  re.sub(r"^mlp\.(3|linear_2)\.", "mlp.fc2.", rest))


def torchvision_swin_rule(match):
    stage_index, rest = int(match.group(1)), match.group(2)
    if stage_index % 2 == 1:  # features.1, 3, 5, 7: the stages' blocks
        block = re.fullmatch(r"(\d+)\.(.+)", rest)
        if block:
            return f"layers.{stage_index // 2}.blocks.{block.group(1)}.{mlp_name(block.group(2))}"
        return None
    if stage_index >= 2:  # features.2, 4, 6: the PatchMerging after stage (k / 2 − 1)
        return f"layers.{stage_index // 2 - 1}.downsample.{rest}"
    return None


RENAMING_RULES = {
    # torchvision swin_t: features.0 = patch embedding (conv, Permute, LayerNorm), then stages
    # and PatchMerging layers alternate: features.1 stage 0, features.2 its merging, ...
    "torchvision swin_t": [
        (r"features\.0\.0\.(.+)", lambda m: f"patch_embed.proj.{m.group(1)}"),
        (r"features\.0\.2\.(.+)", lambda m: f"patch_embed.norm.{m.group(1)}"),
        (r"features\.(\d+)\.(.+)", torchvision_swin_rule),
    ],
    # timm >= 0.9: layers.i.downsample merges stage i − 1's output at the start of stage i, and
    # the classifier is head.fc.
    "timm >= 0.9 swin": [
        (r"layers\.(\d+)\.downsample\.(.+)",
         lambda m: f"layers.{int(m.group(1)) - 1}.downsample.{m.group(2)}"),
        (r"head\.fc\.(.+)", lambda m: f"head.{m.group(1)}"),
    ],
    # torchvision's CNN names and timm 0.6's Swin names are hashgrad's.
    "hashgrad": [],
}


def source_layout(names):
    if "features.1.0.attn.qkv.weight" in names:
        return "torchvision swin_t"
    if "layers.1.downsample.reduction.weight" in names and \
            "layers.0.downsample.reduction.weight" not in names:
        return "timm >= 0.9 swin"
    return "hashgrad"


def rename(name, layout):
    for pattern, rule in RENAMING_RULES[layout]:
        match = re.fullmatch(pattern, name)
        if match:
            return rule(match)
    return name


def detect_model(state):
    if "features.1.0.attn.qkv.weight" in state or "layers.0.blocks.0.attn.qkv.weight" in state:
        return "swin_tiny"
    if "layer1.0.conv1.weight" in state:
        return "resnet18"
    first = state.get("features.0.weight")
    if first is not None and first.dim() == 4:
        if first.shape[-1] == 11:
            return "alexnet"
        return "vgg16_bn" if "features.1.running_mean" in state else "vgg16"
    raise SystemExit("convert_weights: cannot tell which model these weights are for (first "
                     f"names: {', '.join(list(state)[:5])}); pass --model")


# ---- buffers that are functions of the architecture -------------------------------------------

def relative_position_index(window):
    """[N, N], N = w²: the bias-table row of the offset between tokens p and q of a window."""
    coords = torch.stack(torch.meshgrid(torch.arange(window), torch.arange(window),
                                        indexing="ij")).flatten(1)
    relative = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0) + (window - 1)
    return relative[:, :, 0] * (2 * window - 1) + relative[:, :, 1]


def attention_mask(side, window):
    """[nW, N, N] of 0 / -100 for a side × side map rolled by -window/2 (timm's attn_mask)."""
    shift, region = window // 2, torch.zeros(side, side)
    cuts = (slice(0, -window), slice(-window, -shift), slice(-shift, None))
    for count, (rows, columns) in enumerate((r, c) for r in cuts for c in cuts):
        region[rows, columns] = count
    windows = region.view(side // window, window, side // window, window).permute(0, 2, 1, 3)
    windows = windows.reshape(-1, window * window)
    difference = windows.unsqueeze(1) - windows.unsqueeze(2)
    return torch.where(difference != 0, torch.tensor(-100.0), torch.tensor(0.0))


def derived_buffer(name, image_size):
    """The value of a buffer the architecture determines, or None for a learned tensor."""
    if name.endswith("num_batches_tracked"):
        return torch.tensor(0, dtype=torch.int64)
    if name.endswith("attn.relative_position_index"):
        return relative_position_index(SWIN_TINY["window"])
    stage = re.fullmatch(r"layers\.(\d+)\.blocks\.\d+\.attn_mask", name)
    if stage:
        side = image_size // SWIN_TINY["patch"] // 2 ** int(stage.group(1))
        return attention_mask(side, SWIN_TINY["window"])
    return None


# ---- reading -----------------------------------------------------------------------------------

SAFETENSORS_TO_NUMPY = {"F64": numpy.float64, "F32": numpy.float32, "F16": numpy.float16,
                        "I64": numpy.int64, "I32": numpy.int32, "I16": numpy.int16,
                        "I8": numpy.int8, "U8": numpy.uint8, "BOOL": numpy.bool_}


def read_safetensors(path):
    try:
        with open(path, "rb") as file:
            (length,) = struct.unpack("<Q", file.read(8))
            header = json.loads(file.read(length))
            data = file.read()
    except (OSError, struct.error, ValueError) as error:
        raise SystemExit(f"convert_weights: cannot read '{path}' as safetensors: {error}")
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        chunk = data[begin:end]
        if entry["dtype"] != "BF16" and entry["dtype"] not in SAFETENSORS_TO_NUMPY:
            raise SystemExit(f"convert_weights: '{path}': {name} has dtype {entry['dtype']}, "
                             "which this script does not read")
        if entry["dtype"] == "BF16":  # numpy has no bfloat16: read the bits, view them as one
            array = numpy.frombuffer(chunk, dtype="<i2").copy()
            tensor = torch.from_numpy(array).view(torch.bfloat16)
        else:
            kind = numpy.dtype(SAFETENSORS_TO_NUMPY[entry["dtype"]]).newbyteorder("<")
            tensor = torch.from_numpy(numpy.frombuffer(chunk, dtype=kind).copy())
        tensors[name] = tensor.reshape(entry["shape"])
    return tensors


def is_state_dict(value):
    return isinstance(value, dict) and value and \
        all(isinstance(tensor, torch.Tensor) for tensor in value.values())


def state_dict_of(loaded, path):
    """The tensors of a loaded checkpoint: the object itself, a model's state_dict, or the dict
    under one of CHECKPOINT_KEYS."""
    if isinstance(loaded, torch.nn.Module):
        return loaded.state_dict()
    if is_state_dict(loaded):
        return loaded
    if isinstance(loaded, dict):
        for key in CHECKPOINT_KEYS:
            inner = loaded.get(key)
            if isinstance(inner, torch.nn.Module):
                return inner.state_dict()
            if is_state_dict(inner):
                return inner
    raise SystemExit(f"convert_weights: '{path}' holds no state dict (looked for a dict of "
                     f"tensors, a model, and the keys {', '.join(CHECKPOINT_KEYS)})")


def read_weights(path, trust_pickle):
    if path.endswith(".safetensors"):
        return read_safetensors(path)
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=not trust_pickle)
    except Exception as error:  # torch raises several kinds; each means the same to a user
        hint = "" if trust_pickle else (
            " (if it holds a whole pickled model and you trust where it came from, pass "
            "--trust-pickle)")
        raise SystemExit(f"convert_weights: cannot read '{path}': {error}{hint}")
    return state_dict_of(loaded, path)


def strip_wrapper_prefixes(name):
    while name.startswith(WRAPPER_PREFIXES):
        name = name.split(".", 1)[1]
    return name


# ---- converting and writing --------------------------------------------------------------------

def convert(state, model, image_size):
    """(tensors in hashgrad's names, printed mapping lines, refused source names)"""
    backbone, head = model_names(model, image_size)
    known = set(backbone) | set(head)
    stripped = [(source, strip_wrapper_prefixes(source), tensor) for source, tensor in state.items()]
    layout = source_layout({name for _, name, _ in stripped})
    first = (f"{model}: the names are hashgrad's (torchvision's CNNs, timm 0.6's Swin)"
             if layout == "hashgrad" else f"{model}: {layout} names renamed to hashgrad's")
    out, lines, refused = {}, [first], []
    for source, name, tensor in stripped:
        target = rename(name, layout)
        if target not in known or target in out:
            refused.append(source)
            continue
        note = "" if target in backbone else "  (classifier: hashgrad skips it)"
        if target.endswith("relative_position_index") and tensor.dim() == 1:
            note = f"  (reshaped from torchvision's {list(tensor.shape)})"
            tensor = tensor.reshape(relative_position_index(SWIN_TINY["window"]).shape)
        out[target] = tensor.to(torch.float32 if tensor.is_floating_point() else torch.int64)
        lines.append(f"  {source} -> {target} {list(tensor.shape)}{note}")
    for name in backbone:
        if name not in out:
            value = derived_buffer(name, image_size)
            if value is not None:
                out[name] = value
                lines.append(f"  (computed) -> {name} {list(value.shape)}")
    absent = [name for name in backbone if name not in out]
    if absent:
        lines.append(f"  not in the input ({len(absent)}; loading reports them): "
                     f"{', '.join(absent)}")
    return out, lines, refused


# The dtypes hashgrad's reader takes (tensor/safetensors.h) that torch has.
SAFETENSORS_DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.bfloat16: "BF16",
                      torch.int32: "I32", torch.int64: "I64", torch.uint8: "U8"}


def write_safetensors(path, tensors, metadata):
    """The safetensors layout (see the top of this file); tensors in name order, their bytes as
    this (little-endian) machine holds them. tests/fixtures/make_fixtures.py writes with it too."""
    header, chunks, offset = {}, [], 0
    for name in sorted(tensors):
        tensor = tensors[name].detach().contiguous()
        data = tensor.reshape(-1).view(torch.uint8).numpy().tobytes()
        header[name] = {"dtype": SAFETENSORS_DTYPES[tensor.dtype], "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    temporary = f"{path}.tmp"
    with open(temporary, "wb") as file:
        file.write(struct.pack("<Q", len(text)))
        file.write(text)
        for chunk in chunks:
            file.write(chunk)
    os.replace(temporary, path)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input", help="torchvision/timm checkpoint (.pth, .pt, .safetensors)")
    parser.add_argument("output", help="the safetensors file to write")
    parser.add_argument("--model", choices=["resnet18", "vgg16", "vgg16_bn", "alexnet",
                                            "swin_tiny"],
                        help="hashgrad's backbone (default: told from the names)")
    parser.add_argument("--image-size", type=int, default=224,
                        help="the input size of the Swin the weights are for (its attn_mask)")
    parser.add_argument("--trust-pickle", action="store_true",
                        help="let torch.load unpickle objects other than tensors (a whole model)")
    args = parser.parse_args(argv)

    state = read_weights(args.input, args.trust_pickle)
    model = args.model or detect_model({strip_wrapper_prefixes(k): v for k, v in state.items()})
    if model == "swin_tiny" and args.image_size % (SWIN_TINY["patch"] * 8 * SWIN_TINY["window"]):
        raise SystemExit(f"convert_weights: --image-size {args.image_size}: hashgrad's swin_tiny "
                         "takes sides that are multiples of 224 (every stage's map a multiple "
                         "of the 7 × 7 window)")
    tensors, lines, refused = convert(state, model, args.image_size)
    print("\n".join(lines))
    if refused:
        raise SystemExit(f"convert_weights: {len(refused)} tensors of '{args.input}' have no place "
                         f"in hashgrad's {model}: {', '.join(refused)}; nothing written (is "
                         f"--model right?)")
    write_safetensors(args.output, tensors, {"format": "pt", "model": model,
                                             "source": os.path.basename(args.input)})
    print(f"wrote {args.output}: {len(tensors)} tensors for hashgrad's {model}")


if __name__ == "__main__":
    main(sys.argv[1:])
