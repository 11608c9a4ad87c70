// safetensors reading and writing (tensor/safetensors.h). Reading trusts nothing in the file:
// every size and offset is checked against the file before a byte of tensor data is read, so
// a truncated or corrupt file is an error that names the file and the problem, never a crash.
// Tensor bytes are copied as they lie in memory: the format is little-endian, and so are the
// hosts hashgrad runs on (x86-64, AArch64).
#include "tensor/safetensors.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/atomic_write.h"
#include "core/json.h"
#include "core/quoted_text.h"

namespace hg {

namespace {

using Json = nlohmann::json;

// The reference implementation's limit: a header longer than this is corruption, not metadata.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
constexpr const char* kMetadataKey = "__metadata__";

struct DTypeName {
  DType dtype;
  const char* name;
};
constexpr DTypeName kDTypeNames[] = {
    {DType::f32, "F32"}, {DType::f64, "F64"}, {DType::bf16, "BF16"}, {DType::i32, "I32"},
    {DType::i64, "I64"}, {DType::u8, "U8"},   {DType::u64, "U64"}};

const char* safetensors_name(DType dtype) {
  for (const DTypeName& entry : kDTypeNames)
    if (entry.dtype == dtype) return entry.name;
  throw Error(detail::concat("save_safetensors: dtype ", dtype_name(dtype), " has no name"));
}

// Every error of a read names the file first.
template <typename... Parts>
[[noreturn]] void fail(const std::string& path, const Parts&... parts) {
  throw Error(detail::concat("safetensors file ", path, ": ", parts...));
}

// A header value in an error: its JSON text, escaped and cut (a shape can be megabytes long).
std::string quoted_json(const Json& value) { return quoted_text(value.dump()); }

DType parse_dtype(const std::string& path, const std::string& name, const Json& entry) {
  if (!entry.is_string())
    fail(path, "tensor '", quoted_text(name),
         "' has a dtype that is not a string: ", quoted_json(entry));
  const std::string text = entry.get<std::string>();
  for (const DTypeName& known : kDTypeNames)
    if (text == known.name) return known.dtype;
  fail(path, "tensor '", quoted_text(name), "' has dtype ", quoted_text(text),
       ", which hashgrad does not read (F32, F64, BF16, I32, I64, U8, U64)");
}

// A JSON array of non-negative integers (a shape, or data_offsets).
std::vector<uint64_t> parse_integers(const std::string& path, const std::string& name,
                                     const char* field, const Json& entry) {
  std::vector<uint64_t> values;
  bool valid = entry.is_array();
  if (valid) {
    for (const Json& value : entry) {
      if (!value.is_number_unsigned()) {
        valid = false;
        break;
      }
      values.push_back(value.get<uint64_t>());
    }
  }
  if (!valid)
    fail(path, "tensor '", quoted_text(name), "' has ", field,
         " that is not a list of non-negative integers: ", quoted_json(entry));
  return values;
}

// Where one tensor's bytes are, once validated against the header's own claims.
struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  uint64_t begin, end;
};

Entry parse_entry(const std::string& path, const std::string& name, const Json& entry) {
  if (!entry.is_object())
    fail(path, "tensor '", quoted_text(name),
         "' is not an object with dtype, shape and data_offsets");
  for (const char* field : {"dtype", "shape", "data_offsets"})
    if (!entry.contains(field)) fail(path, "tensor '", quoted_text(name), "' has no ", field);
  Entry result{name, parse_dtype(path, name, entry["dtype"]), {}, 0, 0};
  // Zeros aside, no shape may declare over 2^48 elements: [2^40, 2^40, 0] must not overflow the
  // element count a Tensor computes. The byte count is then checked against the data_offsets,
  // and those against the file, before anything is allocated.
  constexpr uint64_t kMostElements = uint64_t{1} << 48;
  uint64_t elements = 1, bytes = dtype_size(result.dtype);
  for (uint64_t size : parse_integers(path, name, "a shape", entry["shape"])) {
    const uint64_t factor = std::max<uint64_t>(size, 1);
    if (factor > kMostElements / elements)
      fail(path, "tensor '", quoted_text(name), "' has an impossibly large shape ",
           quoted_json(entry["shape"]));
    elements *= factor;
    bytes *= size;
    result.shape.push_back(static_cast<int64_t>(size));
  }
  std::vector<uint64_t> offsets = parse_integers(path, name, "data_offsets", entry["data_offsets"]);
  if (offsets.size() != 2 || offsets[0] > offsets[1])
    fail(path, "tensor '", quoted_text(name), "' has data_offsets ",
         quoted_json(entry["data_offsets"]), ", expected [begin, end] with begin <= end");
  result.begin = offsets[0];
  result.end = offsets[1];
  if (result.end - result.begin != bytes)
    fail(path, "tensor '", quoted_text(name), "' is ", shape_string(result.shape), " ",
         safetensors_name(result.dtype), " (", bytes, " bytes) but its data_offsets [",
         result.begin, ", ", result.end, "] span ", result.end - result.begin, " bytes");
  return result;
}

uint64_t read_header_length(const unsigned char (&bytes)[8]) {
  uint64_t length = 0;
  for (int i = 7; i >= 0; --i) length = (length << 8) | bytes[i];
  return length;
}

}  // namespace

