"""hashgrad's networks and ADSH loss in plain PyTorch, for the benchmarks that run PyTorch beside
hashgrad (bench/torch_peer.py, bench/torch_adsh_reference.py).

The backbones are the PyTorch references of tests/fixtures (fixtures_cnn.py: torchvision's
layouts with hashgrad's small-input variants and attention blocks; fixtures_swin.py: timm 0.6's
Swin with the channel-attention branch), which the layer tests already hold to hashgrad's
structure, names and outputs; swin_tiny without that branch is timm's own
swin_tiny_patch4_window7_224 where timm is installed (it is PyTorch's best Swin: fused attention).
"""
import os
import sys

import torch
from torch import nn

from bench_report import ROOT

sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
import fixtures_cnn  # noqa: E402
import fixtures_swin  # noqa: E402

try:
    import timm
except ImportError:
    timm = None


class HashNetwork(nn.Module):
    """hashgrad's HashModel (hashing/hash_model.h): features -> Linear -> tanh, the relaxed
    codes u."""

    def __init__(self, backbone, feature_dim, bits):
        super().__init__()
        self.backbone = backbone
        self.hash_layer = nn.Linear(feature_dim, bits)

    def forward(self, images):
        return torch.tanh(self.hash_layer(self.backbone(images)))


class Float32LayerNorm(nn.LayerNorm):
    """LayerNorm that normalizes in f32, what autocast does on a GPU (layer_norm is on CUDA
    autocast's f32 list) and what hashgrad's bf16 policy does. PyTorch 1.13's CPU autocast
    lists no layer_norm, and its CPU kernel refuses a bf16 input (a Linear's or a convolution's
    autocast output) with f32 weights ("expected scalar type BFloat16 but found Float"), so the
    cast is written out here; on an f32 input it copies nothing."""

    def forward(self, x):
        return super().forward(x.float())


class SwinFeatures(nn.Module):
    """The reference Swin's pooled features (its forward_features) as forward."""

    def __init__(self, swin):
        super().__init__()
        self.swin = swin

    def forward(self, images):
        return self.swin.forward_features(images)


def swin_backbone(name, image_size, mixed_attention):
    """swin_tiny and swin_micro as layers/models/swin.h configures them, with LayerNorms that
    run in f32 under bf16 autocast on the CPU too."""
    if name == "swin_tiny":
        return fixtures_swin.SwinTransformer(img_size=image_size, num_classes=0,
                                             mixed_attention=mixed_attention,
                                             norm_layer=Float32LayerNorm)
    window = 4 if (image_size // 2) % 4 == 0 else 7  # 28x28: a 14x14 map, which 4 does not tile
    return fixtures_swin.SwinTransformer(img_size=image_size, patch_size=2, num_classes=0,
                                         embed_dim=48, depths=(2, 2), num_heads=(3, 6),
                                         window_size=window, mixed_attention=mixed_attention,
                                         norm_layer=Float32LayerNorm)


def backbone(name, channels, image_size, attention):
    """make_backbone (layers/models/backbone.h) in PyTorch: images -> features."""
    if name.startswith("swin"):
        return SwinFeatures(swin_backbone(name, image_size, attention == "mixed"))
    return fixtures_cnn.make_backbone(name, channels, image_size, attention)


def feature_width(module, channels, image_size):
    module.eval()
    with torch.no_grad():
        width = module(torch.zeros(1, channels, image_size, image_size)).shape[1]
    module.train()
    return width


def hash_network(name, channels, image_size, attention, bits):
    features = backbone(name, channels, image_size, attention)
    return HashNetwork(features, feature_width(features, channels, image_size), bits)


def classifier_network(name, channels, image_size, attention, classes):
    """Backbone and a Linear to `classes` logits; timm's model for plain swin_tiny when timm is
    installed. Returns the network and what implements it."""
    if name == "swin_tiny" and attention == "none" and timm is not None:
        network = timm.create_model("swin_tiny_patch4_window7_224", pretrained=False,
                                    num_classes=classes, img_size=image_size)
        return network, f"timm {timm.__version__} swin_tiny_patch4_window7_224"
    features = backbone(name, channels, image_size, attention)
    width = feature_width(features, channels, image_size)
    return nn.Sequential(features, nn.Linear(width, classes)), implementation(name)


def implementation(name):
    if name.startswith("swin"):
        return "torch.nn, timm 0.6's Swin layout (tests/fixtures/fixtures_swin.py)"
    return "torch.nn, torchvision's layout (tests/fixtures/fixtures_cnn.py)"


def enable_tf32():
    """TF32 for matrix products, as hashgrad's tf32 mode, beside cuDNN's convolutions, where
    PyTorch has it on by default. PyTorch 2.9 brought a new API and raises when code mixes it
    with the old one (its compiler reads the new), so the new one where it exists. Returns the
    settings, as the API in use reads them."""
    matmul = torch.backends.cuda.matmul
    try:
        matmul.fp32_precision = "tf32"
        return {"matmul": matmul.fp32_precision,
                "cudnn_conv": torch.backends.cudnn.conv.fp32_precision}
    except (AssertionError, AttributeError):  # "Unknown attribute": before PyTorch 2.9
        pass
    matmul.allow_tf32 = True
    return {"matmul": "tf32" if matmul.allow_tf32 else "ieee",
            "cudnn_conv": "tf32" if torch.backends.cudnn.allow_tf32 else "ieee"}


def parameter_count(module):
    return sum(parameter.numel() for parameter in module.parameters())


def adsh_loss(u, database_codes, similarity, indices, gamma):
    """hashing/losses/adsh_loss.h: (sum (u V^T - c S)^2 + gamma sum ||V[idx] - u||^2) / (n b)."""
    bits, database, batch = u.shape[1], database_codes.shape[0], u.shape[0]
    fit = u @ database_codes.t() - similarity * bits
    tie = database_codes[indices] - u
    return ((fit * fit).sum() + gamma * (tie * tie).sum()) / (database * batch)


def soft_similarity(labels_a, labels_b, ratio=None):
    """hashing/similarity.h for class ids: 1 where the classes agree, -r elsewhere, with r =
    #similar / #dissimilar of this block unless given (a tensor, so the GPU need not wait)."""
    similar = (labels_a[:, None] == labels_b[None, :]).float()
    if ratio is None:
        count = similar.sum()
        ratio = count / (similar.numel() - count).clamp(min=1)
    return similar * (1 + ratio) - ratio
