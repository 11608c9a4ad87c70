// Attention blocks by name (see attention.h).
#include "layers/attention/attention.h"

#include "layers/attention/cbam.h"
#include "layers/attention/dual_attention.h"
#include "layers/attention/squeeze_excitation.h"

namespace hg {

namespace {

constexpr AttentionKind kAllKinds[] = {AttentionKind::none, AttentionKind::cbam,
                                       AttentionKind::mixed, AttentionKind::se,
                                       AttentionKind::dual};

}  // namespace

const char* attention_kind_name(AttentionKind kind) {
  switch (kind) {
    case AttentionKind::none:
      return "none";
    case AttentionKind::cbam:
      return "cbam";
    case AttentionKind::mixed:
      return "mixed";
    case AttentionKind::se:
      return "se";
    case AttentionKind::dual:
      return "dual";
  }
  throw Error("attention_kind_name: invalid AttentionKind value");
}

AttentionKind parse_attention_kind(const std::string& name) {
  std::string known;
  for (AttentionKind kind : kAllKinds) {
    if (name == attention_kind_name(kind)) return kind;
    known += known.empty() ? "" : ", ";
    known += attention_kind_name(kind);
  }
  throw Error("unknown attention '" + name + "'; known: " + known);
}

std::shared_ptr<Module> make_attention(AttentionKind kind, int64_t channels) {
  switch (kind) {
    case AttentionKind::none:
      return nullptr;
    case AttentionKind::cbam:
    case AttentionKind::mixed:
      return std::make_shared<Cbam>(channels);
    case AttentionKind::se:
      return std::make_shared<SqueezeExcitation>(channels);
    case AttentionKind::dual:
      return std::make_shared<DualAttention>(channels);
  }
  throw Error("make_attention: invalid AttentionKind value");
}

void check_feature_map(const Tensor& input, int64_t channels, const char* module) {
  check_defined(input, module);
  HG_CHECK(input.dim() == 4, module, ": expected a feature map [N, C, H, W], got ",
           input.description());
  HG_CHECK(channels < 0 || input.size(1) == channels, module, ": input ", input.description(),
           " has ", input.size(1), " channels, the module was made for ", channels);
}

}  // namespace hg
