// core/v1 Secret (base64 data, stringData folded in, the keys each type
// requires, immutability) and ServiceAccount.
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "control/apiserver/object_meta.h"
#include "control/apiserver/resources.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;

// The 1 MiB limit Kubernetes puts on a Secret's data.
constexpr size_t kMaxSecretBytes = 1024 * 1024;

// Standard base64 with padding, as Go's encoding/json decodes []byte.
bool IsBase64(const std::string& text, size_t* decoded_size) {
  if (text.size() % 4 != 0) return false;
  size_t pad = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '=') {
      if (i + 2 < text.size()) return false;
      ++pad;
    } else if (pad > 0 || !(absl::ascii_isalnum(c) || c == '+' || c == '/')) {
      return false;
    }
  }
  *decoded_size = text.size() / 4 * 3 - pad;
  return true;
}

// validation.IsConfigMapKey: [-._a-zA-Z0-9]+, not "." or "..", <= 253.
bool IsConfigKey(const std::string& key) {
  if (key.empty() || key.size() > 253 || key == "." || key == "..") return false;
  for (char c : key)
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

// stringData is write-only: its values replace data's, encoded (as the v1
// conversion does), and it is not stored.
void FoldStringData(json& o) {
  if (!o.contains("stringData")) return;
  if (o["stringData"].is_object()) {
    json& data = ObjectField(o, "data");
    for (const auto& [k, v] : o["stringData"].items())
      if (v.is_string()) data[k] = absl::Base64Escape(v.get<std::string>());
  }
  if (o["stringData"].is_object() || o["stringData"].is_null()) o.erase("stringData");
}

// Keys a typed Secret must carry, as ValidateSecret.
void ValidateTypedKeys(const json& o, const std::string& type, std::vector<StatusCause>* causes) {
  json data = o.value("data", json::object());
  if (!data.is_object()) data = json::object();
  auto require = [&](const char* key) {
    if (!data.contains(key)) causes->push_back(Required(absl::StrCat("data[", key, "]")));
  };
  if (type == "kubernetes.io/tls") {
    require("tls.crt");
    require("tls.key");
  } else if (type == "kubernetes.io/dockerconfigjson") {
    require(".dockerconfigjson");
  } else if (type == "kubernetes.io/dockercfg") {
    require(".dockercfg");
  } else if (type == "kubernetes.io/ssh-auth") {
    require("ssh-privatekey");
  } else if (type == "kubernetes.io/service-account-token") {
    if (StringAt(o, "/metadata/annotations/kubernetes.io~1service-account.name", "").empty())
      causes->push_back(Required("metadata.annotations[kubernetes.io/service-account.name]"));
  }
}

std::vector<StatusCause> ValidateSecret(const json& o, const json* old) {
  std::vector<StatusCause> causes;
  ValidateName(o, CheckDns1123Subdomain, &causes);
  if (o.contains("stringData") && !o["stringData"].is_null())
    causes.push_back(Invalid("stringData", o["stringData"], "must be a map of strings"));
  size_t total = 0;
  if (o.contains("data") && !o["data"].is_null()) {
    if (!o["data"].is_object()) {
      causes.push_back(Invalid("data", o["data"], "must be a map of base64 strings"));
    } else {
      for (const auto& [k, v] : o["data"].items()) {
        std::string field = absl::StrCat("data[", k, "]");
        size_t size = 0;
        if (!IsConfigKey(k))
          causes.push_back(Invalid(field, k,
                                   "a valid config key must consist of alphanumeric characters, "
                                   "'-', '_' or '.'"));
        if (!v.is_string() || !IsBase64(v.get<std::string>(), &size))
          causes.push_back(Invalid(field, v, "must be base64-encoded data"));
        total += size;
      }
    }
  }
  if (total > kMaxSecretBytes)
    causes.push_back({"FieldValueTooLong", "Too long: may not be more than 1048576 bytes", "data"});
  std::string type = StringAt(o, "/type", "Opaque");
  ValidateTypedKeys(o, type, &causes);
  if (old != nullptr) {
    CheckImmutable(o, *old, "/type", "type", &causes);
    if (old->value("immutable", false)) {
      for (const char* field : {"data", "immutable"}) {
        json now = o.value(field, json()), before = old->value(field, json());
        if (now != before)
          causes.push_back({"FieldValueForbidden",
                            "Forbidden: field is immutable when `immutable` is set", field});
      }
    }
  }
  return causes;
}

}  // namespace

ResourceType SecretResource() {
  ResourceType t{.group = "",
                 .version = "v1",
                 .kind = "Secret",
                 .plural = "secrets",
                 .singular = "secret",
                 .namespaced = true};
  t.apply_defaults = [](json& o) {
    FoldStringData(o);
    SetDefault(o, "type", "Opaque");
  };
  t.validate = ValidateSecret;
  t.field_selectors = {"type"};
  t.columns = {
      NameColumn(),
      {.name = "Type",
       .type = "string",
       .description = "The type of the secret",
       .cell = [](const json& o, absl::Time) { return StringAt(o, "/type", ""); }},
      {.name = "Data",
       .type = "string",
       .description = "The number of entries in the data",
       .cell =
           [](const json& o, absl::Time) {
             return json(o.contains("data") && o["data"].is_object() ? o["data"].size() : 0);
           }},
      AgeColumn()};
  return t;
}

ResourceType ServiceAccountResource() {
  ResourceType t{.group = "",
                 .version = "v1",
                 .kind = "ServiceAccount",
                 .plural = "serviceaccounts",
                 .singular = "serviceaccount",
                 .namespaced = true,
                 .short_names = {"sa"}};
  t.apply_defaults = [](json&) {};
  t.validate = [](const json& o, const json*) {
    std::vector<StatusCause> causes;
    ValidateName(o, CheckDns1123Subdomain, &causes);
    const json& secrets = ArrayAt(o, "/secrets");
    for (size_t i = 0; i < secrets.size(); ++i)
      if (StringAt(secrets[i], "/name", "").empty())
        causes.push_back(Required(absl::StrCat("secrets[", i, "].name")));
    return causes;
  };
  t.columns = {
      NameColumn(),
      {.name = "Secrets",
       .type = "string",
       .description = "The number of secrets of the service account",
       .cell = [](const json& o, absl::Time) { return json(ArrayAt(o, "/secrets").size()); }},
      AgeColumn()};
  return t;
}

}  // namespace sluice::apiserver
