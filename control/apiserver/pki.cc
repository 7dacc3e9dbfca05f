#include "control/apiserver/pki.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "control/apiserver/files.h"
#include "control/status_macros.h"

namespace sluice::apiserver {
namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;
void FreeGeneralNames(GENERAL_NAMES* names) {
  GENERAL_NAMES_free(names);
}
using NamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES, FreeGeneralNames>>;

constexpr absl::Duration kCaLifetime = absl::Hours(24 * 365 * 10);
constexpr absl::Duration kServingLifetime = absl::Hours(24 * 365);
// A serving certificate closer than this to its end is re-issued at start.
constexpr absl::Duration kRenewBefore = absl::Hours(24 * 90);
// Clients and server clocks disagree a little; a certificate made just now is
// valid from a moment ago.
constexpr absl::Duration kBackdate = absl::Minutes(5);

// OpenSSL's error queue as text, emptied.
absl::Status SslError(absl::string_view what) {
  std::string detail;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    absl::StrAppend(&detail, detail.empty() ? "" : "; ", buf);
  }
  return absl::InternalError(absl::StrCat(what, detail.empty() ? "" : ": ", detail));
}

// The canonical text of an IP address, or "" when `text` is not one.
std::string CanonicalIp(absl::string_view text) {
  std::string s(text);
  unsigned char bytes[16];
  char out[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, s.c_str(), bytes) == 1) return inet_ntop(AF_INET, bytes, out, sizeof(out));
  if (inet_pton(AF_INET6, s.c_str(), bytes) == 1)
    return inet_ntop(AF_INET6, bytes, out, sizeof(out));
  return "";
}

absl::StatusOr<KeyPtr> NewKey() {
  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return SslError("generating an EC key");
  return key;
}

absl::StatusOr<std::string> KeyPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return SslError("encoding a key");
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

absl::StatusOr<std::string> CertPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return SslError("encoding a certificate");
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

absl::StatusOr<KeyPtr> ParseKey(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return SslError("reading a private key");
  return key;
}

absl::StatusOr<CertPtr> ParseCert(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  CertPtr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return SslError("reading a certificate");
  return cert;
}

absl::Status AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1)
    return SslError(absl::StrCat("adding the extension ", OBJ_nid2sn(nid), "=", value));
  return absl::OkStatus();
}

absl::Status AddSans(X509* cert, const std::vector<std::string>& sans) {
  NamesPtr names(GENERAL_NAMES_new());
  for (const std::string& san : sans) {
    GENERAL_NAME* name = GENERAL_NAME_new();
    if (std::string ip = CanonicalIp(san); !ip.empty()) {
      ASN1_OCTET_STRING* bytes = a2i_IPADDRESS(ip.c_str());
      if (bytes == nullptr) {
        GENERAL_NAME_free(name);
        return SslError(absl::StrCat("encoding the address ", san));
      }
      GENERAL_NAME_set0_value(name, GEN_IPADD, bytes);
    } else {
      ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
      ASN1_STRING_set(dns, san.data(), static_cast<int>(san.size()));
      GENERAL_NAME_set0_value(name, GEN_DNS, dns);
    }
    sk_GENERAL_NAME_push(names.get(), name);
  }
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1)
    return SslError("adding the subject alternative names");
  return absl::OkStatus();
}

// An unsigned certificate for `key` named `common_name`, valid from `now`,
// issued by `issuer` (null: itself).
absl::StatusOr<CertPtr> NewCert(EVP_PKEY* key, const std::string& common_name, absl::Time now,
                                absl::Duration lifetime, X509* issuer) {
  CertPtr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), 2) != 1) return SslError("making a certificate");
  // 127 random bits: positive, unique enough that no two certificates of one
  // CA share a serial.
  BnPtr serial(BN_new());
  if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr)
    return SslError("choosing a serial number");
  time_t from = absl::ToTimeT(now - kBackdate);
  time_t until = absl::ToTimeT(now + lifetime);
  if (ASN1_TIME_set(X509_getm_notBefore(cert.get()), from) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), until) == nullptr)
    return SslError("setting the validity");
  X509_NAME* subject = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                 -1, 0) != 1 ||
      X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : subject) != 1 ||
      X509_set_pubkey(cert.get(), key) != 1)
    return SslError("naming the certificate");
  X509* signer = issuer ? issuer : cert.get();
  SLUICE_RETURN_IF_ERROR(AddExtension(cert.get(), signer, NID_subject_key_identifier, "hash"));
  SLUICE_RETURN_IF_ERROR(
      AddExtension(cert.get(), signer, NID_authority_key_identifier, "keyid:always"));
  return cert;
}

