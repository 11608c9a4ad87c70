// Fuzz target: a CIFAR binary batch, read as CIFAR-10 and as CIFAR-100 (coarse and fine labels),
// both with a record count of its own and with the count the reader expects left open.
#include "data/cifar.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = hg::fuzz::write_file("data_batch_1.bin", data, size);
  using hg::data::CifarVariant;
  for (CifarVariant variant :
       {CifarVariant::cifar10, CifarVariant::cifar100_coarse, CifarVariant::cifar100_fine})
    for (int64_t records : {0, 2})
      hg::fuzz::refusal_allowed(
          [&] { hg::data::read_cifar_batches({path}, variant, records, "fuzz"); });
  return 0;
}
