// How a subcommand joins the hashgrad command: each apps/<command>.cpp defines its function
// and registers it with HG_COMMAND, so adding a command touches no other file.
//
//   HG_COMMAND("search", "Hamming top-k search of query codes in an index", run_search);
//
// A command gets argv from its own name on (argv[0] == "search"), returns the exit status and
// throws hg::Error for anything the user got wrong; main() prints that as one line.
#pragma once

#include <functional>
#include <map>
#include <string>

namespace hg::app {

using CommandFunction = std::function<int(int argc, char** argv)>;

struct Command {
  std::string summary;
  CommandFunction run;
};

std::map<std::string, Command>& commands();

struct CommandRegistration {
  CommandRegistration(const char* name, const char* summary, CommandFunction run) {
    commands()[name] = Command{summary, std::move(run)};
  }
};

#define HG_COMMAND_CONCAT_INNER(a, b) a##b
#define HG_COMMAND_CONCAT(a, b) HG_COMMAND_CONCAT_INNER(a, b)
#define HG_COMMAND(name, summary, function)                                                 \
  static ::hg::app::CommandRegistration HG_COMMAND_CONCAT(command_registration_, __LINE__)( \
      name, summary, function)

}  // namespace hg::app
