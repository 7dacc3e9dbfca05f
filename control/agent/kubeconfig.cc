#include "control/agent/kubeconfig.h"

#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "yaml-cpp/yaml.h"

namespace sluice::agent {
namespace {

absl::StatusOr<std::string> ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot read"));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Scalar(const YAML::Node& node, const char* field) {
  const YAML::Node value = node[field];
  return value && value.IsScalar() ? value.as<std::string>() : "";
}

// The entry of `list` (clusters, users, contexts) named `name`; the only one
// when `name` is empty.
absl::StatusOr<YAML::Node> Named(const YAML::Node& root, const char* list, const char* inner,
                                 const std::string& name, absl::string_view source) {
  const YAML::Node entries = root[list];
  if (!entries || !entries.IsSequence() || entries.size() == 0)
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", list, ": required"));
  if (name.empty() && entries.size() != 1)
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": current-context: required when there are several ", list));
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!name.empty() && Scalar(entries[i], "name") != name) continue;
    const YAML::Node body = entries[i][inner];
    if (!body || !body.IsMap())
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": ", list, "[", i, "].", inner, ": required"));
    return body;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(source, ": ", list, ": no entry named \"", name, "\""));
}

}  // namespace

absl::StatusOr<ApiEndpoint> LoadKubeconfig(const std::string& path) {
  auto text = ReadWhole(path);
  if (!text.ok()) return text.status();
  return ParseKubeconfig(*text, path);
}

absl::StatusOr<ApiEndpoint> ParseKubeconfig(absl::string_view text, absl::string_view source) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": not YAML: ", e.what()));
  }
  if (!root.IsMap()) return absl::InvalidArgumentError(absl::StrCat(source, ": not a kubeconfig"));
  std::string cluster_name, user_name;
  if (std::string current = Scalar(root, "current-context"); !current.empty()) {
    auto context = Named(root, "contexts", "context", current, source);
    if (!context.ok()) return context.status();
    cluster_name = Scalar(*context, "cluster");
    user_name = Scalar(*context, "user");
  }
  auto cluster = Named(root, "clusters", "cluster", cluster_name, source);
  if (!cluster.ok()) return cluster.status();
  auto user = Named(root, "users", "user", user_name, source);
  if (!user.ok()) return user.status();
  auto bad = [&](absl::string_view field, absl::string_view problem) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", field, ": ", problem));
  };

  ApiEndpoint out;
  out.server = Scalar(*cluster, "server");
  absl::string_view rest = out.server;
  if (!absl::ConsumePrefix(&rest, "https://"))
    return bad("cluster.server", absl::StrCat("\"", out.server, "\" is not an https:// URL"));
  rest = rest.substr(0, rest.find('/'));
  if (absl::StartsWith(rest, "[")) {
    size_t close = rest.find(']');
    if (close == absl::string_view::npos) return bad("cluster.server", "unclosed [");
    out.host = std::string(rest.substr(1, close - 1));
    rest.remove_prefix(close + 1);
    out.port = absl::ConsumePrefix(&rest, ":") ? std::string(rest) : "443";
  } else {
    size_t colon = rest.rfind(':');
    out.host = std::string(rest.substr(0, colon));
    out.port = colon == absl::string_view::npos ? "443" : std::string(rest.substr(colon + 1));
  }
  if (out.host.empty() || out.port.empty())
    return bad("cluster.server", absl::StrCat("\"", out.server, "\" names no host and port"));
  if (Scalar(*cluster, "insecure-skip-tls-verify") == "true")
    return bad("cluster.insecure-skip-tls-verify", "the agent always verifies the server");
  if (std::string data = Scalar(*cluster, "certificate-authority-data"); !data.empty()) {
    if (!absl::Base64Unescape(data, &out.ca_pem))
      return bad("cluster.certificate-authority-data", "not base64");
  } else if (std::string file = Scalar(*cluster, "certificate-authority"); !file.empty()) {
    auto pem = ReadWhole(file);
    if (!pem.ok()) return bad("cluster.certificate-authority", pem.status().message());
    out.ca_pem = *pem;
  } else {
    return bad("cluster.certificate-authority-data", "required (the agent verifies the server)");
  }

  out.token = Scalar(*user, "token");
  if (std::string file = Scalar(*user, "tokenFile"); out.token.empty() && !file.empty()) {
    auto token = ReadWhole(file);
    if (!token.ok()) return bad("user.tokenFile", token.status().message());
    out.token = std::string(absl::StripAsciiWhitespace(*token));
  }
  if (out.token.empty()) {
    for (const char* unsupported :
         {"client-certificate-data", "client-certificate", "exec", "auth-provider", "username"})
      if ((*user)[unsupported])
        return bad(absl::StrCat("user.", unsupported), "not supported; the agent needs a token");
    return bad("user.token", "required");
  }
  return out;
}

}  // namespace sluice::agent
