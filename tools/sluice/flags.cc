#include "tools/sluice/flags.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace sluice {

std::string ParsedFlags::Get(const std::string& flag, const std::string& def) const {
  auto it = values.find(flag);
  return it == values.end() ? def : it->second.back();
}

std::vector<std::string> ParsedFlags::List(const std::string& flag) const {
  std::vector<std::string> out;
  auto it = values.find(flag);
  if (it == values.end()) return out;
  for (const std::string& v : it->second)
    for (absl::string_view part : absl::StrSplit(v, ',', absl::SkipEmpty())) out.emplace_back(part);
  return out;
}

absl::StatusOr<ParsedFlags> ParseFlags(const std::vector<std::string>& args,
                                       const std::set<std::string>& known) {
  ParsedFlags f;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0) {
      f.positional.push_back(a);
      continue;
    }
    std::string name = a, value;
    bool inline_value = false;
    if (size_t eq = a.find('='); eq != std::string::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
      inline_value = true;
    }
    if (!known.contains(name))
      return absl::InvalidArgumentError(absl::StrCat("unknown flag ", name));
    if (!inline_value) {
      if (i + 1 >= args.size())
        return absl::InvalidArgumentError(absl::StrCat(name, " needs a value"));
      value = args[++i];
    }
    f.values[name].push_back(value);
  }
  return f;
}

}  // namespace sluice
