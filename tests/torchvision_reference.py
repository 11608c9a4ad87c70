#!/usr/bin/python3
"""torchvision's side of tests/torchvision_parity_test.cpp: one of torchvision's models with
seeded random weights, its checkpoint saved the ways users have them, and its features for two
ImageNet-normalized images. Nothing is downloaded.

    /usr/bin/python3 tests/torchvision_reference.py MODEL FOLDER     MODEL: resnet18 | vgg16 |
                                                                            alexnet | swin_t

Writes into FOLDER the checkpoints the test converts with scripts/convert_weights.py:
  resnet18  resnet18.pth        the state dict as DataParallel saves it ("module." prefixes)
  vgg16     vgg16.pth           a training script's checkpoint: {"state_dict": ..., "epoch": 0}
  alexnet   alexnet.pth         the plain state dict
  swin_t    swin_t.pth          torchvision's names
            swin_t_timm06.pth   {"model": ...} in timm 0.6's names with its buffers (the layout of
                                the original Microsoft checkpoints), made by loading the weights
                                into tests/fixtures/fixtures_swin.py's copy of timm 0.6's Swin
            swin_t_timm.safetensors   timm >= 0.9's names, as its hub files have them: each
                                PatchMerging at the start of the next stage, head.fc, and no
                                relative_position_index or attn_mask
and reference.safetensors: "images" [2, 3, 224, 224] and "features" [2, F], what hashgrad's
backbone must return: torchvision's model in eval mode with the classifier's last layer replaced
by the identity (resnet18: the pooled 512; vgg16: fc7 after ReLU and dropout; alexnet: fc7
after ReLU; swin_t: the pooled 768 after the final LayerNorm).

Weights: every floating tensor is redrawn from one seeded generator, std sqrt(2 / fan_in) for
weights, so that every layer (BatchNorm statistics, biases, Swin's relative position bias
included) changes the features and a tensor loaded into the wrong place shows.
"""
import math
import pathlib
import sys

import torch
import torchvision

HERE = pathlib.Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "scripts"), str(HERE / "fixtures")]
from convert_weights import write_safetensors  # noqa: E402

IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def randomize(model, generator):
    for name, tensor in model.state_dict().items():
        if not tensor.is_floating_point():
            continue
        if name.endswith("running_var") or (tensor.dim() == 1 and name.endswith("weight")):
            values = torch.rand(tensor.shape, generator=generator) + 0.5  # scales in [0.5, 1.5)
        elif tensor.dim() == 1:
            values = (torch.rand(tensor.shape, generator=generator) - 0.5) * 0.4  # biases, means
        else:
            bound = math.sqrt(3 * 2 / (tensor.numel() // tensor.shape[0]))  # std √(2 / fan_in)
            values = (torch.rand(tensor.shape, generator=generator) * 2 - 1) * bound
        tensor.copy_(values)


def timm06_state_dict(swin):
    """torchvision's swin_t weights in fixtures_swin's timm 0.6 Swin, which adds its buffers."""
    from fixtures_swin import SwinTransformer  # the timm 0.6 copy (it imports fixture_registry)

    parts = {"patch_embed.proj": swin.features[0][0], "patch_embed.norm": swin.features[0][2],
             "norm": swin.norm, "head": swin.head}
    for stage in range(4):
        for index, block in enumerate(swin.features[2 * stage + 1]):
            prefix = f"layers.{stage}.blocks.{index}."
            parts.update({prefix + "norm1": block.norm1, prefix + "attn": block.attn,
                          prefix + "norm2": block.norm2, prefix + "mlp.fc1": block.mlp[0],
                          prefix + "mlp.fc2": block.mlp[3]})
        if stage < 3:
            parts[f"layers.{stage}.downsample"] = swin.features[2 * stage + 2]
    state = {f"{prefix}.{name}": tensor for prefix, module in parts.items()
             for name, tensor in module.state_dict().items()
             if name != "relative_position_index"}
    timm = SwinTransformer()
    missing, unexpected = timm.load_state_dict(state, strict=False)
    assert not unexpected and all(name.endswith(("relative_position_index", "attn_mask"))
                                  for name in missing), (missing, unexpected)
    return timm.state_dict()


def timm_hub_state_dict(timm06):
    """timm 0.6's names → timm >= 0.9's."""
    state = {}
    for name, tensor in timm06.items():
        if name.endswith(("relative_position_index", "attn_mask")):
            continue  # non-persistent buffers in timm >= 0.9
        parts = name.split(".")
        if parts[0] == "layers" and parts[2] == "downsample":
            parts[1] = str(int(parts[1]) + 1)
        if parts[0] == "head":
            parts.insert(1, "fc")
        state[".".join(parts)] = tensor
    return state


def main(model_name, folder):
    folder = pathlib.Path(folder)
    generator = torch.Generator().manual_seed(20250118)
    model = getattr(torchvision.models, model_name)()
    with torch.no_grad():
        randomize(model, generator)
    state = model.state_dict()
    if model_name == "resnet18":
        torch.save({"module." + name: tensor for name, tensor in state.items()},
                   folder / "resnet18.pth")
    elif model_name == "vgg16":
        torch.save({"state_dict": state, "epoch": 0}, folder / "vgg16.pth")
    else:
        torch.save(state, folder / f"{model_name}.pth")
    if model_name == "swin_t":
        timm06 = timm06_state_dict(model)
        torch.save({"model": timm06}, folder / "swin_t_timm06.pth")
        write_safetensors(str(folder / "swin_t_timm.safetensors"), timm_hub_state_dict(timm06),
                          {"format": "pt"})

    pixels = torch.randint(0, 256, (2, 3, 224, 224), generator=generator).float() / 255
    images = (pixels - torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)) / \
        torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    if model_name == "resnet18":
        model.fc = torch.nn.Identity()
    elif model_name == "swin_t":
        model.head = torch.nn.Identity()
    else:
        model.classifier[6] = torch.nn.Identity()
    model.eval()
    with torch.no_grad():
        features = model(images)
    write_safetensors(str(folder / "reference.safetensors"),
                      {"images": images, "features": features},
                      {"torch": torch.__version__, "torchvision": torchvision.__version__})


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("resnet18", "vgg16", "alexnet", "swin_t"):
        sys.exit(__doc__.split("\n\n")[1])
    main(*sys.argv[1:])
