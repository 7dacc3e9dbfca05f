#include "control/apiserver/object_meta.h"

#include <random>
#include <utility>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;

bool IsLowerAlnum(char c) {
  return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'z');
}

std::string CheckLabelChars(absl::string_view name, size_t max) {
  if (name.empty()) return "must not be empty";
  if (name.size() > max) return absl::StrCat("must be no more than ", max, " characters");
  for (char c : name)
    if (!IsLowerAlnum(c) && c != '-')
      return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
             "'-', and must start and end with an alphanumeric character";
  if (!IsLowerAlnum(name.front()) || !IsLowerAlnum(name.back()))
    return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
           "'-', and must start and end with an alphanumeric character";
  return "";
}

// Label values and the name part of qualified keys: [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?
bool IsQualifiedPart(absl::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  for (char c : s)
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_' && c != '.') return false;
  return absl::ascii_isalnum(s.front()) && absl::ascii_isalnum(s.back());
}

bool IsQualifiedName(absl::string_view key) {
  size_t slash = key.find('/');
  if (slash == absl::string_view::npos) return IsQualifiedPart(key);
  return CheckDns1123Subdomain(key.substr(0, slash)).empty() &&
         IsQualifiedPart(key.substr(slash + 1));
}

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

}  // namespace

std::string CheckDns1123Label(absl::string_view name) {
  return CheckLabelChars(name, 63);
}

std::string CheckDns1035Label(absl::string_view name) {
  std::string err = CheckLabelChars(name, 63);
  if (!err.empty()) return err;
  if (!absl::ascii_isalpha(name.front()))
    return "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start "
           "with an alphabetic character, and end with an alphanumeric character";
  return "";
}

std::string CheckDns1123Subdomain(absl::string_view name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > 253) return "must be no more than 253 characters";
  for (char c : name)
    if (!IsLowerAlnum(c) && c != '-' && c != '.')
      return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
             "'-' or '.', and must start and end with an alphanumeric character";
  if (!IsLowerAlnum(name.front()) || !IsLowerAlnum(name.back()))
    return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
           "'-' or '.', and must start and end with an alphanumeric character";
  return "";
}

namespace {

// Kubernetes' ValidateOwnerReferences: the garbage collector finds owners by
// these fields, so each must be there; one owner at most is the controller.
void ValidateOwnerReferences(const json& refs, std::vector<StatusCause>* causes) {
  const std::string path = "metadata.ownerReferences";
  if (!refs.is_array()) {
    causes->push_back({"FieldValueInvalid", "must be a list of owner references", path});
    return;
  }
  std::string controller;
  for (const json& ref : refs) {
    if (!ref.is_object()) {
      causes->push_back({"FieldValueInvalid", "must be a list of owner references", path});
      continue;
    }
    static constexpr std::pair<const char*, const char*> kRequired[] = {
        {"apiVersion", "version"}, {"kind", "kind"}, {"name", "name"}, {"uid", "uid"}};
    for (auto [field, what] : kRequired) {
      const json value = ref.value(field, json(""));
      if (!value.is_string())
        causes->push_back({"FieldValueInvalid", "must be a string", path + "." + field});
      else if (value.get<std::string>().empty())
        causes->push_back({"FieldValueInvalid",
                           absl::StrCat("Invalid value: \"\": ", what, " must not be empty"),
                           path + "." + field});
    }
    for (const char* flag : {"controller", "blockOwnerDeletion"})
      if (ref.contains(flag) && !ref[flag].is_null() && !ref[flag].is_boolean())
        causes->push_back({"FieldValueInvalid", "must be a boolean", path + "." + flag});
    if (ref.value("controller", json()) != true) continue;
    auto text = [&ref](const char* field) {
      const json value = ref.value(field, json(""));
      return value.is_string() ? value.get<std::string>() : value.dump();
    };
    std::string name = absl::StrCat(text("kind"), "/", text("name"));
    if (!controller.empty())
      causes->push_back({"FieldValueInvalid",
                         absl::StrCat("Only one reference can have Controller set to true. Found "
                                      "\"true\" in references for ",
                                      controller, " and ", name),
                         path});
    else
      controller = name;
  }
}

}  // namespace

