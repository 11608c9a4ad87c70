// Fuzz target: the command line of every hashgrad command but demo (which trains a model when its
// arguments are right). The input's lines are the arguments; the first names the command, or,
// when it names none, its first byte picks one. The target runs in an empty folder of its own
// with no dataset to find, so a well-formed command line ends in an error about a missing file
// rather than in hours of work; what is fuzzed is the parsing and checking of the arguments.
#include <unistd.h>

#include <sstream>

#include "apps/command.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (chdir(hg::fuzz::scratch_folder().c_str()) != 0) return 1;
  setenv("HASHGRAD_FASHION_MNIST", (hg::fuzz::scratch_folder() / "no-dataset").c_str(), 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> names;
  for (const auto& [name, command] : hg::app::commands())
    if (name != "demo") names.push_back(name);
  std::vector<std::string> arguments;
  std::istringstream lines(std::string(reinterpret_cast<const char*>(data), size));
  for (std::string line; std::getline(lines, line) && arguments.size() < 32;)
    arguments.push_back(line);
  if (arguments.empty() || std::find(names.begin(), names.end(), arguments[0]) == names.end())
    arguments.insert(arguments.begin(), names[size == 0 ? 0 : data[0] % names.size()]);
  std::vector<char*> argv;
  for (std::string& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  hg::fuzz::refusal_allowed([&] {
    hg::app::commands().at(arguments[0]).run(static_cast<int>(arguments.size()), argv.data());
  });
  return 0;
}
