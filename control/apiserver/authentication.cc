#include "control/apiserver/authentication.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "control/apiserver/files.h"
#include "control/apiserver/pki.h"
#include "control/status_macros.h"

namespace sluice::apiserver {
namespace {

// 32 random bytes as hex: as strong as the CA's key.
constexpr size_t kTokenBytes = 32;

absl::StatusOr<std::string> LoadOrCreateToken(const std::string& path) {
  auto stored = ReadFileToString(path);
  if (stored.ok()) {
    std::string token(absl::StripAsciiWhitespace(*stored));
    if (token.size() < 16)
      return absl::FailedPreconditionError(absl::StrCat(path, ": the token is too short"));
    return token;
  }
  if (!absl::IsNotFound(stored.status())) return stored.status();
  SLUICE_ASSIGN_OR_RETURN(std::string token, RandomHex(kTokenBytes));
  SLUICE_RETURN_IF_ERROR(WritePrivateFile(path, token + "\n"));
  return token;
}

}  // namespace

bool UserInfo::InGroup(absl::string_view group) const {
  return std::find(groups.begin(), groups.end(), group) != groups.end();
}

UserInfo AdminUser() {
  return {.name = "system:admin", .groups = {kMastersGroup, kAuthenticatedGroup}};
}

UserInfo NodeUser() {
  return {.name = "system:node:sluice-agent", .groups = {kNodesGroup, kAuthenticatedGroup}};
}

absl::StatusOr<TokenAuthenticator> TokenAuthenticator::LoadOrCreate(const std::string& dir) {
  SLUICE_RETURN_IF_ERROR(MakePrivateDirectory(dir));
  SLUICE_ASSIGN_OR_RETURN(std::string admin, LoadOrCreateToken(dir + "/admin.token"));
  SLUICE_ASSIGN_OR_RETURN(std::string node, LoadOrCreateToken(dir + "/node.token"));
  if (admin == node)
    return absl::FailedPreconditionError(
        absl::StrCat(dir, ": admin.token and node.token must differ"));
  return TokenAuthenticator(std::move(admin), std::move(node));
}

std::optional<UserInfo> TokenAuthenticator::Authenticate(absl::string_view header) const {
  // RFC 6750: the scheme is case-insensitive, then one space and the token.
  constexpr absl::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size() || !absl::StartsWithIgnoreCase(header, kScheme))
    return std::nullopt;
  absl::string_view token = absl::StripAsciiWhitespace(header.substr(kScheme.size()));
  // Both comparisons always run, so the time does not tell which matched.
  bool admin = ConstantTimeEquals(token, admin_token_);
  bool node = ConstantTimeEquals(token, node_token_);
  if (admin) return AdminUser();
  if (node) return NodeUser();
  return std::nullopt;
}

}  // namespace sluice::apiserver
