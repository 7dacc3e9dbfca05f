#include "control/controllers/lb_pools.h"

#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "control/controllers/allocators/service_json.h"
#include "yaml-cpp/yaml.h"

namespace sluice::controllers {
namespace {

using json = nlohmann::json;

absl::Status FieldError(const std::string& path, const std::string& message) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", message));
}

absl::StatusOr<LbPool> ParsePool(const YAML::Node& node, const std::string& path) {
  if (!node.IsMap()) return FieldError(path, "must be a map");
  LbPool pool;
  for (const auto& entry : node) {
    std::string key = entry.first.as<std::string>();
    if (key != "name" && key != "addresses" && key != "autoAssign")
      return FieldError(absl::StrCat(path, ".", key), "unknown field");
  }
  if (!node["name"] || !node["name"].IsScalar() || node["name"].as<std::string>().empty())
    return FieldError(path + ".name", "required");
  pool.name = node["name"].as<std::string>();
  if (node["autoAssign"]) {
    const std::string text = node["autoAssign"].IsScalar() ? node["autoAssign"].Scalar() : "";
    if (text != "true" && text != "false")
      return FieldError(path + ".autoAssign", "must be true or false");
    pool.auto_assign = text == "true";
  }
  const YAML::Node& addresses = node["addresses"];
  if (!addresses || !addresses.IsSequence() || addresses.size() == 0)
    return FieldError(path + ".addresses", "required: a list of CIDRs or FIRST-LAST ranges");
  for (size_t i = 0; i < addresses.size(); ++i) {
    std::string at = absl::StrCat(path, ".addresses[", i, "]");
    if (!addresses[i].IsScalar()) return FieldError(at, "must be a string");
    auto range = IpRange::Parse(addresses[i].Scalar());
    if (!range.ok()) return FieldError(at, std::string(range.status().message()));
    pool.ranges.push_back(*std::move(range));
  }
  return pool;
}

bool Contains(const LbPool& pool, const IpAddress& ip) {
  for (const IpRange& r : pool.ranges)
    if (r.OffsetOf(ip)) return true;
  return false;
}

// The first free address of `family` in `pool`.
std::optional<std::string> FirstFree(const LbPool& pool, IpFamily family,
                                     const std::map<std::string, std::string>& in_use) {
  for (const IpRange& r : pool.ranges) {
    if (r.family() != family) continue;
    // Walking addresses in order: pools are small, and a dense pool's used
    // addresses are skipped one by one at worst.
    for (uint64_t offset = 0; offset < r.size(); ++offset) {
      std::string ip = r.At(offset).ToString();
      if (!in_use.contains(ip)) return ip;
    }
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<std::vector<LbPool>> ParseLbPools(absl::string_view text) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("not YAML or JSON: ", e.what()));
  }
  if (!root.IsMap() || !root["pools"] || !root["pools"].IsSequence())
    return FieldError("pools", "required: a list of pools");
  std::vector<LbPool> pools;
  std::set<std::string> names;
  try {
    for (size_t i = 0; i < root["pools"].size(); ++i) {
      std::string path = absl::StrCat("pools[", i, "]");
      auto pool = ParsePool(root["pools"][i], path);
      if (!pool.ok()) return pool.status();
      if (!names.insert(pool->name).second)
        return FieldError(path + ".name", absl::StrCat("\"", pool->name, "\" is used twice"));
      pools.push_back(*std::move(pool));
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(e.what());
  }
  return pools;
}

absl::StatusOr<std::vector<LbPool>> LoadLbPools(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot be read"));
  std::stringstream text;
  text << in.rdbuf();
  auto pools = ParseLbPools(text.str());
  if (!pools.ok())
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", pools.status().message()));
  return pools;
}

std::vector<std::string> IngressIps(const json& service) {
  std::vector<std::string> ips;
  json::json_pointer p("/status/loadBalancer/ingress");
  if (!service.contains(p) || !service.at(p).is_array()) return ips;
  for (const json& ingress : service.at(p))
    if (!StringField(ingress, "ip").empty()) ips.push_back(StringField(ingress, "ip"));
  return ips;
}

LbChoice ChooseLbIps(const std::vector<LbPool>& pools, const json& service,
                     const std::map<std::string, std::string>& in_use) {
  const json& meta = service.contains("metadata") ? service["metadata"] : json::object();
  json annotations = meta.contains("annotations") && meta["annotations"].is_object()
                         ? meta["annotations"]
                         : json::object();
  const json& spec = service.contains("spec") ? service["spec"] : json::object();
  std::string pool_name = StringField(annotations, kLbPoolAnnotation);
  std::vector<const LbPool*> candidates;
  for (const LbPool& pool : pools)
    if (pool_name.empty() ? pool.auto_assign : pool.name == pool_name) candidates.push_back(&pool);
  if (!pool_name.empty() && candidates.empty())
    return {.error = absl::StrCat("unknown pool \"", pool_name, "\"")};

  std::vector<std::string> requested;
  if (!StringField(spec, "loadBalancerIP").empty())
    requested.push_back(StringField(spec, "loadBalancerIP"));
  for (absl::string_view part :
       absl::StrSplit(StringField(annotations, kLbIpsAnnotation), ',', absl::SkipWhitespace()))
    requested.emplace_back(absl::StripAsciiWhitespace(part));
  LbChoice choice;
  if (!requested.empty()) {
    // An address asked for by name may come from any pool (or the one named),
    // auto-assigned or not.
    std::vector<const LbPool*> allowed = candidates;
    if (pool_name.empty()) {
      allowed.clear();
      for (const LbPool& pool : pools) allowed.push_back(&pool);
    }
    for (const std::string& text : requested) {
      auto ip = IpAddress::Parse(text);
      if (!ip.ok()) return {.error = absl::StrCat("\"", text, "\" is not an IP address")};
      bool pooled = false;
      for (const LbPool* pool : allowed) pooled |= Contains(*pool, *ip);
      if (!pooled)
        return {.error =
                    absl::StrCat(text, " is not in ",
                                 pool_name.empty() ? std::string("any pool")
                                                   : absl::StrCat("pool \"", pool_name, "\""))};
      if (auto holder = in_use.find(ip->ToString()); holder != in_use.end())
        return {.error = absl::StrCat(text, " is already in use by ", holder->second)};
      choice.ips.push_back(ip->ToString());
    }
    return choice;
  }

  std::vector<std::string> families = StringList(spec, "ipFamilies");
  if (families.empty()) families.push_back("IPv4");
  std::vector<std::string> current = IngressIps(service);
  std::vector<std::string> missing;
  for (const std::string& family_name : families) {
    IpFamily family = family_name == "IPv6" ? IpFamily::kV6 : IpFamily::kV4;
    std::optional<std::string> kept;
    for (const std::string& text : current) {
      auto ip = IpAddress::Parse(text);
      if (!ip.ok() || ip->family() != family || in_use.contains(ip->ToString())) continue;
      for (const LbPool* pool : candidates)
        if (Contains(*pool, *ip)) kept = ip->ToString();
      if (kept) break;
    }
    for (const LbPool* pool : candidates) {
      if (kept) break;
      kept = FirstFree(*pool, family, in_use);
    }
    if (kept)
      choice.ips.push_back(*kept);
    else
      missing.push_back(family_name);
  }
  if (choice.ips.empty()) {
    std::vector<std::string> names;
    for (const LbPool* pool : candidates) names.push_back(pool->name);
    choice.error = candidates.empty()
                       ? std::string("no pool assigns addresses automatically")
                       : absl::StrCat("no free ", absl::StrJoin(missing, "/"),
                                      " address in pool(s) ", absl::StrJoin(names, ", "));
  }
  return choice;
}

}  // namespace sluice::controllers