SafetensorsContents read_safetensors(const std::string& path) {
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file) fail(path, "cannot open it (", std::strerror(errno), ")");
  const uint64_t file_bytes = static_cast<uint64_t>(file.tellg());
  file.seekg(0);

  unsigned char length_bytes[8];
  if (file_bytes < 8 || !file.read(reinterpret_cast<char*>(length_bytes), 8))
    fail(path, "truncated: ", file_bytes, " bytes, too short for the 8-byte header length");
  const uint64_t header_bytes = read_header_length(length_bytes);
  if (header_bytes > kMaxHeaderBytes)
    fail(path, "header length ", header_bytes, " is larger than the ", kMaxHeaderBytes,
         "-byte limit (not a safetensors file, or corrupt)");
  if (header_bytes > file_bytes - 8)
    fail(path, "truncated: the header is ", header_bytes, " bytes but only ", file_bytes - 8,
         " follow the length");
  std::string header(header_bytes, '\0');
  if (!file.read(header.data(), static_cast<std::streamsize>(header_bytes)))
    fail(path, "could not read the ", header_bytes, "-byte header");

  const Json json = parse_json(header, "safetensors file " + path + ": the header");
  if (!json.is_object()) fail(path, "the header is JSON but not an object");

  SafetensorsContents contents;
  std::vector<Entry> entries;
  for (const auto& [name, value] : json.items()) {
    if (name == kMetadataKey) {
      if (!value.is_object()) fail(path, kMetadataKey, " is not an object");
      for (const auto& [key, text] : value.items()) {
        if (!text.is_string())
          fail(path, kMetadataKey, " value of '", quoted_text(key),
               "' is not a string: ", quoted_json(text));
        contents.metadata[key] = text.get<std::string>();
      }
      continue;
    }
    entries.push_back(parse_entry(path, name, value));
  }

  // The tensors must tile the data exactly: sorted by offset, each starts where the previous
  // ended and the last ends at the end of the file.
  const uint64_t data_bytes = file_bytes - 8 - header_bytes;
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.begin < b.begin; });
  uint64_t position = 0;
  for (const Entry& entry : entries) {
    if (entry.end > data_bytes)
      fail(path, "tensor '", quoted_text(entry.name), "' has data_offsets [", entry.begin, ", ",
           entry.end, "] outside the ", data_bytes, " bytes of data (truncated file?)");
    if (entry.begin != position)
      fail(path, "tensor '", quoted_text(entry.name), "' starts at byte ", entry.begin,
           " of the data, expected ", position, " (tensors must not overlap or leave gaps)");
    position = entry.end;
  }
  if (position != data_bytes)
    fail(path, "the tensors cover ", position, " bytes of data but the file has ", data_bytes);

  for (const Entry& entry : entries) {
    Tensor tensor = Tensor::empty(entry.shape, entry.dtype);
    file.seekg(static_cast<std::streamoff>(8 + header_bytes + entry.begin));
    if (!file.read(static_cast<char*>(tensor.raw_data()),
                   static_cast<std::streamsize>(entry.end - entry.begin)))
      fail(path, "could not read the data of tensor '", quoted_text(entry.name), "'");
    contents.tensors.emplace(entry.name, std::move(tensor));
  }
  return contents;
}

std::map<std::string, Tensor> load_safetensors(const std::string& path) {
  return read_safetensors(path).tensors;
}

void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  HG_CHECK(tensors.count(kMetadataKey) == 0, "save_safetensors: '", kMetadataKey,
           "' is reserved for the metadata and cannot name a tensor");
  std::vector<Tensor> packed;
  Json header = Json::object();
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    check_defined(tensor, "save_safetensors");
    Tensor host = tensor.to(Device::cpu).contiguous();
    const uint64_t bytes = static_cast<uint64_t>(host.numel()) * dtype_size(host.dtype());
    header[name] = {{"dtype", safetensors_name(host.dtype())},
                    {"shape", host.shape()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    packed.push_back(host);
  }
  if (!metadata.empty()) header[kMetadataKey] = metadata;
  // Padded with spaces to a multiple of 8 bytes, as the reference writer does, so the data
  // (and every 8-byte element in it) starts aligned.
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');

  write_atomically(path, [&](std::ostream& file) {
    unsigned char length_bytes[8];
    for (int i = 0; i < 8; ++i)
      length_bytes[i] = static_cast<unsigned char>(text.size() >> (8 * i));
    file.write(reinterpret_cast<const char*>(length_bytes), 8);
    file.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const Tensor& tensor : packed)
      file.write(static_cast<const char*>(tensor.raw_data()),
                 static_cast<std::streamsize>(tensor.numel() * dtype_size(tensor.dtype())));
  });
}

}  // namespace hg
