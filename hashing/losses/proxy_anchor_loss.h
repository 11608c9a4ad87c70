// Proxy-Anchor loss (Kim, Kim, Cho & Kwak, "Proxy Anchor Loss for Deep Metric Learning",
// CVPR 2020, eq. 4): DAHP's anchor term (DESIGN §8; DAHP's own is not public). One learnable
// proxy per class stands in for the class; each proxy pulls the batch's codes of its class and
// pushes the others, every code weighted by how hard it is (the softplus of a log-sum-exp).
#pragma once

#include "tensor/tensor.h"

namespace hg::hashing {

// Codes u [n, c] and proxies P [C, c] (both differentiable), multi-hot labels y [n, C]:
//
//   s(x, p) = cos(u_x, P_p)
//   L = (1/|P⁺|) Σ_{p∈P⁺} log(1 + Σ_{x∈X_p⁺} e^{−α(s(x,p) − δ)})
//     + (1/|P|)  Σ_{p∈P}  log(1 + Σ_{x∈X_p⁻} e^{ α(s(x,p) + δ)})
//
// X_p⁺ = the samples labelled p (y_xp = 1), X_p⁻ the rest, P⁺ the proxies with at least one
// sample in the batch, |P| = C. A sample with several labels is a positive of each of their
// proxies. Since |s| ≤ 1 the exponents stay below α(1 + δ) = 35.2 for the defaults, far from
// overflow in f32, so the sums are taken directly (as the authors' code does).
Tensor proxy_anchor_loss(const Tensor& codes, const Tensor& labels, const Tensor& proxies,
                         double alpha = 32, double delta = 0.1);

// Fresh proxies [C, c] that require a gradient, initialised as the authors' code does
// (kaiming_normal_, mode fan_out: normal with std √(2/C)) from the global generator of
// tensor/random.h. Hand them to the optimizer with the model's parameters; the authors train
// them with 100× the model's learning rate.
Tensor proxy_anchor_proxies(int64_t num_classes, int64_t bits, DType dtype = DType::f32,
                            Device device = Device::cpu);

}  // namespace hg::hashing