absl::Status Sign(X509* cert, EVP_PKEY* key) {
  if (X509_sign(cert, key, EVP_sha256()) <= 0) return SslError("signing a certificate");
  return absl::OkStatus();
}

// Whether the stored serving certificate can stay: signed by `ca`, for its
// key, with every wanted name, and not near its end.
bool ServingCertStillGood(const KeyAndCert& ca, const KeyAndCert& serving,
                          const std::vector<std::string>& sans, absl::Time now) {
  auto ca_cert = ParseCert(ca.cert_pem);
  auto cert = ParseCert(serving.cert_pem);
  auto key = ParseKey(serving.key_pem);
  auto have = CertificateSans(serving.cert_pem);
  auto until = CertificateNotAfter(serving.cert_pem);
  ERR_clear_error();
  if (!ca_cert.ok() || !cert.ok() || !key.ok() || !have.ok() || !until.ok()) return false;
  if (X509_verify(cert->get(), X509_get0_pubkey(ca_cert->get())) != 1 ||
      X509_check_private_key(cert->get(), key->get()) != 1) {
    ERR_clear_error();
    return false;
  }
  if (*until - now < kRenewBefore) return false;
  std::set<std::string> present(have->begin(), have->end());
  for (const std::string& san : sans) {
    std::string ip = CanonicalIp(san);
    if (!present.contains(ip.empty() ? san : ip)) return false;
  }
  return true;
}

absl::StatusOr<KeyAndCert> LoadPair(const std::string& dir, const std::string& name) {
  SLUICE_ASSIGN_OR_RETURN(std::string key, ReadFileToString(absl::StrCat(dir, "/", name, ".key")));
  SLUICE_ASSIGN_OR_RETURN(std::string cert, ReadFileToString(absl::StrCat(dir, "/", name, ".crt")));
  return KeyAndCert{.key_pem = std::move(key), .cert_pem = std::move(cert)};
}

absl::Status StorePair(const std::string& dir, const std::string& name, const KeyAndCert& pair) {
  SLUICE_RETURN_IF_ERROR(WritePrivateFile(absl::StrCat(dir, "/", name, ".key"), pair.key_pem));
  return WritePrivateFile(absl::StrCat(dir, "/", name, ".crt"), pair.cert_pem);
}

}  // namespace

absl::StatusOr<KeyAndCert> CreateCa(const std::string& common_name, absl::Time now) {
  SLUICE_ASSIGN_OR_RETURN(KeyPtr key, NewKey());
  SLUICE_ASSIGN_OR_RETURN(CertPtr cert, NewCert(key.get(), common_name, now, kCaLifetime, nullptr));
  SLUICE_RETURN_IF_ERROR(
      AddExtension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE"));
  SLUICE_RETURN_IF_ERROR(AddExtension(cert.get(), cert.get(), NID_key_usage,
                                      "critical,digitalSignature,keyCertSign,cRLSign"));
  SLUICE_RETURN_IF_ERROR(Sign(cert.get(), key.get()));
  SLUICE_ASSIGN_OR_RETURN(std::string key_pem, KeyPem(key.get()));
  SLUICE_ASSIGN_OR_RETURN(std::string cert_pem, CertPem(cert.get()));
  return KeyAndCert{.key_pem = std::move(key_pem), .cert_pem = std::move(cert_pem)};
}

absl::StatusOr<KeyAndCert> IssueServingCert(const KeyAndCert& ca, const std::string& common_name,
                                            const std::vector<std::string>& sans, absl::Time now) {
  SLUICE_ASSIGN_OR_RETURN(KeyPtr ca_key, ParseKey(ca.key_pem));
  SLUICE_ASSIGN_OR_RETURN(CertPtr ca_cert, ParseCert(ca.cert_pem));
  SLUICE_ASSIGN_OR_RETURN(KeyPtr key, NewKey());
  SLUICE_ASSIGN_OR_RETURN(CertPtr cert,
                          NewCert(key.get(), common_name, now, kServingLifetime, ca_cert.get()));
  SLUICE_RETURN_IF_ERROR(
      AddExtension(cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE"));
  SLUICE_RETURN_IF_ERROR(AddExtension(cert.get(), ca_cert.get(), NID_key_usage,
                                      "critical,digitalSignature,keyEncipherment"));
  SLUICE_RETURN_IF_ERROR(AddExtension(cert.get(), ca_cert.get(), NID_ext_key_usage, "serverAuth"));
  SLUICE_RETURN_IF_ERROR(AddSans(cert.get(), sans));
  SLUICE_RETURN_IF_ERROR(Sign(cert.get(), ca_key.get()));
  SLUICE_ASSIGN_OR_RETURN(std::string key_pem, KeyPem(key.get()));
  SLUICE_ASSIGN_OR_RETURN(std::string cert_pem, CertPem(cert.get()));
  return KeyAndCert{.key_pem = std::move(key_pem), .cert_pem = std::move(cert_pem)};
}

absl::StatusOr<std::vector<std::string>> CertificateSans(const std::string& cert_pem) {
  SLUICE_ASSIGN_OR_RETURN(CertPtr cert, ParseCert(cert_pem));
  NamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr)));
  std::vector<std::string> out;
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type == GEN_DNS) {
      const ASN1_STRING* s = name->d.dNSName;
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<size_t>(ASN1_STRING_length(s)));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* s = name->d.iPAddress;
      int length = ASN1_STRING_length(s);
      if (length != 4 && length != 16) continue;
      char text[INET6_ADDRSTRLEN];
      inet_ntop(length == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(s), text, sizeof(text));
      out.emplace_back(text);
    }
  }
  return out;
}

