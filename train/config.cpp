// Config parsing and typed reads (see config.h).
#include "train/config.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/quoted_text.h"

namespace hg {

namespace {
std::string trim(const std::string& text) {
  size_t begin = text.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  size_t end = text.find_last_not_of(" \t\r");
  return text.substr(begin, end - begin + 1);
}
}  // namespace

Config Config::load(const std::string& path) {
  std::ifstream file(path);
  HG_CHECK(file.good(), "config file '", path, "' cannot be read (missing, or no permission)");
  Config config;
  std::string line;
  for (int number = 1; std::getline(file, line); ++number) {
    std::string content = trim(line.substr(0, line.find('#')));
    if (content.empty()) continue;
    size_t equals = content.find('=');
    HG_CHECK(equals != std::string::npos, path, ":", number, ": expected 'key = value', got '",
             quoted_text(content), "'");
    std::string key = trim(content.substr(0, equals)), value = trim(content.substr(equals + 1));
    HG_CHECK(!key.empty(), path, ":", number, ": the key before '=' is empty");
    config.set(key, value, path + ":" + std::to_string(number));
  }
  return config;
}

void Config::set_from_text(const std::string& assignment) {
  size_t equals = assignment.find('=');
  HG_CHECK(equals != std::string::npos && equals > 0, "--set '", quoted_text(assignment),
           "': expected key=value");
  set(trim(assignment.substr(0, equals)), trim(assignment.substr(equals + 1)), "--set");
}

void Config::set(const std::string& key, const std::string& value, const std::string& origin) {
  values_[key] = value;
  origins_[key] = origin;
}

std::string Config::origin_of(const std::string& key) const {
  auto found = origins_.find(key);
  return found == origins_.end() ? "default" : found->second;
}

const std::string* Config::find(const std::string& key) const {
  read_.insert(key);
  auto found = values_.find(key);
  return found == values_.end() ? nullptr : &found->second;
}

std::string Config::get_string(const std::string& key, const std::string& fallback) const {
  const std::string* value = find(key);
  return value ? *value : fallback;
}

std::string Config::get_choice(const std::string& key, const std::string& fallback,
                               const std::vector<std::string>& choices) const {
  std::string value = get_string(key, fallback);
  std::string listed;
  for (const std::string& choice : choices) {
    if (choice == value) return value;
    listed += (listed.empty() ? "" : ", ") + choice;
  }
  throw Error(detail::concat("config key '", key, "' (", origin_of(key), "): '", quoted_text(value),
                             "' is not one of ", listed));
}

int64_t Config::get_int(const std::string& key, int64_t fallback, int64_t minimum) const {
  const std::string* value = find(key);
  if (!value) return fallback;
  size_t used = 0;
  int64_t parsed = 0;
  try {
    parsed = std::stoll(*value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  HG_CHECK(used > 0 && used == value->size(), "config key '", key, "' (", origin_of(key),
           "): expected a whole number, got '", quoted_text(*value), "'");
  HG_CHECK(parsed >= minimum, "config key '", key, "' (", origin_of(key), "): must be at least ",
           minimum, ", got ", parsed);
  return parsed;
}

double Config::get_double(const std::string& key, double fallback) const {
  const std::string* value = find(key);
  if (!value) return fallback;
  size_t used = 0;
  double parsed = 0;
  try {
    parsed = std::stod(*value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  HG_CHECK(used > 0 && used == value->size(), "config key '", key, "' (", origin_of(key),
           "): expected a number, got '", quoted_text(*value), "'");
  return parsed;
}

bool Config::get_bool(const std::string& key, bool fallback) const {
  const std::string* value = find(key);
  if (!value) return fallback;
  if (*value == "true" || *value == "1" || *value == "yes" || *value == "on") return true;
  if (*value == "false" || *value == "0" || *value == "no" || *value == "off") return false;
  throw Error(detail::concat("config key '", key, "' (", origin_of(key),
                             "): expected true or false, got '", quoted_text(*value), "'"));
}

std::string Config::renamed(const std::string& key, const std::string& old_key) const {
  if (!has(old_key)) return key;
  HG_CHECK(!has(key), "config key '", old_key, "' (", origin_of(old_key), ") is the old name of '",
           key, "' (", origin_of(key), "): give only '", key, "'");
  std::string notice = detail::concat("config key '", old_key, "' (", origin_of(old_key),
                                      ") is deprecated: it is now '", key, "'");
  if (std::find(deprecations_.begin(), deprecations_.end(), notice) == deprecations_.end())
    deprecations_.push_back(notice);
  return old_key;
}

void Config::check_all_read() const {
  std::string unread;
  for (const auto& [key, value] : values_)
    if (!read_.count(key))
      unread += (unread.empty() ? "'" : ", '") + quoted_text(key) + "' (" + origin_of(key) + ")";
  HG_CHECK(unread.empty(), "unknown config key(s) ", unread,
           ": not used by this method; check the spelling");
}

std::string Config::to_text() const {
  std::ostringstream text;
  for (const auto& [key, value] : values_) text << key << " = " << value << "\n";
  return text.str();
}

}  // namespace hg
