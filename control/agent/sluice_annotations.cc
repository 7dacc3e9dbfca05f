#include "control/agent/sluice_annotations.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "control/status_macros.h"

namespace sluice::agent {
namespace {

absl::Status AnnotationError(absl::string_view key, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("metadata.annotations[\"", key, "\"]: ", message));
}

bool IsPrime(uint32_t n) {
  if (n < 2) return false;
  for (uint32_t d = 2; d * d <= n; ++d) {
    if (n % d == 0) return false;
  }
  return true;
}

absl::StatusOr<Algorithm> ParseAlgorithm(absl::string_view text) {
  if (text == "maglev") return Algorithm::kMaglev;
  if (text == "round-robin") return Algorithm::kRoundRobin;
  if (text == "random") return Algorithm::kRandom;
  return AnnotationError(kAlgorithmAnnotation,
                         absl::StrCat("\"", text, "\" is not one of maglev, round-robin, random"));
}

absl::StatusOr<uint32_t> ParseTableSize(absl::string_view text) {
  uint32_t size = 0;
  if (!absl::SimpleAtoi(text, &size) || size < kMinMaglevTableSize || size > kMaxMaglevTableSize ||
      !IsPrime(size)) {
    return AnnotationError(kMaglevTableSizeAnnotation,
                           absl::StrCat("\"", text, "\" is not a prime between ",
                                        kMinMaglevTableSize, " and ", kMaxMaglevTableSize));
  }
  return size;
}

// "10.0.0.1=3, fd00::1=2"; spaces around entries are allowed.
absl::StatusOr<std::map<IpAddress, uint32_t>> ParseWeights(absl::string_view text) {
  std::map<IpAddress, uint32_t> weights;
  for (absl::string_view entry : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    entry = absl::StripAsciiWhitespace(entry);
    std::vector<absl::string_view> parts = absl::StrSplit(entry, absl::MaxSplits('=', 1));
    if (parts.size() != 2) {
      return AnnotationError(kWeightsAnnotation,
                             absl::StrCat("\"", entry, "\" is not of the form address=weight"));
    }
    absl::StatusOr<IpAddress> address = IpAddress::Parse(absl::StripAsciiWhitespace(parts[0]));
    if (!address.ok()) return AnnotationError(kWeightsAnnotation, address.status().message());
    uint32_t weight = 0;
    if (!absl::SimpleAtoi(parts[1], &weight) || weight < 1 || weight > kMaxWeight) {
      return AnnotationError(
          kWeightsAnnotation,
          absl::StrCat("weight of ", address->ToString(), " must be between 1 and ", kMaxWeight));
    }
    if (!weights.emplace(*address, weight).second) {
      return AnnotationError(kWeightsAnnotation,
                             absl::StrCat(address->ToString(), " is listed twice"));
    }
  }
  return weights;
}

}  // namespace

absl::StatusOr<SluiceAnnotations> ParseSluiceAnnotations(
    const std::map<std::string, std::string>& annotations) {
  SluiceAnnotations parsed;
  if (auto it = annotations.find(kAlgorithmAnnotation); it != annotations.end()) {
    SLUICE_ASSIGN_OR_RETURN(parsed.algorithm, ParseAlgorithm(it->second));
  }
  if (auto it = annotations.find(kMaglevTableSizeAnnotation); it != annotations.end()) {
    SLUICE_ASSIGN_OR_RETURN(parsed.maglev_table_size, ParseTableSize(it->second));
  }
  if (auto it = annotations.find(kWeightsAnnotation); it != annotations.end()) {
    SLUICE_ASSIGN_OR_RETURN(parsed.weights, ParseWeights(it->second));
  }
  return parsed;
}

}  // namespace sluice::agent