absl::StatusOr<absl::Time> CertificateNotAfter(const std::string& cert_pem) {
  SLUICE_ASSIGN_OR_RETURN(CertPtr cert, ParseCert(cert_pem));
  tm t{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert.get()), &t) != 1)
    return SslError("reading the certificate's end of validity");
  return absl::FromTimeT(timegm(&t));
}

absl::StatusOr<ServerPki> LoadOrCreatePki(const std::string& dir,
                                          const std::vector<std::string>& sans, absl::Time now) {
  SLUICE_RETURN_IF_ERROR(MakePrivateDirectory(dir));
  ServerPki pki;
  auto ca = LoadPair(dir, "ca");
  if (ca.ok()) {
    pki.ca = *std::move(ca);
  } else if (absl::IsNotFound(ca.status())) {
    SLUICE_ASSIGN_OR_RETURN(pki.ca, CreateCa("sluice-ca", now));
    SLUICE_RETURN_IF_ERROR(StorePair(dir, "ca", pki.ca));
  } else {
    return ca.status();
  }
  // A CA that does not parse is not replaced silently: every kubeconfig
  // handed out trusts it.
  if (auto parsed = ParseKey(pki.ca.key_pem); !parsed.ok())
    return absl::FailedPreconditionError(absl::StrCat(dir, "/ca.key: ", parsed.status().message()));
  if (auto parsed = ParseCert(pki.ca.cert_pem); !parsed.ok())
    return absl::FailedPreconditionError(absl::StrCat(dir, "/ca.crt: ", parsed.status().message()));
  auto serving = LoadPair(dir, "apiserver");
  if (!serving.ok() && !absl::IsNotFound(serving.status())) return serving.status();
  if (serving.ok() && ServingCertStillGood(pki.ca, *serving, sans, now)) {
    pki.serving = *std::move(serving);
    return pki;
  }
  SLUICE_ASSIGN_OR_RETURN(pki.serving, IssueServingCert(pki.ca, "kube-apiserver", sans, now));
  SLUICE_RETURN_IF_ERROR(StorePair(dir, "apiserver", pki.serving));
  return pki;
}

absl::StatusOr<std::string> RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1)
    return SslError("reading random bytes");
  return absl::BytesToHexString(raw);
}

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  // Digests first, so that neither the length nor the content of the secret
  // shapes the time the comparison takes.
  unsigned char da[SHA256_DIGEST_LENGTH];
  unsigned char db[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(a.data()), a.size(), da);
  SHA256(reinterpret_cast<const unsigned char*>(b.data()), b.size(), db);
  return CRYPTO_memcmp(da, db, sizeof(da)) == 0;
}

}  // namespace sluice::apiserver
