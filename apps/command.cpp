// The registry the commands of apps/ join (see command.h). Apart from main.cpp so that a
// program other than the hashgrad command (the argument fuzzer, tests/fuzz/) can hold them too.
#include "apps/command.h"

namespace hg::app {

std::map<std::string, Command>& commands() {
  static std::map<std::string, Command> registry;
  return registry;
}

}  // namespace hg::app
