// Code file writing and checked reading (see code_file.h for the layout).
#include "hashing/code_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <numeric>

#include "core/atomic_write.h"
#include "core/error.h"
#include "hashing/mapped_code_file.h"

namespace hg::hashing {

namespace {

constexpr char kMagic[8] = {'H', 'G', 'C', 'O', 'D', 'E', 'S', '\0'};
constexpr size_t kHeaderBytes = 32;
constexpr size_t kChecksumBytes = 8;

size_t label_bytes(LabelLayout layout, int64_t count, int64_t num_classes) {
  switch (layout) {
    case LabelLayout::none:
      return 0;
    case LabelLayout::class_ids:
      return static_cast<size_t>(count) * sizeof(int32_t);
    case LabelLayout::multi_hot:
      return static_cast<size_t>(count * num_classes);
  }
  return 0;
}

// Appends values to a byte buffer (memcpy keeps it free of alignment assumptions).
class ByteWriter {
 public:
  explicit ByteWriter(size_t capacity) { bytes_.reserve(capacity); }
  void append(const void* data, size_t count) {
    size_t at = bytes_.size();
    bytes_.resize(at + count);
    if (count > 0) std::memcpy(bytes_.data() + at, data, count);
  }
  template <typename T>
  void put(T value) {
    append(&value, sizeof(T));
  }
  template <typename T>
  void put_array(const std::vector<T>& values) {
    append(values.data(), values.size() * sizeof(T));
  }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

template <typename T>
T get(const uint8_t* at) {
  T value;
  std::memcpy(&value, at, sizeof(T));
  return value;
}

template <typename T>
std::vector<T> get_array(const uint8_t* at, size_t count) {
  std::vector<T> values(count);
  if (count > 0) std::memcpy(values.data(), at, count * sizeof(T));
  return values;
}

}  // namespace

void CodeSet::validate(const std::string& what) const {
  check_code_bits(bits, what.c_str());
  HG_CHECK(count >= 0, what, ": negative code count ", count);
  HG_CHECK(static_cast<int64_t>(words.size()) == count * words_per_code(bits), what, ": ",
           words.size(), " words for ", count, " codes of ", bits, " bits (expected ",
           count * words_per_code(bits), ")");
  HG_CHECK(static_cast<int64_t>(ids.size()) == count, what, ": ", ids.size(), " ids for ", count,
           " codes");
  HG_CHECK(labels.empty() || labels.count() == count, what, ": ", labels.count(), " labels for ",
           count, " codes");
}

CodeSet CodeSet::from_words(int bits, std::vector<uint64_t> words, Labels labels) {
  CodeSet codes;
  codes.bits = bits;
  codes.count = static_cast<int64_t>(words.size()) / std::max<int64_t>(words_per_code(bits), 1);
  codes.words = std::move(words);
  codes.labels = std::move(labels);
  codes.ids.resize(static_cast<size_t>(codes.count));
  std::iota(codes.ids.begin(), codes.ids.end(), int64_t{0});
  return codes;
}

uint64_t code_file_checksum(const uint8_t* bytes, size_t count, uint64_t state) {
  constexpr uint64_t kPrime = 1099511628211ULL;
  size_t whole = count / 8;
  for (size_t i = 0; i < whole; ++i) state = (state ^ get<uint64_t>(bytes + 8 * i)) * kPrime;
  if (count % 8 != 0) {
    uint64_t last = 0;
    std::memcpy(&last, bytes + 8 * whole, count % 8);
    state = (state ^ last) * kPrime;
  }
  return state;
}

void write_code_file(const std::string& path, const CodeSet& codes) {
  codes.validate("write_code_file " + path);
  ByteWriter writer(kHeaderBytes + codes.words.size() * 8 +
                    label_bytes(codes.labels.layout(), codes.count, codes.labels.num_classes()) +
                    codes.ids.size() * 8 + kChecksumBytes);
  writer.append(kMagic, sizeof(kMagic));
  writer.put<uint32_t>(kCodeFileVersion);
  writer.put<uint32_t>(static_cast<uint32_t>(codes.bits));
  writer.put<uint64_t>(static_cast<uint64_t>(codes.count));
  writer.put<uint32_t>(static_cast<uint32_t>(codes.labels.layout()));
  writer.put<uint32_t>(static_cast<uint32_t>(codes.labels.num_classes()));
  writer.put_array(codes.words);
  if (codes.labels.layout() == LabelLayout::class_ids) writer.put_array(codes.labels.class_ids());
  if (codes.labels.layout() == LabelLayout::multi_hot) writer.put_array(codes.labels.matrix());
  writer.put_array(codes.ids);
  writer.put<uint64_t>(code_file_checksum(writer.bytes().data(), writer.bytes().size()));
  const std::vector<uint8_t>& file = writer.bytes();
  write_atomically(path, [&](std::ostream& out) {
    out.write(reinterpret_cast<const char*>(file.data()),
              static_cast<std::streamsize>(file.size()));
  });
}

bool is_code_file(const std::string& path) {
  std::ifstream stream(path, std::ios::binary);
  char magic[sizeof(kMagic)] = {};
  return stream.read(magic, sizeof(magic)) && std::memcmp(magic, kMagic, sizeof(kMagic)) == 0;
}

CodeSet read_code_file(const std::string& path) {
  MappedCodeFile file(path);
  file.verify_checksum();
  CodeSet codes = file.read(0, file.count());
  codes.validate(path);
  return codes;
}

// ---- MappedCodeFile ------------------------------------------------------------------------

MappedCodeFile::MappedCodeFile(const std::string& path) : path_(path) {
  const int descriptor = ::open(path.c_str(), O_RDONLY);
  HG_CHECK(descriptor >= 0, "cannot open code file ", path, ": ", std::strerror(errno));
  struct stat status {};
  const bool stated = ::fstat(descriptor, &status) == 0;
  size_ = stated ? static_cast<size_t>(status.st_size) : 0;
  if (size_ >= sizeof(kMagic)) {
    void* mapping = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, descriptor, 0);
    if (mapping != MAP_FAILED) bytes_ = static_cast<const uint8_t*>(mapping);
  }
  ::close(descriptor);
  HG_CHECK(stated, "cannot read the size of code file ", path);
  HG_CHECK(bytes_ != nullptr, path, " is not a hashgrad code file (wrong magic)");
  // Every check below unmaps the file before it throws: the destructor of an object whose
  // constructor threw never runs, and each refused file would stay mapped.
  try {
    HG_CHECK(std::memcmp(bytes_, kMagic, sizeof(kMagic)) == 0, path,
             " is not a hashgrad code file (wrong magic)");
    HG_CHECK(size_ >= kHeaderBytes + kChecksumBytes, path, ": truncated code file (", size_,
             " bytes, the header alone needs ", kHeaderBytes + kChecksumBytes, ")");
    const uint32_t version = get<uint32_t>(bytes_ + 8);
    HG_CHECK(version == kCodeFileVersion, path, ": code file version ", version,
             " is not supported by this hashgrad (it reads version ", kCodeFileVersion, ")");
    const uint32_t bits = get<uint32_t>(bytes_ + 12);
    check_code_bits(bits, path.c_str());
    bits_ = static_cast<int>(bits);
    const uint64_t count = get<uint64_t>(bytes_ + 16);
    const uint32_t layout = get<uint32_t>(bytes_ + 24);
    HG_CHECK(layout <= static_cast<uint32_t>(LabelLayout::multi_hot), path,
             ": unknown label layout ", layout, " in the header");
    layout_ = static_cast<LabelLayout>(layout);
    num_classes_ = get<uint32_t>(bytes_ + 28);
    // Compare sizes in floating point first so an absurd count in a corrupt header cannot
    // overflow the byte arithmetic below.
    const double per_code = static_cast<double>(words_per_code(bits_) * 8) + 8.0 +
                            (layout == 1   ? 4.0
                             : layout == 2 ? static_cast<double>(num_classes_)
                                           : 0.0);
    HG_CHECK(static_cast<double>(count) * per_code <= static_cast<double>(size_), path,
             ": header says ", count, " codes, more than the file's ", size_,
             " bytes can hold (truncated or corrupt)");
    count_ = static_cast<int64_t>(count);
    labels_offset_ = kHeaderBytes + static_cast<size_t>(count_ * words_per_code(bits_)) * 8;
    ids_offset_ = labels_offset_ + label_bytes(layout_, count_, num_classes_);
    const size_t expected = ids_offset_ + static_cast<size_t>(count_) * 8 + kChecksumBytes;
    HG_CHECK(size_ == expected, path, ": file has ", size_, " bytes but its header (", count,
             " codes of ", bits, " bits, ", label_layout_name(layout_), " labels) implies ",
             expected, size_ < expected ? " (truncated)" : " (trailing bytes)");
  } catch (...) {
    ::munmap(const_cast<uint8_t*>(bytes_), size_);
    throw;
  }
}

MappedCodeFile::~MappedCodeFile() {
  if (bytes_ != nullptr) ::munmap(const_cast<uint8_t*>(bytes_), size_);
}

void MappedCodeFile::verify_checksum() const {
  const uint64_t stored = get<uint64_t>(bytes_ + size_ - kChecksumBytes);
  const uint64_t actual = code_file_checksum(bytes_, size_ - kChecksumBytes);
  HG_CHECK(stored == actual, path_, ": checksum mismatch (stored ", stored, ", computed ", actual,
           "): the file is corrupt; re-create it with hashgrad encode");
}

void MappedCodeFile::check_rows(int64_t begin, int64_t rows) const {
  HG_CHECK(begin >= 0 && rows >= 0 && begin + rows <= count_, path_, ": rows [", begin, ", ",
           begin + rows, ") are outside its ", count_, " codes");
}

PackedCodes MappedCodeFile::codes(int64_t begin, int64_t rows) const {
  check_rows(begin, rows);
  const auto* words = reinterpret_cast<const uint64_t*>(bytes_ + kHeaderBytes);
  return {words + begin * words_per_code(bits_), rows, bits_};
}

Labels MappedCodeFile::labels(int64_t begin, int64_t rows) const {
  check_rows(begin, rows);
  try {
    if (layout_ == LabelLayout::class_ids)
      return Labels::from_class_ids(
          get_array<int32_t>(bytes_ + labels_offset_ + begin * sizeof(int32_t), rows),
          num_classes_);
    if (layout_ == LabelLayout::multi_hot)
      return Labels::from_multi_hot(
          get_array<uint8_t>(bytes_ + labels_offset_ + begin * num_classes_, rows * num_classes_),
          num_classes_);
  } catch (const Error& error) {
    throw Error(path_ + ": " + error.what());
  }
  return {};
}

std::vector<int64_t> MappedCodeFile::ids(int64_t begin, int64_t rows) const {
  check_rows(begin, rows);
  return get_array<int64_t>(bytes_ + ids_offset_ + begin * sizeof(int64_t), rows);
}

CodeSet MappedCodeFile::read(int64_t begin, int64_t rows) const {
  CodeSet codes;
  codes.bits = bits_;
  codes.count = rows;
  const PackedCodes packed = this->codes(begin, rows);
  codes.words.assign(packed.words, packed.words + rows * packed.words_per_code());
  codes.labels = labels(begin, rows);
  codes.ids = ids(begin, rows);
  return codes;
}

}  // namespace hg::hashing
