// A small command-line reader shared by the subcommands: --flag VALUE pairs
// and positional arguments, with errors that name the flag.
#ifndef SLUICE_TOOLS_SLUICE_FLAGS_H_
#define SLUICE_TOOLS_SLUICE_FLAGS_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace sluice {

struct ParsedFlags {
  std::map<std::string, std::vector<std::string>> values;  // flag -> values in order
  std::vector<std::string> positional;

  bool Has(const std::string& flag) const { return values.contains(flag); }
  std::string Get(const std::string& flag, const std::string& def = "") const;
  // Every value of a repeatable, comma-separated flag.
  std::vector<std::string> List(const std::string& flag) const;
};

// Accepts only `known` flags (each taking one value).
absl::StatusOr<ParsedFlags> ParseFlags(const std::vector<std::string>& args,
                                       const std::set<std::string>& known);

}  // namespace sluice

#endif  // SLUICE_TOOLS_SLUICE_FLAGS_H_
