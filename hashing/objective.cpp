// The loss composition (see objective.h).
#include "hashing/objective.h"

#include "autograd/ops.h"
#include "autograd/softmax.h"
#include "hashing/losses.h"
#include "hashing/similarity.h"
#include "tensor/ops.h"

namespace hg::hashing {

HashObjective::HashObjective(ObjectiveConfig config, int64_t bits, int64_t num_classes,
                             bool multi_label, Device device)
    : config_(config), multi_label_(multi_label) {
  HG_CHECK(config.quantization_kind == "sign" || config.quantization_kind == "cubic" ||
               config.quantization_kind == "logcosh",
           "quantization kind '", config.quantization_kind, "' is not one of sign, cubic, logcosh");
  if (config.cosine_margin_weight > 0 || config.polarization_weight > 0 ||
      config.central_weight > 0)
    class_codes_ = class_codes(num_classes, bits, config.seed, DType::f32, device);
  if (config.proxy_anchor_weight > 0) {
    proxies_ = proxy_anchor_proxies(num_classes, bits, DType::f32, device);
  }
}

std::vector<Tensor> HashObjective::parameters() const {
  return proxies_.defined() ? std::vector<Tensor>{proxies_} : std::vector<Tensor>{};
}

std::map<std::string, Tensor> HashObjective::state_dict() const {
  std::map<std::string, Tensor> state;
  if (proxies_.defined()) state["proxies"] = proxies_;
  return state;
}

Tensor HashObjective::loss(const HashOutput& output, const Tensor& labels, const PairContext& pairs,
                           std::map<std::string, Tensor>* parts) const {
  Tensor u = config_.straight_through ? sign(output.relaxed) : output.relaxed;
  Tensor total;
  auto add = [&](const char* name, double weight, const Tensor& term) {
    Tensor weighted = term * weight;
    total = total.defined() ? total + weighted : weighted;
    if (parts) (*parts)[name] = term.detach();
  };
  if (config_.asymmetric_weight > 0) {
    Tensor s01 = similarity(labels, pairs.labels);
    Tensor s = soft_similarity(s01, imbalance_ratio(s01));
    add("asymmetric", config_.asymmetric_weight,
        adsh_loss(u, pairs.codes, s, pairs.indices, config_.asymmetric_quantization_weight));
  }
  if (config_.pairwise_weight > 0)
    add("pairwise", config_.pairwise_weight,
        pairwise_likelihood_loss(u, pairs.codes, similarity(labels, pairs.labels)));
  if (config_.classification_weight > 0) {
    HG_CHECK(output.logits.defined(), "the classification term needs a model with a classifier");
    add("classification", config_.classification_weight,
        multi_label_ ? binary_cross_entropy_with_logits(output.logits, labels)
                     : cross_entropy(output.logits, ops::argmax(labels, 1)));
  }
  if (config_.cosine_margin_weight > 0)
    add("cosine_margin", config_.cosine_margin_weight,
        cosine_margin_loss(u, labels, class_codes_, config_.cosine_scale, config_.cosine_margin,
                           multi_label_));
  if (config_.polarization_weight > 0 || config_.central_weight > 0) {
    Tensor targets = label_targets(labels, class_codes_, config_.seed);
    if (config_.polarization_weight > 0)
      add("polarization", config_.polarization_weight,
          polarization_loss(u, targets, config_.polarization_margin));
    if (config_.central_weight > 0)
      add("central", config_.central_weight,
          central_similarity_loss(u, targets, config_.central_quantization_weight));
  }
  if (config_.proxy_anchor_weight > 0)
    add("proxy_anchor", config_.proxy_anchor_weight,
        proxy_anchor_loss(u, labels, proxies_, config_.proxy_alpha, config_.proxy_delta));
  if (config_.quantization_weight > 0) {
    const std::string& kind = config_.quantization_kind;
    add("quantization", config_.quantization_weight,
        kind == "sign"    ? sign_quantization_loss(output.relaxed)
        : kind == "cubic" ? cubic_quantization_loss(output.relaxed)
                          : log_cosh_quantization_loss(output.relaxed));
  }
  if (config_.balance_weight > 0) add("balance", config_.balance_weight, bit_balance_loss(u));
  HG_CHECK(total.defined(),
           "the objective has no term with a positive weight; set at least one "
           "of the loss weights in the config");
  return total;
}

}  // namespace hg::hashing
