// HashObjective: the loss composition of a method (DESIGN §4: a method of the literature is
// backbone × attention × head × loss × training strategy). Each term has a weight; a method's
// config turns on the terms its paper uses:
//
//   L = w_asym·ADSH(u, V, S)            asymmetric: batch against the database codes V
//     + w_pair·DPSH(u, U_bank, S)       pairwise: batch against a bank of training codes
//     + w_cls·CE(classifier(u), y)      label term on the hash layer
//     + w_cos·cosine margin(u, o_y)     DHIH
//     + w_pol·polarization(u, t_y)      DPN / Swin polarization
//     + w_csq·central similarity(u, t_y)
//     + w_pa·Proxy-Anchor(u, y, P)      DAHP
//     + w_q·quantization(u)             sign | cubic | logcosh
//     + w_bal·balance(u)                DBDH / DSBH
//
// With straight_through on, every term sees b = sign(u) with the straight-through gradient
// (DSBH, GreedyHash) instead of u.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "hashing/hash_model.h"

namespace hg::hashing {

struct ObjectiveConfig {
  // The weight of each term (0: the term is off).
  double asymmetric_weight = 0, pairwise_weight = 0, classification_weight = 0,
         cosine_margin_weight = 0, polarization_weight = 0, central_weight = 0,
         proxy_anchor_weight = 0, quantization_weight = 0, balance_weight = 0;
  std::string quantization_kind = "sign";  // sign, cubic, logcosh
  bool straight_through = false;
  // Weights inside a term: ADSH's γ on ‖v − u‖², CSQ's λ on its log-cosh quantization.
  double asymmetric_quantization_weight = 200, central_quantization_weight = 1e-4;
  double cosine_scale = 8, cosine_margin = 0.2;
  double polarization_margin = 1;
  double proxy_alpha = 32, proxy_delta = 0.1;
  uint64_t seed = 0;  // class codes / targets
};

// What the pairwise and asymmetric terms compare the batch against.
struct PairContext {
  Tensor codes;    // [n, c]: the DPSH bank (relaxed codes) or ADSH's V (±1)
  Tensor labels;   // [n, L] multi-hot labels of those rows
  Tensor indices;  // i64 [B]: the batch's rows in `codes` (ADSH's ‖v_idx − u‖² term)
};

class HashObjective {
 public:
  HashObjective(ObjectiveConfig config, int64_t bits, int64_t num_classes, bool multi_label,
                Device device);

  const ObjectiveConfig& config() const { return config_; }
  // Learnable tensors of the loss itself (Proxy-Anchor's proxies), for the optimizer.
  std::vector<Tensor> parameters() const;
  std::map<std::string, Tensor> state_dict() const;

  // The total loss of a batch; `parts` (when given) receives each active term's value as a
  // detached scalar tensor on the loss's device, so a caller can read them all in one copy.
  Tensor loss(const HashOutput& output, const Tensor& labels, const PairContext& pairs,
              std::map<std::string, Tensor>* parts = nullptr) const;

 private:
  ObjectiveConfig config_;
  bool multi_label_;
  Tensor class_codes_;  // [K, c] ±1 targets (cosine margin, polarization, central)
  Tensor proxies_;      // [K, c] Proxy-Anchor
};

}  // namespace hg::hashing
