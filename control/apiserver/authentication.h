// Who a request comes from: static bearer tokens, made on the server's first
// start and kept in the data directory. The admin token is a member of
// system:masters; the node token, which every agent shares, of system:nodes.
#ifndef SLUICE_CONTROL_APISERVER_AUTHENTICATION_H_
#define SLUICE_CONTROL_APISERVER_AUTHENTICATION_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sluice::apiserver {

// Kubernetes' user.Info: a name and groups.
struct UserInfo {
  std::string name;
  std::vector<std::string> groups;

  bool InGroup(absl::string_view group) const;
};

inline constexpr char kMastersGroup[] = "system:masters";
inline constexpr char kNodesGroup[] = "system:nodes";
inline constexpr char kAuthenticatedGroup[] = "system:authenticated";

UserInfo AdminUser();  // system:admin
UserInfo NodeUser();   // system:node:sluice-agent

class TokenAuthenticator {
 public:
  // admin.token and node.token in `dir` (mode 0600), made when missing.
  static absl::StatusOr<TokenAuthenticator> LoadOrCreate(const std::string& dir);
  TokenAuthenticator(std::string admin_token, std::string node_token)
      : admin_token_(std::move(admin_token)), node_token_(std::move(node_token)) {}

  // From an Authorization header; nullopt for none, another scheme or an
  // unknown token. Tokens are compared in constant time.
  std::optional<UserInfo> Authenticate(absl::string_view authorization_header) const;

  const std::string& admin_token() const { return admin_token_; }
  const std::string& node_token() const { return node_token_; }

 private:
  std::string admin_token_;
  std::string node_token_;
};

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_AUTHENTICATION_H_
