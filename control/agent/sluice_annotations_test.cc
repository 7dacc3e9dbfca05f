#include "control/agent/sluice_annotations.h"

#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

absl::StatusOr<SluiceAnnotations> Parse(const std::map<std::string, std::string>& annotations) {
  return ParseSluiceAnnotations(annotations);
}

std::string ErrorOf(const std::string& key, const std::string& value) {
  absl::StatusOr<SluiceAnnotations> parsed = Parse({{key, value}});
  EXPECT_FALSE(parsed.ok());
  return std::string(parsed.status().message());
}

IpAddress Ip(const char* text) {
  return *IpAddress::Parse(text);
}

TEST(SluiceAnnotations, NoAnnotationsMeanMaglevOfDefaultSizeAndEqualWeights) {
  absl::StatusOr<SluiceAnnotations> parsed = Parse({{"unrelated.io/x", "y"}});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->algorithm, Algorithm::kMaglev);
  EXPECT_EQ(parsed->maglev_table_size, kDefaultMaglevTableSize);
  EXPECT_TRUE(parsed->weights.empty());
}

TEST(SluiceAnnotations, AlgorithmNamesMapToAlgorithms) {
  EXPECT_EQ(Parse({{kAlgorithmAnnotation, "maglev"}})->algorithm, Algorithm::kMaglev);
  EXPECT_EQ(Parse({{kAlgorithmAnnotation, "round-robin"}})->algorithm, Algorithm::kRoundRobin);
  EXPECT_EQ(Parse({{kAlgorithmAnnotation, "random"}})->algorithm, Algorithm::kRandom);
}

TEST(SluiceAnnotations, UnknownAlgorithmIsAnErrorNamingTheAnnotation) {
  EXPECT_EQ(ErrorOf(kAlgorithmAnnotation, "least-conn"),
            "metadata.annotations[\"sluice.dev/lb-algorithm\"]: \"least-conn\" is not one of "
            "maglev, round-robin, random");
}

TEST(SluiceAnnotations, PrimeTableSizeIsTaken) {
  EXPECT_EQ(Parse({{kMaglevTableSizeAnnotation, "65537"}})->maglev_table_size, 65537u);
}

TEST(SluiceAnnotations, TableSizeMustBeAPrimeInRange) {
  const std::string error =
      "metadata.annotations[\"sluice.dev/maglev-table-size\"]: \"16384\" is not a prime between 3 "
      "and 131071";
  EXPECT_EQ(ErrorOf(kMaglevTableSizeAnnotation, "16384"), error);
  EXPECT_FALSE(Parse({{kMaglevTableSizeAnnotation, "2"}}).ok());
  EXPECT_FALSE(Parse({{kMaglevTableSizeAnnotation, "131101"}}).ok());  // prime, too large
  EXPECT_FALSE(Parse({{kMaglevTableSizeAnnotation, "big"}}).ok());
  EXPECT_FALSE(Parse({{kMaglevTableSizeAnnotation, "-7"}}).ok());
}

TEST(SluiceAnnotations, WeightsAreReadByAddressOfEitherFamily) {
  absl::StatusOr<SluiceAnnotations> parsed =
      Parse({{kWeightsAnnotation, "10.0.0.1=3, fd00::1=2 ,10.0.0.2=1,"}});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_THAT(parsed->weights, ElementsAre(Pair(Ip("10.0.0.1"), 3u), Pair(Ip("10.0.0.2"), 1u),
                                           Pair(Ip("fd00::1"), 2u)));
}

TEST(SluiceAnnotations, MalformedWeightsAreErrorsNamingTheAnnotation) {
  const std::string prefix = "metadata.annotations[\"sluice.dev/weights\"]: ";
  EXPECT_EQ(ErrorOf(kWeightsAnnotation, "10.0.0.1"),
            prefix + "\"10.0.0.1\" is not of the form address=weight");
  EXPECT_EQ(ErrorOf(kWeightsAnnotation, "pod-a=2"), prefix + "\"pod-a\" is not a valid IP address");
  EXPECT_EQ(ErrorOf(kWeightsAnnotation, "10.0.0.1=0"),
            prefix + "weight of 10.0.0.1 must be between 1 and 100");
  EXPECT_EQ(ErrorOf(kWeightsAnnotation, "10.0.0.1=101"),
            prefix + "weight of 10.0.0.1 must be between 1 and 100");
  EXPECT_EQ(ErrorOf(kWeightsAnnotation, "10.0.0.1=x"),
            prefix + "weight of 10.0.0.1 must be between 1 and 100");
  EXPECT_EQ(ErrorOf(kWeightsAnnotation, "10.0.0.1=2,10.0.0.1=3"),
            prefix + "10.0.0.1 is listed twice");
}

}  // namespace
}  // namespace sluice::agent
