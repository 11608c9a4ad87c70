// The attention blocks a backbone can carry after its last convolutional stage, by name, so a
// config or the command line picks one with a string:
//   "none"   no block
//   "cbam"   CBAM (layers/attention/cbam.h), AM-VGGH's block
//   "mixed"  attention-ADSH's semantic-guided mixed attention: CBAM with average+max descriptor
//            fusion (DESIGN §8), the same module as "cbam" under the paper's name
//   "se"     squeeze-and-excitation (layers/attention/squeeze_excitation.h)
//   "dual"   DANet's position + channel attention (layers/attention/dual_attention.h), DAHP's
// All keep the feature map's shape [N, C, H, W].
#pragma once

#include <memory>
#include <string>

#include "layers/module.h"

namespace hg {

enum class AttentionKind { none, cbam, mixed, se, dual };

// Throws, listing the known names, for any other string.
AttentionKind parse_attention_kind(const std::string& name);
const char* attention_kind_name(AttentionKind kind);

// The block for a map of `channels` channels with each paper's defaults (reduction 16, 7×7
// spatial kernel); null for AttentionKind::none, so a backbone without attention registers
// nothing and keeps torchvision's state-dict names.
std::shared_ptr<Module> make_attention(AttentionKind kind, int64_t channels);

// The input check every block shares: a defined [N, C, H, W] map with C = `channels`, or any C
// when `channels` is -1 (a block without weights over channels). `module` names the block.
void check_feature_map(const Tensor& input, int64_t channels, const char* module);

}  // namespace hg
