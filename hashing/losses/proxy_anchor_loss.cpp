// Proxy-Anchor loss (see proxy_anchor_loss.h): a composition of differentiable ops.
#include "hashing/losses/proxy_anchor_loss.h"

#include <algorithm>
#include <cmath>

#include "autograd/elementwise.h"
#include "autograd/reduce.h"
#include "hashing/losses/argument_checks.h"
#include "hashing/losses/cosine_margin_loss.h"
#include "tensor/elementwise.h"
#include "tensor/random.h"
#include "tensor/reduce.h"

namespace hg::hashing {

Tensor proxy_anchor_loss(const Tensor& codes, const Tensor& labels, const Tensor& proxies,
                         double alpha, double delta) {
  detail::check_codes(codes, "proxy_anchor_loss");
  detail::check_matrix(proxies, "proxies", -1, codes.size(1), codes, "proxy_anchor_loss");
  int64_t classes = proxies.size(0);
  detail::check_matrix(labels, "labels", codes.size(0), classes, codes, "proxy_anchor_loss");
  Tensor cosine = cosine_similarity_matrix(codes, proxies);  // [n, C]
  Tensor positive_sums = sum(labels * exp(-alpha * (cosine - delta)), {0});
  Tensor negative_sums = sum((1.0 - labels) * exp(alpha * (cosine + delta)), {0});
  // A proxy without positives adds log(1 + 0) = 0 to the first sum; only the count needs them.
  Tensor has_positive = ops::binary(BinaryOp::gt, ops::sum(labels, {0}),
                                    Tensor::scalar(0, labels.dtype(), labels.device()));
  double with_positives = ops::sum(has_positive).to(DType::f64).item<double>();
  return sum(log(1.0 + positive_sums)) / std::max(with_positives, 1.0) +
         sum(log(1.0 + negative_sums)) / double(classes);
}

Tensor proxy_anchor_proxies(int64_t num_classes, int64_t bits, DType dtype, Device device) {
  HG_CHECK(num_classes > 0 && bits > 0, "proxy_anchor_proxies: need num_classes > 0 and ",
           "bits > 0, got ", num_classes, " and ", bits);
  Tensor proxies =
      ops::normal({num_classes, bits}, 0, std::sqrt(2.0 / double(num_classes)), dtype, device);
  return proxies.set_requires_grad(true);
}

}  // namespace hg::hashing
