// ipFamilies, ipFamilyPolicy and ClusterIPs, as kube-apiserver's Service
// storage initializes and allocates them (pkg/registry/core/service/storage/alloc.go).
#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "control/controllers/allocators/range_allocator.h"
#include "control/controllers/allocators/service_allocator.h"
#include "control/controllers/allocators/service_json.h"

namespace sluice::controllers {
namespace {

using json = nlohmann::json;

constexpr char kSingleStack[] = "SingleStack";
constexpr char kPreferDualStack[] = "PreferDualStack";
constexpr char kRequireDualStack[] = "RequireDualStack";

std::optional<IpFamily> ParseFamily(const std::string& text) {
  if (text == "IPv4") return IpFamily::kV4;
  if (text == "IPv6") return IpFamily::kV6;
  return std::nullopt;
}

FieldError Invalid(std::string field, const std::string& value, const std::string& why) {
  return {"FieldValueInvalid", std::move(field),
          absl::StrCat("Invalid value: \"", value, "\": ", why)};
}

// The families of the Service: given, else those of its ClusterIPs, then
// completed per policy. Errors for what the cluster cannot serve.
std::vector<FieldError> InitFamilies(json& spec, const std::vector<IpRange>& ranges,
                                     std::vector<IpFamily>* families) {
  std::vector<FieldError> errors;
  std::vector<std::string> ips = ClusterIps(spec);
  bool headless = ips.size() == 1 && ips[0] == "None";
  bool has_selector =
      spec.contains("selector") && spec["selector"].is_object() && !spec["selector"].empty();
  bool dual = ranges.size() == 2;
  std::vector<std::string> names = StringList(spec, "ipFamilies");
  for (size_t i = 0; i < names.size(); ++i) {
    std::optional<IpFamily> family = ParseFamily(names[i]);
    if (!family) continue;  // the Service parser reported it already
    bool configured = false;
    for (const IpRange& r : ranges) configured |= r.family() == *family;
    if (!configured)
      errors.push_back(Invalid(absl::StrCat("spec.ipFamilies[", i, "]"), names[i],
                               "not configured on this cluster"));
    families->push_back(*family);
  }
  if (families->empty() && !headless)
    for (const std::string& ip : ips)
      if (auto a = IpAddress::Parse(ip); a.ok()) families->push_back(a->family());

  std::string policy = StringField(spec, "ipFamilyPolicy");
  if (policy.empty()) {
    // Headless without selector: DNS gives out what the Endpoints hold, of any
    // family, so Kubernetes makes it dual-stack where it can.
    policy = headless && !has_selector && dual ? kRequireDualStack : kSingleStack;
  } else if (policy != kSingleStack && policy != kPreferDualStack && policy != kRequireDualStack) {
    errors.push_back({"FieldValueNotSupported", "spec.ipFamilyPolicy",
                      absl::StrCat("Unsupported value: \"", policy,
                                   "\": supported values: \"PreferDualStack\", "
                                   "\"RequireDualStack\", \"SingleStack\"")});
    return errors;
  }
  if (policy == kSingleStack && (families->size() > 1 || ips.size() > 1))
    errors.push_back(Invalid("spec.ipFamilyPolicy", policy,
                             "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP "
                             "families are specified"));
  if (policy == kRequireDualStack && !dual)
    errors.push_back(Invalid("spec.ipFamilyPolicy", policy,
                             "this cluster is not configured for dual-stack services"));
  if (!errors.empty()) return errors;

  if (families->empty()) families->push_back(ranges[0].family());
  if (policy != kSingleStack && dual && families->size() == 1)
    families->push_back(ranges[0].family() == (*families)[0] ? ranges[1].family()
                                                             : ranges[0].family());
  spec["ipFamilyPolicy"] = policy;
  spec["ipFamilies"] = json::array();
  for (IpFamily f : *families) spec["ipFamilies"].push_back(FamilyName(f));
  return errors;
}

}  // namespace

std::vector<FieldError> ServiceAllocator::AllocateClusterIps(json& spec, const InUse& in_use,
                                                             const json& held,
                                                             uint64_t start) const {
  std::vector<IpFamily> families;
  std::vector<FieldError> errors = InitFamilies(spec, ranges_, &families);
  if (!errors.empty()) return errors;
  std::vector<std::string> ips = ClusterIps(spec);
  if (ips.size() == 1 && ips[0] == "None") {
    spec["clusterIP"] = "None";
    spec["clusterIPs"] = json::array({"None"});
    return errors;
  }

  // This Service's picks go to overlays of what others hold.
  std::vector<RangeAllocator> allocators;
  for (size_t r = 0; r < ranges_.size(); ++r)
    allocators.emplace_back(ranges_[r].size(), RangeAllocator::DefaultStaticBand(ranges_[r].size()),
                            in_use.cluster_ips[r]);

  json allocated = json::array();
  for (size_t i = 0; i < families.size(); ++i) {
    size_t r = 0;
    while (ranges_[r].family() != families[i]) ++r;  // InitFamilies checked it is configured
    std::string field = absl::StrCat("spec.clusterIPs[", i, "]");
    if (i < ips.size()) {
      auto address = IpAddress::Parse(ips[i]);
      if (!address.ok()) continue;  // the Service parser reported it already
      std::string ip = address->ToString();
      std::optional<uint64_t> offset = ranges_[r].OffsetOf(*address);
      std::vector<std::string> kept =
          held.is_object() ? ClusterIps(held) : std::vector<std::string>();
      if (std::find(kept.begin(), kept.end(), ips[i]) != kept.end()) {
        if (offset) allocators[r].MarkUsed(*offset);
        allocated.push_back(ip);
      } else if (!offset) {
        errors.push_back(
            Invalid(field, ips[i],
                    absl::StrCat("failed to allocate IP ", ip, ": the provided IP (", ip,
                                 ") is not in the valid range. The range of "
                                 "valid IPs is ",
                                 ranges_[r].text())));
      } else if (allocators[r].IsUsed(*offset)) {
        errors.push_back(Invalid(
            field, ips[i],
            absl::StrCat("failed to allocate IP ", ip, ": provided IP is already allocated")));
      } else {
        allocators[r].MarkUsed(*offset);
        allocated.push_back(ip);
      }
      continue;
    }
    std::optional<uint64_t> offset = allocators[r].AllocateNext(start);
    if (!offset) {
      errors.push_back({"FieldValueInvalid", field,
                        absl::StrCat("Internal error: failed to allocate a serviceIP: range ",
                                     ranges_[r].text(), " is full")});
      continue;
    }
    allocated.push_back(ranges_[r].At(*offset).ToString());
  }
  if (!errors.empty()) return errors;
  spec["clusterIPs"] = allocated;
  spec["clusterIP"] = allocated[0];
  return errors;
}

}  // namespace sluice::controllers
