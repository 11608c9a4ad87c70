// Test helpers (see test_support.h).
#include "tests/test_support.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <random>

#include <nlohmann/json.hpp>

#include "tensor/safetensors.h"

namespace hg::test {

Config slice_run(std::initializer_list<std::pair<const char*, const char*>> keys) {
  Config config;
  for (auto [key, value] : {std::pair<const char*, const char*>{"backbone", "cnn5"},
                            {"feature_dim", "64"},
                            {"bits", "16"},
                            {"batch_size", "32"},
                            {"device", "cpu"},
                            {"deterministic", "true"},
                            {"workers", "1"},
                            {"top_k", "50"}})
    config.set(key, value, "test");
  for (auto [key, value] : keys) config.set(key, value, "test");
  return config;
}

Config fmnist_method_slice(const std::string& method, const std::string& device, int64_t database) {
  const std::string configs = repository_root() + "/configs/";
  Config config = Config::load(configs + method + "_fmnist.conf");
  for (auto [key, value] : {std::pair<std::string, std::string>{"device", device},
                            {"deterministic", "true"},
                            {"workers", "1"},
                            {"max_query", "100"},
                            {"max_database", std::to_string(database)},
                            {"rounds", "3"},
                            {"epochs_per_round", "1"},
                            {"batch_size", "32"},
                            {"feature_dim", "64"},
                            {"width", "16"},
                            {"top_k", "50"}})
    config.set(key, value, "test");
  // ADSH-style methods draw a sample Ω each round; the others see the whole slice every round.
  if (config.has("sample_size")) config.set("sample_size", "128", "test");
  return config;
}

std::vector<double> round_losses(const std::string& run_directory) {
  std::vector<double> losses;
  std::ifstream log(run_directory + "/log.jsonl");
  for (std::string line; std::getline(log, line);) {
    nlohmann::json event = nlohmann::json::parse(line);
    if (event["event"] == "round") losses.push_back(event["loss"].get<double>());
  }
  return losses;
}

Tensor f32(const std::vector<float>& values, const Shape& shape) {
  return Tensor::from_vector(values, shape);
}

Tensor f64(const std::vector<double>& values, const Shape& shape) {
  return Tensor::from_vector(values, shape);
}

Tensor i64(const std::vector<int64_t>& values, const Shape& shape) {
  return Tensor::from_vector(values, shape);
}

Tensor random_uniform(const Shape& shape, uint64_t seed, double low, double high, DType dtype) {
  std::mt19937_64 generator(seed);
  std::uniform_real_distribution<double> distribution(low, high);
  std::vector<double> values(static_cast<size_t>(shape_numel(shape)));
  for (double& value : values) value = distribution(generator);
  return Tensor::from_vector(values, shape).to(dtype);
}

::testing::AssertionResult all_close(const Tensor& actual, const Tensor& expected, double rtol,
                                     double atol) {
  if (actual.shape() != expected.shape())
    return ::testing::AssertionFailure() << "shape " << shape_string(actual.shape())
                                         << " != expected " << shape_string(expected.shape());
  std::vector<double> a = actual.to(DType::f64).to_vector<double>();
  std::vector<double> e = expected.to(DType::f64).to_vector<double>();
  double worst = 0;
  size_t worst_index = 0;
  bool failed = false;
  for (size_t i = 0; i < a.size(); ++i) {
    double error = std::abs(a[i] - e[i]);
    double excess = error - (atol + rtol * std::abs(e[i]));
    if (std::isnan(a[i]) != std::isnan(e[i]) || excess > 0) {
      if (!failed || excess > worst) {
        worst = excess;
        worst_index = i;
      }
      failed = true;
    }
  }
  if (failed)
    return ::testing::AssertionFailure()
           << "element " << worst_index << " of " << actual.description() << ": actual "
           << a[worst_index] << ", expected " << e[worst_index] << " (rtol " << rtol << ", atol "
           << atol << ")";
  return ::testing::AssertionSuccess() << a.size() << " elements within rtol " << rtol;
}

std::string fixture_path(const std::string& name) {
  return repository_root() + "/tests/fixtures/" + name;
}

std::string repository_root() { return HASHGRAD_SOURCE_DIR; }

std::string build_directory() { return HASHGRAD_BINARY_DIR; }

Fixture load_fixture(const std::string& name) {
  return load_safetensors(fixture_path(name + ".safetensors"));
}

const Tensor& entry(const Fixture& fixture, const std::string& name) {
  auto found = fixture.find(name);
  if (found == fixture.end()) throw Error("fixture has no tensor '" + name + "'");
  return found->second;
}

std::string error_message(const std::function<void()>& statement) {
  try {
    statement();
  } catch (const Error& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected an hg::Error";
  return "";
}

bool disjoint(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  std::vector<int64_t> both;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(both));
  return both.empty();
}

int64_t count_of(const std::string& text, const std::string& part) {
  int64_t count = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
  return count;
}

}  // namespace hg::test
