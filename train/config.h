// Config: the settings of a training run, as `key = value` lines (configs/*.conf), with every
// key overridable from the command line (`--set key=value`).
//
// Values are kept as text and parsed when read, so an error can name the key, the value and
// where it came from ("configs/adsh.conf:12" or "--set"). Every key a run reads is marked; keys
// nobody read are reported by check_all_read(), so a misspelt key is an error, not a silently
// ignored setting.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace hg {

class Config {
 public:
  Config() = default;
  // Reads `key = value` lines; '#' starts a comment; blank lines are skipped.
  static Config load(const std::string& path);

  // "key=value" from --set; throws naming the text when it has no '='.
  void set_from_text(const std::string& assignment);
  void set(const std::string& key, const std::string& value, const std::string& origin);
  bool has(const std::string& key) const { return values_.count(key) > 0; }

  // Typed reads: the default when the key is absent; an error naming the key, the value and
  // its origin when the value does not parse or is out of range.
  std::string get_string(const std::string& key, const std::string& fallback) const;
  std::string get_choice(const std::string& key, const std::string& fallback,
                         const std::vector<std::string>& choices) const;
  int64_t get_int(const std::string& key, int64_t fallback, int64_t minimum = INT64_MIN) const;
  double get_double(const std::string& key, double fallback) const;
  bool get_bool(const std::string& key, bool fallback) const;

  // A key that was renamed from `old_key`: the name to read, which is `old_key` when only that
  // one is set (and a one-line deprecation notice is recorded); both set is an error.
  std::string renamed(const std::string& key, const std::string& old_key) const;
  // The deprecation notices of the keys read so far, one line each.
  const std::vector<std::string>& deprecations() const { return deprecations_; }

  // Throws naming every key that was set but never read.
  void check_all_read() const;
  // The resolved settings, one `key = value` per line, sorted (saved in the run directory).
  std::string to_text() const;
  const std::map<std::string, std::string>& values() const { return values_; }

 private:
  std::string origin_of(const std::string& key) const;
  const std::string* find(const std::string& key) const;

  std::map<std::string, std::string> values_;
  std::map<std::string, std::string> origins_;
  mutable std::set<std::string> read_;
  mutable std::vector<std::string> deprecations_;
};

}  // namespace hg