void ValidateMetadata(const json& metadata, std::vector<StatusCause>* causes) {
  if (!metadata.is_object()) return;
  if (metadata.contains("ownerReferences") && !metadata["ownerReferences"].is_null())
    ValidateOwnerReferences(metadata["ownerReferences"], causes);
  const json& finalizers = metadata.value("finalizers", json());
  if (finalizers.is_array() && absl::c_linear_search(finalizers, json("orphan")) &&
      absl::c_linear_search(finalizers, json("foregroundDeletion")))
    causes->push_back({"FieldValueInvalid",
                       absl::StrCat("Invalid value: ", finalizers.dump(),
                                    ": finalizer orphan and foregroundDeletion cannot be both set"),
                       "metadata.finalizers"});
  if (metadata.contains("labels") && !metadata["labels"].is_null()) {
    const json& labels = metadata["labels"];
    if (!labels.is_object()) {
      causes->push_back({"FieldValueInvalid", "must be a map of strings", "metadata.labels"});
      return;
    }
    for (const auto& [k, v] : labels.items()) {
      if (!IsQualifiedName(k))
        causes->push_back({"FieldValueInvalid",
                           absl::StrCat("Invalid value: \"", k,
                                        "\": name part must consist of "
                                        "alphanumeric characters, '-', '_' "
                                        "or '.'"),
                           "metadata.labels"});
      if (!v.is_string() ||
          (!v.get<std::string>().empty() && !IsQualifiedPart(v.get<std::string>())))
        causes->push_back({"FieldValueInvalid",
                           "a valid label must be an empty string or consist of alphanumeric "
                           "characters, '-', '_' or '.'",
                           absl::StrCat("metadata.labels.", k)});
    }
  }
  if (metadata.contains("annotations") && !metadata["annotations"].is_null()) {
    const json& annotations = metadata["annotations"];
    if (!annotations.is_object()) {
      causes->push_back({"FieldValueInvalid", "must be a map of strings", "metadata.annotations"});
      return;
    }
    for (const auto& [k, v] : annotations.items()) {
      if (!IsQualifiedName(k))
        causes->push_back({"FieldValueInvalid", absl::StrCat("Invalid value: \"", k, "\""),
                           "metadata.annotations"});
      if (!v.is_string())
        causes->push_back(
            {"FieldValueInvalid", "must be a string", absl::StrCat("metadata.annotations.", k)});
    }
  }
}

std::string GenerateName(absl::string_view base) {
  // Kubernetes' alphabet leaves out vowels and look-alikes, so names spell no words.
  static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  std::string out(base.substr(0, 58));
  std::uniform_int_distribution<int> pick(0, sizeof(kAlphabet) - 2);
  for (int i = 0; i < 5; ++i) out.push_back(kAlphabet[pick(Rng())]);
  return out;
}

std::string NewUid() {
  uint64_t hi = Rng()(), lo = Rng()();
  hi = (hi & ~0xf000ULL) | 0x4000ULL;            // version 4
  lo = (lo & ~(0xcULL << 60)) | (0x8ULL << 60);  // RFC 4122 variant
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff,
                         lo >> 48, lo & 0xffffffffffffULL);
}

std::string FormatTimestamp(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::string HumanAge(absl::string_view creation_timestamp, absl::Time now) {
  absl::Time created;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, std::string(creation_timestamp), &created, &err))
    return "<unknown>";
  int64_t s = absl::ToInt64Seconds(now - created);
  if (s < 0) s = 0;
  if (s < 120) return absl::StrCat(s, "s");
  int64_t m = s / 60;
  if (m < 10) return s % 60 == 0 ? absl::StrCat(m, "m") : absl::StrCat(m, "m", s % 60, "s");
  if (m < 180) return absl::StrCat(m, "m");
  int64_t h = m / 60;
  if (h < 8) return m % 60 == 0 ? absl::StrCat(h, "h") : absl::StrCat(h, "h", m % 60, "m");
  if (h < 48) return absl::StrCat(h, "h");
  int64_t d = h / 24;
  if (d < 8) return h % 24 == 0 ? absl::StrCat(d, "d") : absl::StrCat(d, "d", h % 24, "h");
  if (d < 365 * 2) return absl::StrCat(d, "d");
  return absl::StrCat(d / 365, "y");
}

}  // namespace sluice::apiserver
