// The server's certificates, made with OpenSSL's C API: a CA (an ECDSA P-256
// key and a self-signed certificate) and a serving certificate signed by it
// for the names and addresses clients use. Kept in the data directory and
// reused across restarts; the serving certificate alone is re-issued (by the
// same CA) when the names it must carry change or it nears its end.
#ifndef SLUICE_CONTROL_APISERVER_PKI_H_
#define SLUICE_CONTROL_APISERVER_PKI_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sluice::apiserver {

struct KeyAndCert {
  std::string key_pem;  // PKCS#8
  std::string cert_pem;
};

struct ServerPki {
  KeyAndCert ca;
  KeyAndCert serving;
};

absl::StatusOr<KeyAndCert> CreateCa(const std::string& common_name, absl::Time now);
// `sans`: DNS names and IP addresses (told apart by their syntax).
absl::StatusOr<KeyAndCert> IssueServingCert(const KeyAndCert& ca, const std::string& common_name,
                                            const std::vector<std::string>& sans, absl::Time now);

// The subject alternative names of a certificate: DNS names as they are, IP
// addresses in their canonical text form.
absl::StatusOr<std::vector<std::string>> CertificateSans(const std::string& cert_pem);
absl::StatusOr<absl::Time> CertificateNotAfter(const std::string& cert_pem);

// Files ca.key, ca.crt, apiserver.key, apiserver.crt in `dir` (made if
// missing, mode 0700; files 0600).
absl::StatusOr<ServerPki> LoadOrCreatePki(const std::string& dir,
                                          const std::vector<std::string>& sans, absl::Time now);

// `bytes` random bytes from OpenSSL's generator, as hex.
absl::StatusOr<std::string> RandomHex(size_t bytes);
// Compares without leaking where the first difference is (a token check).
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

}  // namespace sluice::apiserver

#endif  // SLUICE_CONTROL_APISERVER_PKI_H_
